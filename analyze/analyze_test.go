package analyze

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// src builds a MapSource from path -> text.
func src(files map[string]string) MapSource {
	m := MapSource{}
	for p, s := range files {
		m[p] = []byte(s)
	}
	return m
}

// keys renders findings as "id severity target", sorted the way Run sorts them.
func keys(fs []Finding) []string {
	Sort(fs)
	var out []string
	for _, f := range fs {
		out = append(out, string(f.ID)+" "+string(f.Severity)+" "+f.Target)
	}
	return out
}

type tcase struct {
	name  string
	files map[string]string
	want  []string // "id severity target"; empty: no finding
	title string   // a substring of the first finding's title, when set
}

func runCases(t *testing.T, fn func(Source) []Finding, cases []tcase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := fn(src(tc.files))
			got := keys(fs)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("findings %q, want %q\n%s", got, tc.want, dump(fs))
			}
			if tc.title != "" && !strings.Contains(fs[0].Title, tc.title) {
				t.Errorf("title %q does not contain %q", fs[0].Title, tc.title)
			}
			for _, f := range fs {
				if f.Title == "" || f.Detail == "" || f.NextStep == "" || len(f.Evidence) == 0 {
					t.Errorf("finding %s lacks title, detail, next step or evidence: %+v", f.ID, f)
				}
				for _, e := range f.Evidence {
					if _, ok := tc.files[e.Path]; !ok {
						t.Errorf("finding %s cites %s, not an input file", f.ID, e.Path)
					}
				}
			}
		})
	}
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

func TestMissingFilesSayNothing(t *testing.T) {
	fs := Analyze(MapSource{"manifest.json": []byte(`{"collectors":[]}`)})
	if len(fs.Findings) != 0 {
		t.Fatalf("findings from an empty bundle: %s", dump(fs))
	}
	// Malformed documents: nothing, no panic.
	bad := MapSource{}
	for _, p := range []string{"system/disks.json", "system/memory.json", "system/cpu.json", "system/time.json", dnsPath, pingPath, tracePath, tcpPath, httpPath, "manifest.json", "system/interfaces.json"} {
		bad[p] = []byte(`{"results": 7, "partitions": "x"`)
	}
	if fs := Analyze(bad); len(fs.Findings) != 0 {
		t.Fatalf("findings from malformed documents: %s", dump(fs))
	}
}

func TestJSONShape(t *testing.T) {
	fs := Findings{Findings: []Finding{{ID: "tls.expired", Severity: Critical, Title: "t", Detail: "d", Target: "h:1",
		Evidence: []Evidence{{Path: "network/http.json", Line: 3}, {Path: "x"}}, NextStep: "n"}}}
	b, _ := json.Marshal(fs)
	want := `{"findings":[{"id":"tls.expired","severity":"critical","title":"t","detail":"d","target":"h:1","evidence":[{"path":"network/http.json","line":3},{"path":"x"}],"next_step":"n"}]}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	// An empty result is an empty list, not null.
	b, _ = json.Marshal(Analyze(MapSource{}))
	if string(b) != `{"findings":[]}` {
		t.Fatalf("empty: %s", b)
	}
}

func TestOrder(t *testing.T) {
	fs := []Finding{
		{ID: "b", Severity: Info, Target: "x"},
		{ID: "z", Severity: Critical, Target: "b"},
		{ID: "a", Severity: Warning, Target: "x"},
		{ID: "z", Severity: Critical, Target: "a"},
		{ID: "a", Severity: Critical, Target: "q"},
	}
	got := keys(fs)
	want := []string{"a critical q", "z critical a", "z critical b", "a warning x", "b info x"}
	if !slices.Equal(got, want) {
		t.Fatalf("%q", got)
	}
}

func TestPanickingAnalyzer(t *testing.T) {
	fs := Run(MapSource{}, []Analyzer{{"boom", func(Source) []Finding { panic("bad doc") }}})
	if len(fs.Findings) != 1 || fs.Findings[0].ID != "analyze.error" || fs.Findings[0].Severity != Info {
		t.Fatalf("%s", dump(fs))
	}
}

func TestJSONLine(t *testing.T) {
	doc := "{\n  \"results\": [\n    {\n      \"target\": \"a:1\"\n    },\n    {\n      \"target\": \"b:2\"\n    }\n  ]\n}\n"
	if l := jsonLine([]byte(doc), 0, "target", "b:2"); l != 7 {
		t.Fatalf("line %d", l)
	}
	if l := jsonLine([]byte(doc), 0, "target", "c"); l != 0 {
		t.Fatalf("line %d", l)
	}
}
