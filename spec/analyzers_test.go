package spec

import (
	"strings"
	"testing"
)

const analyzersHead = `apiVersion: casefile/v1
kind: Spec
metadata: {name: t}
`

func TestAnalyzersParse(t *testing.T) {
	s, err := Parse("a.yaml", []byte(analyzersHead+`analyzers:
  - {id: acme.api-slow, file: network/http.json, where: 'name == "api" && status >= 200', field: timings_ms.total, op: ">", value: 2000,
     severity: warning, title: "API slower than 2 s", next_step: "check the proxy"}
  - id: acme.db-timeouts
    files: ["logs/app/**/*.log", "logs/app/*.log"]
    regex: 'db: (timeout|deadline exceeded)'
    min_count: 3
    severity: critical
    title: Database timeouts
  - {id: acme.no-tls, file: network/http.json, field: tls, op: absent, severity: info, title: "no TLS"}
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Analyzers) != 3 || s.Analyzers[0].Value != 2000 || s.Analyzers[1].MinCount != 3 {
		t.Fatalf("%+v", s.Analyzers)
	}
	out, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Parse("round-trip", out)
	if err != nil || len(s2.Analyzers) != 3 || s2.Analyzers[0].Where != s.Analyzers[0].Where {
		t.Fatalf("round trip: %v\n%s", err, out)
	}
	conds, err := ParseWhere(s.Analyzers[0].Where)
	if err != nil || len(conds) != 2 || conds[0] != (Cond{"name", "==", "api"}) || conds[1] != (Cond{"status", ">=", 200.0}) {
		t.Fatalf("where %+v %v", conds, err)
	}
}

func TestParseWhere(t *testing.T) {
	for _, ok := range []string{`name == "api"`, `name=="a && b"`, `ok == false`, `tls.chain.0.days_left < 30`, `url =~ "^https://"`, `error == null`, `name == 'x'`, `a != 1 && b <= 2.5 && c > -3`} {
		if _, err := ParseWhere(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{``, `name = "api"`, `name == api`, `"api" == name`, `status > "200"`, `url =~ "("`, `name ==`, `a == 1 &&`, `a == {"x":1}`} {
		if _, err := ParseWhere(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	c, _ := ParseWhere(`name=="a && b"`)
	if len(c) != 1 || c[0].Value != "a && b" {
		t.Errorf("quoted &&: %+v", c)
	}
}

func TestAnalyzersErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{`[{id: acme.x, file: network/http.json, field: status, op: "==", value: 1, severity: warning, title: t, colour: red}]`, `a.yaml:4: analyzers[0].colour: unknown key`},
		{`[{id: acme.x, file: network/http.json, field: status, op: "=", value: 1, severity: warning, title: t}]`, `a.yaml:4: analyzers[0].op: unknown operator "="`},
		{`[{id: acme.x, file: network/http.json, field: status, op: ">", value: fast, severity: warning, title: t}]`, `analyzers[0].value: > needs a number`},
		{`[{id: acme.x, file: network/http.json, field: status, op: ">", value: [1], severity: warning, title: t}]`, `analyzers[0].value: want a string, number, true or false`},
		{`[{id: acme.x, file: network/http.json, field: status, op: exists, value: 1, severity: warning, title: t}]`, `analyzers[0].value: exists takes no value`},
		{`[{id: acme.x, file: network/http.json, field: status, op: "==", severity: warning, title: t}]`, `analyzers[0].value: a value is required`},
		{`[{id: acme.x, file: network/http.json, field: status, op: "==", value: 1, severity: fatal, title: t}]`, `analyzers[0].severity: must be critical, warning or info, got "fatal"`},
		{`[{id: acme.x, files: [logs/a.log], regex: "(", severity: info, title: t}]`, `analyzers[0].regex: invalid regular expression`},
		{`[{id: acme.x, files: [logs/a.log], regex: "x*", severity: info, title: t}]`, `analyzers[0].regex: matches the empty string`},
		{`[{id: acme.x, files: [/var/log/a.log], regex: "x", severity: info, title: t}]`, `analyzers[0].files[0]: "/var/log/a.log": want a bundle-path glob`},
		{`[{id: tls.expired, files: [logs/a.log], regex: "x", severity: info, title: t}]`, `analyzers[0].id: "tls.expired" is in the built-in "tls" findings`},
		{`[{id: log.burst, files: [logs/a.log], regex: "x", severity: info, title: t}]`, `analyzers[0].id: "log.burst" is in the built-in`},
		{`[{id: slow, files: [logs/a.log], regex: "x", severity: info, title: t}]`, `analyzers[0].id: invalid id "slow"`},
		{"\n  - {id: acme.x, files: [logs/a.log], regex: x, severity: info, title: t}\n  - {id: acme.x, files: [logs/b.log], regex: y, severity: info, title: t}", `a.yaml:6: analyzers[1].id: duplicate id "acme.x"`},
		{`[{id: acme.x, file: network/http.json, files: [logs/a.log], severity: info, title: t}]`, `analyzers[0]: give file`},
		{`[{id: acme.x, severity: info, title: t}]`, `analyzers[0]: file (with field, op and value) or files and regex is required`},
		{`[{id: acme.x, file: network/http.json, where: 'name = "api"', field: status, op: "==", value: 1, severity: info, title: t}]`, `analyzers[0].where: "name = \"api\"": unknown operator`},
		{`[{id: acme.x, file: network/http.json, field: "a..b", op: "==", value: 1, severity: info, title: t}]`, `analyzers[0].field: "a..b"`},
		{`[{id: acme.x, file: network/http.txt, field: a, op: "==", value: 1, severity: info, title: t}]`, `analyzers[0].file: "network/http.txt"`},
		{`[{id: acme.x, file: network/http.json, field: a, op: matches, value: "(", severity: info, title: t}]`, `analyzers[0].value: invalid regular expression`},
		{`[{id: acme.x, files: [logs/a.log], regex: x, op: "==", severity: info, title: t}]`, `analyzers[0].op: only for file analyzers`},
		{`[{id: acme.x, files: [logs/a.log], regex: x, severity: info}]`, `analyzers[0].title: a title is required`},
		{`[{id: acme.x, files: [logs/a.log], regex: x, min_count: many, severity: info, title: t}]`, `analyzers[0].min_count: expected an integer`},
	} {
		_, err := Parse("a.yaml", []byte(analyzersHead+"analyzers: "+tc.yaml+"\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant %s", tc.yaml, err, tc.want)
		}
	}
}
