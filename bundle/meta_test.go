package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/redact"
)

// hostileBundle writes a tar.gz whose manifest lists every file with its true hash and whose top
// folder is the one casefile names, so it verifies: only the documents' content is hostile.
// manifest, when given, replaces the manifest.json made here.
func hostileBundle(t *testing.T, files map[string][]byte, manifest []byte) string {
	t.Helper()
	var entries []FileEntry
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		sum := sha256.Sum256(files[n])
		entries = append(entries, FileEntry{Path: n, Size: int64(len(files[n])), SHA256: hex.EncodeToString(sum[:])})
	}
	if manifest == nil {
		var err error
		manifest, err = json.Marshal(&Manifest{SchemaVersion: SchemaVersion, BundleID: testID, CreatedAt: created, Host: "h1", Format: "tar.gz", Files: entries})
		if err != nil {
			t.Fatal(err)
		}
	}
	top := Name("", "h1", created, testID)
	p := filepath.Join(t.TempDir(), top+".tar.gz")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	for _, n := range append([]string{"manifest.json"}, names...) {
		data := files[n]
		if n == "manifest.json" {
			data = manifest
		}
		if err := tw.WriteHeader(&tar.Header{Name: top + "/" + n, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data)), ModTime: created}); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// repeated is head, then unit repeated until the document is size bytes with tail.
func repeated(head, unit, tail string, size int) []byte {
	b := make([]byte, 0, size)
	b = append(b, head...)
	for len(b)+len(unit)+len(tail) <= size {
		b = append(b, unit...)
	}
	b = bytes.TrimSuffix(b, []byte(","))
	return append(b, tail...)
}

// measureRead reads p and returns what Read returned, the bytes the heap allocated meanwhile
// (TotalAlloc) and the time it took.
func measureRead(p string) (*Contents, error, uint64, time.Duration) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	c, err := Read(p, DefaultReadLimits)
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	return c, err, after.TotalAlloc - before.TotalAlloc, took
}

