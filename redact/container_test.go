package redact

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestContainerBound: an open container under a sensitive key ends after containerMaxLines
// lines; the lines after the bound are scanned as usual again.
func TestContainerBound(t *testing.T) {
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString("\"tokens\": [\n")
	for k := 0; k < containerMaxLines+5; k++ {
		sb.WriteString("  \"Ab3Cd5Ef7\",\n")
	}
	sb.WriteString("  \"tail1\" ]\n")
	out := e.String("big.json", sb.String())
	lines := strings.Split(out, "\n")
	if got := lines[1]; got != `  "[REDACTED:sensitive-key]",` {
		t.Fatalf("first element: %q", got)
	}
	if got := lines[containerMaxLines]; got != `  "[REDACTED:sensitive-key]",` {
		t.Fatalf("element %d: %q", containerMaxLines, got)
	}
	if got := lines[containerMaxLines+2]; got != `  "Ab3Cd5Ef7",` {
		t.Fatalf("past the bound: %q", got)
	}
}

// TestContainerLongLine: an object under a sensitive key on one line longer than several
// windows, plain and as escaped JSON inside a JSON string, at shifted cut offsets: every value
// is redacted, keys stay, the JSON stays valid and a second pass changes nothing.
func TestContainerLongLine(t *testing.T) {
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for pad := range 4 {
		m := map[string]any{"p": strings.Repeat("x", pad*3+1), "name": "keepme"}
		sec := map[string]string{}
		for k := range 12000 {
			sec[fmt.Sprintf("k%d", k)] = fmt.Sprintf("Ab3Cd5Ef7Gh9Xy%06d", k)
		}
		m["secrets"] = sec
		inner, _ := json.Marshal(m)
		outer, _ := json.Marshal(map[string]string{"log": string(inner)})
		in := string(inner) + "\n" + string(outer) + "\n"
		out := e.String("long.json", in)
		if strings.Contains(out, "Ab3Cd5") || strings.Count(out, "keepme") != 2 || strings.Count(out, `k11999`) != 2 {
			t.Fatalf("pad %d: secrets left or keys lost", pad)
		}
		lines := strings.Split(out, "\n")
		var o map[string]string
		if !json.Valid([]byte(lines[0])) || json.Unmarshal([]byte(lines[1]), &o) != nil || !json.Valid([]byte(o["log"])) {
			t.Fatalf("pad %d: JSON broken", pad)
		}
		if again := e.String("long.json", out); again != out {
			t.Fatalf("pad %d: not idempotent", pad)
		}
	}
}

// TestContainerLinear: long runs inside a container (blanks in a YAML flow value, markers
// without their closing bracket) are scanned in linear time.
func TestContainerLinear(t *testing.T) {
	e, _ := New(Config{})
	limit := time.Second
	if raceOn {
		limit = 60 * time.Second
	}
	for _, in := range []string{
		"secrets: {a: x" + strings.Repeat(" ", maxWindow-20) + "y}\n",
		"secrets: {a: x" + strings.Repeat("[REDACTED:", maxWindow/10-2) + "\n",
		"secrets: {" + strings.Repeat("a ", maxWindow/2-8) + "\n",
		"\"tokens\": [\n" + strings.Repeat("  "+strings.Repeat(" ", 4096)+"x,\n", 64),
	} {
		st := time.Now()
		e.String("x", in)
		if d := time.Since(st); d > limit {
			t.Errorf("%q... took %v", in[:20], d)
		}
	}
}
