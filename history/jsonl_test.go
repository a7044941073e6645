package history

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestJSONLRoundTrip(t *testing.T) {
	in := []Result{
		{Monitor: "api", Check: "http", Target: "https://api.test/health", Time: t0, OK: true, LatencyMS: 12.5,
			Detail: json.RawMessage(`{"status":200,"body":"<ok> & fine"}`)},
		{Monitor: "api", Check: "http", Target: "https://api.test/health", Time: t0.Add(5 * time.Second), Error: "connection refused"},
		{Monitor: "name", Check: "dns", Target: "api.test", Time: t0.Add(time.Second).In(time.FixedZone("X", 3600)), OK: true,
			Answer: "10.0.0.1,10.0.0.2"},
		{Monitor: "load", Check: "load", Time: t0.Add(2 * time.Second), OK: true, Value: 0.75},
	}
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, in); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != len(in) {
		t.Fatalf("%d lines for %d results:\n%s", len(lines), len(in), buf.String())
	}
	if !strings.Contains(lines[0], `"body":"<ok> & fine"`) || !strings.Contains(lines[2], `"time":"2026-11-27T02:00:01Z"`) {
		t.Fatalf("lines not as written (HTML escaping, UTC):\n%s", buf.String())
	}
	if strings.Contains(lines[3], "latency_ms") || strings.Contains(lines[3], "error") {
		t.Fatalf("empty members written: %s", lines[3])
	}
	out, err := ReadJSONL(&buf)
	if err != nil {
		t.Fatal(err)
	}
	in[2].Time = in[2].Time.UTC()
	// Detail is compacted by the encoder; compare it as JSON.
	for i := range in {
		if !jsonEqual(in[i].Detail, out[i].Detail) {
			t.Fatalf("detail %d: %s vs %s", i, in[i].Detail, out[i].Detail)
		}
		in[i].Detail, out[i].Detail = nil, nil
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", out, in)
	}

	// Through the store and back: a window written as JSONL reads back as the window.
	s := openT(t, filepath.Join(t.TempDir(), "h.db"), Options{Now: func() time.Time { return t0 }})
	var rs []Result
	for i := 0; i < 50; i++ {
		r := res(fmt.Sprintf("m%d", i%3), i, i%4 != 0)
		r.Detail = json.RawMessage(fmt.Sprintf(`{"i":%d}`, i))
		rs = append(rs, r)
	}
	if err := s.AppendBatch(rs); err != nil {
		t.Fatal(err)
	}
	w, _ := s.Window(time.Time{}, time.Time{}, "")
	buf.Reset()
	WriteJSONL(&buf, w)
	want := buf.String()
	back, err := ReadJSONL(&buf)
	if err != nil || !reflect.DeepEqual(back, w) {
		t.Fatalf("store window through JSONL: %v", err)
	}
	// Streamed from the store: the same bytes; a monitor's window; an error from fn stops Each.
	var sb strings.Builder
	if n, err := s.WriteWindowJSONL(&sb, time.Time{}, time.Time{}, ""); err != nil || n != 50 || sb.String() != want {
		t.Fatalf("WriteWindowJSONL: %d %v, same bytes: %v", n, err, sb.String() == want)
	}
	sb.Reset()
	if n, err := s.WriteWindowJSONL(&sb, t0.Add(10*time.Second), t0.Add(40*time.Second), "m1"); err != nil || n != 2 {
		t.Fatalf("WriteWindowJSONL(m1, 10s..40s): %d %v\n%s", n, err, sb.String())
	}
	stop := fmt.Errorf("enough")
	seen := 0
	err = s.Each(time.Time{}, time.Time{}, "", func(Result) error {
		seen++
		if seen == 3 {
			return stop
		}
		return nil
	})
	if err != stop || seen != 3 {
		t.Fatalf("Each after an error from fn: %v, %d calls", err, seen)
	}
	// ReadJSONLFunc gives the line numbers.
	var nums []int
	if err := ReadJSONLFunc(strings.NewReader(want), func(l int, r Result) error { nums = append(nums, l); return nil }); err != nil || len(nums) != 50 || nums[49] != 50 {
		t.Fatalf("ReadJSONLFunc: %v %v", err, nums)
	}
}

func jsonEqual(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	json.Unmarshal(a, &x)
	json.Unmarshal(b, &y)
	return reflect.DeepEqual(x, y)
}

func TestReadJSONLErrors(t *testing.T) {
	good := `{"monitor":"api","check":"http","time":"2026-11-27T02:00:00Z","ok":true}`
	for _, c := range []struct{ in, want string }{
		{good + "\n" + `{"monitor":"api","check":"http","time":"2026-11-27T02:00:05Z","ok":tru}` + "\n", "line 2: invalid character"},
		{good + "\n" + good + "\n" + `{"monitor":"api","check":"http","ok":true}` + "\n", "line 3: result of monitor \"api\" without a time"},
		{`{"check":"http","time":"2026-11-27T02:00:00Z"}`, "line 1: result without a monitor name"},
		{`{"monitor":"api","time":"2026-11-27T02:00:00Z"}`, "line 1: result of monitor \"api\" without a check kind"},
		{good + "\n\n" + good + "\n", "line 2: empty line"},
		{good + " " + good + "\n", "line 1: invalid character"},
		{`[1,2]` + "\n", "line 1: json: cannot unmarshal array"},
		{good + "\n" + `{"monitor":"api","check":"http","time":"yesterday"}`, "line 2: parsing time"},
		{good + "\n" + `{"monitor":"api","check":"http","time":"2026-11-27T02:00:00Z","ok":"yes"}`, "line 2: json: cannot unmarshal string"},
		{good + "\n" + `{"monitor":"api","check":"http","time":"2026-11-27T02:00:00Z","latency_ms":` + strings.Repeat("1", MaxLineBytes) + "}\n", "line 2: longer than"},
	} {
		_, err := ReadJSONL(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "history.jsonl line ") {
			in := c.in
			if len(in) > 120 {
				in = in[:120] + "..."
			}
			t.Errorf("ReadJSONL(%q) = %v, want %q", in, err, c.want)
		}
	}
	// Accepted: no final newline, CRLF, a blank last line, unknown members, empty input.
	for _, in := range []string{good, good + "\r\n" + good + "\r\n", good + "\n\n", `{"monitor":"a","check":"tcp","time":"2026-11-27T02:00:00Z","new_field":[1]}`} {
		rs, err := ReadJSONL(strings.NewReader(in))
		if err != nil || len(rs) == 0 {
			t.Errorf("ReadJSONL(%q) = %v, %v", in, rs, err)
		}
	}
	if rs, err := ReadJSONL(strings.NewReader("")); err != nil || len(rs) != 0 || rs == nil {
		t.Errorf("empty input: %#v %v", rs, err)
	}
}
