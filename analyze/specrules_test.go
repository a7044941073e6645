package analyze

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/casefile/casefile/spec"
)

const specHTTPDoc = `{
  "results": [
    {
      "name": "api",
      "url": "https://api.acme.example/health",
      "status": 200,
      "ok": true,
      "timings_ms": {
        "dns": 3,
        "total": 2350.5
      },
      "tls": {"chain": [{"subject": "CN=api", "days_left": 20}]}
    },
    {
      "name": "web",
      "url": "https://www.acme.example/",
      "status": 503,
      "ok": false,
      "timings_ms": {
        "total": 120
      }
    },
    {
      "url": "https://cdn.acme.example/",
      "status": 200,
      "ok": true,
      "timings_ms": {
        "total": 4000
      }
    }
  ]
}
`

func specSrc(analyzers string, files map[string]string) MapSource {
	m := src(files)
	m["spec.yaml"] = []byte("apiVersion: casefile/v1\nkind: Spec\nmetadata: {name: t}\nlogs: [{name: app, paths: [relative/is/refused/now]}]\nanalyzers:\n" + analyzers)
	return m
}

// The where and field semantics: records are the document's results; where keeps the records
// satisfying every comparison; one finding per record whose field satisfies op value; the
// target is the record's name (else its url); evidence is the field's line inside the record.
func TestSpecFieldRules(t *testing.T) {
	for _, tc := range []struct {
		name, rule string
		want       []string
		title      string
		line       int
	}{
		{"slow api", `{id: acme.api-slow, file: network/http.json, where: 'name == "api"', field: timings_ms.total, op: ">", value: 2000, severity: warning, title: "API {target} slower than 2 s ({value} ms)", next_step: "check the proxy"}`,
			[]string{"acme.api-slow warning api"}, "API api slower than 2 s (2350.5 ms)", 10},
		{"fast enough", `{id: acme.api-slow, file: network/http.json, where: 'name == "api"', field: timings_ms.total, op: ">", value: 3000, severity: warning, title: t}`, nil, "", 0},
		{"no where: every record, url when no name", `{id: acme.slow, file: network/http.json, field: timings_ms.total, op: ">=", value: 2350.5, severity: info, title: "slow {target}"}`,
			[]string{"acme.slow info api", "acme.slow info https://cdn.acme.example/"}, "slow api", 10},
		{"conjunction and !=", `{id: acme.down, file: network/http.json, where: 'ok == false && status != 200', field: status, op: "==", value: 503, severity: critical, title: down}`,
			[]string{"acme.down critical web"}, "", 17},
		{"list index and absent", `{id: acme.no-tls, file: network/http.json, field: tls.chain.0.days_left, op: absent, severity: info, title: "no TLS"}`,
			[]string{"acme.no-tls info https://cdn.acme.example/", "acme.no-tls info web"}, "", 0},
		{"index value", `{id: acme.cert, file: network/http.json, field: tls.chain.0.days_left, op: "<", value: 30, severity: warning, title: "cert"}`,
			[]string{"acme.cert warning api"}, "", 0},
		{"matches and =~", `{id: acme.m, file: network/http.json, where: 'url =~ "^https://www"', field: url, op: matches, value: "acme\\.example", severity: info, title: m}`,
			[]string{"acme.m info web"}, "", 0},
		{"type mismatch never equal", `{id: acme.s, file: network/http.json, field: status, op: "==", value: "200", severity: info, title: s}`, nil, "", 0},
		{"missing field satisfies nothing", `{id: acme.s, file: network/http.json, field: nope, op: "!=", value: 1, severity: info, title: s}`, nil, "", 0},
		{"document without results", `{id: acme.mem, file: system/memory.json, field: available_bytes, op: "<", value: 1000, severity: warning, title: "low"}`,
			[]string{"acme.mem warning system/memory.json"}, "", 3},
		{"records path", `{id: acme.full, file: system/disks.json, records: mounts, where: 'mountpoint == "/data"', field: usage.used_percent, op: ">", value: 80, severity: warning, title: "{target} full"}`,
			[]string{"acme.full warning /data"}, "/data full", 0},
		{"missing file", `{id: acme.x, file: network/tcp.json, field: a, op: exists, severity: info, title: x}`, nil, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"network/http.json": specHTTPDoc,
				"system/memory.json": "{\n  \"total_bytes\": 100000,\n  \"available_bytes\": 500\n}\n",
				"system/disks.json":  `{"mounts": [{"mountpoint": "/", "usage": {"used_percent": 90}}, {"mountpoint": "/data", "usage": {"used_percent": 85}}]}`,
			}
			s := specSrc("  - "+tc.rule+"\n", files)
			fs := Analyze(s).Findings
			var spec []Finding
			for _, f := range fs {
				if strings.HasPrefix(f.ID, "acme.") || f.ID == "analyze.error" {
					spec = append(spec, f)
				}
			}
			got := keys(spec)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("got %q want %q\n%s", got, tc.want, dump(spec))
			}
			if tc.title != "" && spec[0].Title != tc.title {
				t.Errorf("title %q, want %q", spec[0].Title, tc.title)
			}
			if tc.line != 0 && spec[0].Evidence[0].Line != tc.line {
				t.Errorf("evidence %+v, want line %d", spec[0].Evidence, tc.line)
			}
			for _, f := range spec {
				if f.Detail == "" || f.NextStep == "" || len(f.Evidence) == 0 {
					t.Errorf("incomplete %+v", f)
				}
			}
		})
	}
}