// Metadata documents made of "{}," (or members of them), packed by gzip about 1000:1, are read
// in bounded memory: findings.json's 22 million entries took 3.6 GiB of heap and 30 s through
// json.Unmarshal (docs/bundle.md). Now more than 1,000,000 findings, or a manifest listing more
// files than an archive may hold, is refused at once; what a caller does not keep (a finding's
// detail, environment.json's nested values, redaction.json's by_file) is read past.
func TestReadMetadataBombsBounded(t *testing.T) {
	// 60 MiB: a little under MaxMetaSize (64 MiB), and under the 64 MiB after which the
	// 1000:1 ratio check refuses the archive anyway.
	const bomb = 60 << 20
	const big = 16 << 20
	for _, tc := range []struct {
		name     string
		files    map[string][]byte
		manifest func() []byte
		refused  string
		check    func(*Contents) string
	}{
		{name: "findings.json of {}", refused: "findings.json holds more than 1000000 findings",
			files: map[string][]byte{"findings.json": repeated(`{"findings":[`, `{},`, `]}`, bomb)}},
		{name: "findings.json with 150,000 findings",
			files: map[string][]byte{"findings.json": []byte(`{"findings":[{"severity":"critical","title":"c"},` +
				strings.Repeat(`{"id":"w","severity":"warning","title":"w","detail":"d"},`, 100_000) + strings.Repeat(`{"severity":"info"},`, 49_998) + `{}]}`)},
			check: func(c *Contents) string {
				if len(c.Findings) != 10_000 || c.Findings[0].Title != "c" || c.Findings[1].ID != "w" ||
					c.FindingCounts != (FindingCounts{Total: 150_000, Critical: 1, Warning: 100_000, Info: 49_998}) {
					return fmt.Sprintf("%d findings kept, counts %+v", len(c.Findings), c.FindingCounts)
				}
				return ""
			}},
		{name: "findings.json with a huge detail",
			files: map[string][]byte{"findings.json": repeated(`{"findings":[{"id":"tls.expired","severity":"critical","title":"t","detail":[`, `{"a":[1,"x",true,null]},`, `]}]}`, big)},
			check: func(c *Contents) string {
				if len(c.Findings) != 1 || c.Findings[0] != (FindingRow{ID: "tls.expired", Severity: "critical", Title: "t"}) {
					return "findings " + jsonString(c.Findings)
				}
				return ""
			}},
		{name: "findings.json with a huge title",
			files: map[string][]byte{"findings.json": repeated(`{"findings":[{"severity":"warning","title":"`, `ab`, `"}]}`, big)},
			check: func(c *Contents) string {
				if len(c.Findings) != 1 || len(c.Findings[0].Title) > maxFindingText+3 || !strings.HasPrefix(c.Findings[0].Title, "abab") {
					return "findings " + jsonString(c.Findings)[:100]
				}
				return ""
			}},
		{name: "environment.json with huge nested values",
			files: map[string][]byte{"environment.json": repeated(`{"os":"linux","env":{`, `"k":{},`, `}}`, big)},
			check: func(c *Contents) string {
				if !reflect.DeepEqual(c.Environment, map[string]any{"os": "linux"}) {
					return "environment " + jsonString(c.Environment)
				}
				return ""
			}},
		{name: "redaction.json with a huge by_file",
			files: map[string][]byte{"redaction.json": repeated(`{"total":3,"files":1,"by_rule":{"aws-key":3},"by_file":{`, `"f":{},`, `}}`, big)},
			check: func(c *Contents) string {
				if c.Redaction == nil || c.Redaction.Total != 3 || c.Redaction.ByRule["aws-key"] != 3 || c.Redaction.ByFile != nil {
					return "redaction " + jsonString(c.Redaction)
				}
				return ""
			}},
		{name: "manifest.json listing {} files", refused: "manifest.json lists more than 200000 files",
			manifest: func() []byte {
				return repeated(`{"schema_version":1,"bundle_id":"`+testID+`","created_at":"2026-11-27T10:41:31Z","host":"h1","files":[`, `{},`, `]}`, bomb)
			}},
		{name: "manifest.json with {} collectors", refused: "manifest.json lists more than 10000 collectors",
			manifest: func() []byte {
				return repeated(`{"schema_version":1,"bundle_id":"`+testID+`","created_at":"2026-11-27T10:41:31Z","host":"h1","collectors":[`, `{},`, `]}`, bomb)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var man []byte
			if tc.manifest != nil {
				man = tc.manifest()
			}
			p := hostileBundle(t, tc.files, man)
			tc.files, man = nil, nil
			st, _ := os.Stat(p)
			c, err, alloc, took := measureRead(p)
			t.Logf("%d-byte bundle: read in %v, %.1f MiB allocated, err %v", st.Size(), took, float64(alloc)/(1<<20), err)
			switch {
			case tc.refused != "":
				if !errors.Is(err, ErrUnsafe) || !strings.Contains(err.Error(), tc.refused) {
					t.Errorf("err = %v, want a refusal: %s", err, tc.refused)
				}
			case err != nil:
				t.Errorf("Read: %v", err)
			default:
				if probs := c.Verify(); len(probs) != 0 {
					t.Errorf("verify: %v", probs)
				}
				if msg := tc.check(c); msg != "" {
					t.Error(msg)
				}
			}
			if alloc > 24<<20 {
				t.Errorf("reading it allocated %.1f MiB, want under 24 MiB", float64(alloc)/(1<<20))
			}
		})
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// The streaming readers give what json.Unmarshal gave for the documents casefile writes and
// for malformed ones (nil where Unmarshal failed), escapes and surrogates included.
func TestMetaReadersMatchEncodingJSON(t *testing.T) {
	docs := []string{
		`{"findings":[{"id":"tls.expired","severity":"critical","title":"TLS for a:443 expired","detail":"d","target":"a:443","evidence":[{"path":"network/tls.json","line":3}],"next_step":"renew"}]}`,
		`{"findings":[]}`, `{"findings":null}`, `{}`, `null`, ` {"findings" : [ null , {} ] } `,
		`{"FINDINGS":[{"ID":"x","Severity":"info"}]}`, `{"findings":[{"id":"a"}],"findings":[{"id":"b"}]}`,
		`{"findings":[{"title":"\u00e9\ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t"}]}`,
		`{"findings":[{"title":"lone \ud83d x \udc00 y"}]}`, "{\"findings\":[{\"title\":\"bad \xff utf8\"}]}",
		`{"findings":[{"id":1}]}`, `{"findings":{}}`, `{"findings":[1]}`, `[]`, `"x"`, `12`,
		`{"findings":[{"id":"a"}]} x`, `{"findings":[{"id":"a"},]}`, `{"findings":[{"id":"a"}`, `{"a":01}`,
		`{"a":1.}`, `{"a":-}`, `{"a":1e}`, `{"a":[1,2.5e-3,-0,true,false,null,"s",{"b":{}}]}`, `{"a":tru}`,
		"{\"findings\":[{\"title\":\"ctl \x01\"}]}", `{"findings":[{"id":"\x"}]}`, `{"a" 1}`, `{"a":1 "b":2}`,
		`{"findings":[{"id":"\u12"}]}`, ``, `   `, `{"findings":[{"id":null,"severity":"warning"}]}`,
	}
	for _, d := range docs {
		var want struct {
			Findings []FindingRow `json:"findings"`
		}
		wantRows := []FindingRow(nil)
		if json.Unmarshal([]byte(d), &want) == nil {
			wantRows = want.Findings
			if wantRows == nil {
				wantRows = []FindingRow{}
			}
		}
		got, _, err := readFindings(strings.NewReader(d), 10)
		if err != nil || !reflect.DeepEqual(got, wantRows) {
			t.Errorf("findings %q: got %#v, %v; json.Unmarshal %#v", d, got, err, wantRows)
		}
	}
	for _, d := range []string{`{"total":5,"files":2,"by_rule":{"a":3,"b":2},"by_file":{"x":{"a":3}},"dropped":{"y":"z"}}`,
		`{"total":1.5}`, `{"total":"1"}`, `{"by_rule":null}`, `{"by_rule":{"a":"x"}}`, `{"total":99999999999999999999}`, `null`, `[1]`} {
		var want *redact.Report
		var rep redact.Report
		if json.Unmarshal([]byte(d), &rep) == nil {
			rep.ByFile, rep.Dropped = nil, nil
			want = &rep
		}
		got, err := readRedaction(strings.NewReader(d))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("redaction %q: got %#v, %v; json.Unmarshal %#v", d, got, err, want)
		}
	}
	for _, d := range []string{`{"os":"linux","arch":"amd64","env":{"A":"b"},"cpus":4}`, `null`, `[]`, `{"os":1}`, `{"os":"x"`} {
		var all map[string]any
		var want map[string]any
		if json.Unmarshal([]byte(d), &all) == nil && all != nil {
			want = map[string]any{}
			for k, v := range all {
				if s, ok := v.(string); ok {
					want[k] = s
				}
			}
		}
		got, err := readEnvironment(strings.NewReader(d))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("environment %q: got %#v, %v; json.Unmarshal %#v", d, got, err, want)
		}
	}
}