func TestSpecRegexRules(t *testing.T) {
	files := map[string]string{
		"logs/app/var/log/acme/app.log":     "ok\ndb: timeout after 5s\nok\ndb: deadline exceeded\n",
		"logs/app/var/log/acme/svc/app.log": "db: timeout after 1s\n",
		"logs/app.json":                     `{"files": []}`,
		"logs/other/x.log":                  "db: timeout\n",
	}
	for _, tc := range []struct {
		name, rule string
		want       []string
		title      string
	}{
		{"count reached over ** glob", `{id: acme.db, files: ["logs/app/**/*.log"], regex: "db: (timeout|deadline)", min_count: 3, severity: critical, title: "{count} database timeouts"}`,
			[]string{"acme.db critical logs/app/**/*.log"}, "3 database timeouts"},
		{"below min_count", `{id: acme.db, files: ["logs/app/**/*.log"], regex: "db: timeout", min_count: 3, severity: critical, title: t}`, nil, ""},
		{"one file is the target", `{id: acme.db, files: ["logs/app/var/log/acme/*.log"], regex: "deadline", severity: warning, title: t}`,
			[]string{"acme.db warning logs/app/var/log/acme/app.log"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := Analyze(specSrc("  - "+tc.rule+"\n", files)).Findings
			var got []Finding
			for _, f := range fs {
				if strings.HasPrefix(f.ID, "acme.") || f.ID == "analyze.error" {
					got = append(got, f)
				}
			}
			if strings.Join(keys(got), "|") != strings.Join(tc.want, "|") {
				t.Fatalf("got %q want %q\n%s", keys(got), tc.want, dump(got))
			}
			if tc.title != "" && got[0].Title != tc.title {
				t.Errorf("title %q", got[0].Title)
			}
			if len(got) > 0 && (got[0].Evidence[0].Line == 0 || !strings.Contains(got[0].Detail, "First: db:")) {
				t.Errorf("evidence/detail %+v", got[0])
			}
		})
	}
	if !matchGlob("logs/**", "logs/a/b.log") || matchGlob("logs/*.log", "logs/a/b.log") || !matchGlob("logs/**/b.log", "logs/b.log") {
		t.Error("matchGlob")
	}
}

// A spec.yaml whose analyzers do not validate gives one info finding, not a failure.
func TestSpecRulesInvalid(t *testing.T) {
	fs := Analyze(specSrc("  - {id: tls.mine, files: [x], regex: x, severity: info, title: t}\n", nil)).Findings
	if len(fs) != 1 || fs[0].ID != "analyze.error" || !strings.Contains(fs[0].Detail, "analyzers[0].id") || fs[0].Evidence[0].Line != 6 {
		t.Fatalf("%s", dump(fs))
	}
}

// Every built-in finding id is in a family the spec reserves, so a spec analyzer can never take
// one (spec.IsReservedFindingID); the ids are read from this package's sources.
func TestBuiltinIDsReserved(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	idRE := regexp.MustCompile(`(?:ID:|id:|add\()\s*"([a-z_]+\.[a-z_.]+)"`)
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, _ := os.ReadFile(f)
		for _, m := range idRE.FindAllSubmatch(b, -1) {
			n++
			if !spec.IsReservedFindingID(string(m[1])) {
				t.Errorf("%s: built-in id %q is not in spec.ReservedFindingPrefixes", f, m[1])
			}
		}
	}
	if n < 30 {
		t.Errorf("found only %d ids in the sources; the pattern is stale", n)
	}
}