// FuzzFindingsLikeUnmarshal: for any document whose strings fit the kept bounds, readFindings
// accepts exactly what json.Unmarshal accepts and keeps the same rows.
func FuzzFindingsLikeUnmarshal(f *testing.F) {
	for _, s := range []string{`{"findings":[{"id":"a","severity":"critical","title":"t","target":"x","detail":[1,{"b":null}]}]}`,
		`{"findings":[{"title":"\ud83d\ude00\u00e9"}]}`, `{"x":[[[]]],"findings":null}`, `{"findings":[{"id":1e5}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var want struct {
			Findings []FindingRow `json:"findings"`
		}
		ok := json.Unmarshal(data, &want) == nil
		got, _, err := readFindings(bytes.NewReader(data), 1000)
		if err != nil {
			if len(want.Findings) > 1000 {
				return
			}
			t.Fatalf("%q: %v", data, err)
		}
		if ok != (got != nil) {
			t.Fatalf("%q: json.Unmarshal ok=%v, readFindings %#v", data, ok, got)
		}
		if !ok {
			return
		}
		for _, r := range want.Findings {
			if len(r.ID) > maxFindingID || len(r.Severity) > maxFindingSeverity || len(r.Title) > maxFindingText || len(r.Target) > maxFindingText {
				return
			}
		}
		if len(want.Findings) != len(got) || (len(got) > 0 && !reflect.DeepEqual(want.Findings, got)) {
			t.Fatalf("%q: json.Unmarshal %#v, readFindings %#v", data, want.Findings, got)
		}
	})
}

// ReadManifest (what upload reads) counts the manifest's lists as Read does.
func TestReadManifestBounded(t *testing.T) {
	man := repeated(`{"schema_version":1,"bundle_id":"`+testID+`","created_at":"2026-11-27T10:41:31Z","host":"h1","files":[`, `{},`, `]}`, 8<<20)
	p := hostileBundle(t, nil, man)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := ReadManifest(p, DefaultReadLimits)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrUnsafe) || !strings.Contains(err.Error(), "more than 200000 files") {
		t.Errorf("ReadManifest: %v", err)
	}
	if a := after.TotalAlloc - before.TotalAlloc; a > 24<<20 {
		t.Errorf("ReadManifest allocated %d MiB", a>>20)
	}
}

// A metadata document twice in the archive is refused, as any other duplicate is (the second
// findings.json replaced the first).
func TestDuplicateMetadataRefused(t *testing.T) {
	src, _ := makeBundle(t, t.TempDir(), "tar.gz", sample, Limits{})
	for _, name := range []string{"environment.json", "manifest.json"} {
		dst := filepath.Join(t.TempDir(), "d.tar.gz")
		rewrite(t, src, dst, nil, map[string]string{name: "{}"})
		if _, err := Read(dst, DefaultReadLimits); !errors.Is(err, ErrUnsafe) || !strings.Contains(err.Error(), name+" appears twice") {
			t.Errorf("%s twice: %v", name, err)
		}
	}
}
