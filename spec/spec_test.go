package spec

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseFullSpec(t *testing.T) {
	data, err := os.ReadFile("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse("full.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if s.Metadata.Name != "acme-agent" || s.Metadata.Vendor != "Acme" {
		t.Errorf("metadata %+v", s.Metadata)
	}
	if got := s.TimeoutFor("network.trace"); got != 2*time.Minute {
		t.Errorf("trace timeout %v", got)
	}
	if got := s.TimeoutFor("system.host"); got != 30*time.Second {
		t.Errorf("default timeout %v", got)
	}
	if s.Logs[0].MaxFileSize != 10<<20 || time.Duration(s.Logs[0].Since) != 24*time.Hour {
		t.Errorf("logs %+v", s.Logs[0])
	}
	if s.Bundle.MaxSize != 500<<20 || s.Network.TCP[0].Target != "db.acme.example:5432" {
		t.Errorf("bundle %+v tcp %+v", s.Bundle, s.Network.TCP)
	}
	if r := s.Redact.Regexes[0]; r.ID != "acme-license" || r.Line != 23 {
		t.Errorf("regex rule %+v (want line 23)", r)
	}
	if len(s.Monitors) != 2 || s.Monitors[1].TCP == nil {
		t.Errorf("monitors %+v", s.Monitors)
	}
	// The effective spec round-trips.
	out, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Parse("round-trip", out)
	if err != nil {
		t.Fatalf("re-parsing marshalled spec: %v\n%s", err, out)
	}
	out2, _ := s2.Marshal()
	if string(out) != string(out2) {
		t.Errorf("marshal not stable:\n%s\n---\n%s", out, out2)
	}
}

func TestDefaultSpecProbesNothing(t *testing.T) {
	s := Default()
	n := s.Network
	if len(n.DNS)+len(n.Ping)+len(n.Trace)+len(n.TCP)+len(n.HTTP)+len(s.Monitors) != 0 || s.Upload != nil {
		t.Fatalf("default spec names network targets: %+v", n)
	}
	if s.Collectors.Timeout != Duration(DefaultTimeout) || s.Bundle.Format != "tar.gz" {
		t.Errorf("defaults not applied: %+v %+v", s.Collectors, s.Bundle)
	}
}

func TestParseErrors(t *testing.T) {
	const head = "apiVersion: casefile/v1\nkind: Spec\nmetadata: {name: x}\n"
	cases := []struct {
		name, yaml, want string
	}{
		{"unknown top key", head + "colectors: {}\n", "bad.yaml:4: colectors: unknown key"},
		{"unknown nested key", head + "network:\n  dns:\n    - name: a.example\n      tyeps: [A]\n", "bad.yaml:7: network.dns[0].tyeps: unknown key"},
		{"suggestion", head + "collectors:\n  maxFileSize: 1MiB\n", `bad.yaml:5: collectors.maxFileSize: unknown key (did you mean "max_file_size"?)`},
		{"bad duration", head + "collectors:\n  timeout: 30 seconds\n", `bad.yaml:5: collectors.timeout: invalid duration "30 seconds" (examples: 30s, 5m, 24h, 7d, 1d12h)`},
		{"bad size", head + "bundle: {max_size: lots}\n", `bad.yaml:4: bundle.max_size: invalid size "lots" (examples: 512KiB, 10MiB, 1GiB)`},
		{"bad int", head + "network:\n  ping: [{host: h.example, count: four}]\n", `bad.yaml:5: network.ping[0].count: expected an integer, got "four"`},
		{"bad bool", head + "redact: {anonymize: yes please}\n", `bad.yaml:4: redact.anonymize: expected true or false, got "yes please"`},
		{"list expected", head + "logs: {name: app}\n", "bad.yaml:4: logs: expected a list"},
		{"wrong apiVersion", "apiVersion: casefile/v2\nkind: Spec\n", `bad.yaml:1: apiVersion: must be "casefile/v1", got "casefile/v2"`},
		{"bad regex", head + "redact:\n  regexes:\n    - {id: r1, pattern: \"a(b\"}\n", "bad.yaml:6: redact.regexes[0].pattern: invalid regular expression: error parsing regexp: missing closing ): `a(b`"},
		{"bad tcp target", head + "network:\n  tcp: [{target: db.example}]\n", `bad.yaml:5: network.tcp[0].target: invalid target "db.example" (want host:port)`},
		{"bad url", head + "network:\n  http:\n    - url: ftp://x\n", `bad.yaml:6: network.http[0].url: invalid URL "ftp://x" (want http:// or https://)`},
		{"duplicate name", head + "files:\n  - {name: a, paths: [/x]}\n  - {name: a, paths: [/y]}\n", `bad.yaml:6: files[1].name: duplicate name "a"`},
		{"command without argv", head + "commands:\n  - {name: c}\n", "bad.yaml:5: commands[0].argv: argv is required"},
		{"bad format", head + "bundle: {format: rar}\n", `bad.yaml:4: bundle.format: must be tar.gz, tar.zst or zip, got "rar"`},
		{"invalid yaml", head + "network: [\n", "bad.yaml:4: invalid YAML: did not find expected node content"},
		{"monitor with two checks", head + "monitors:\n  - {name: m, tcp: {target: 'a.example:1'}, dns: {name: a.example}}\n", "bad.yaml:5: monitors[0]: exactly one check is required: http, tcp, dns, ping, trace, load, memory, disk or clock"},
		{"bad glob", head + "files:\n  - {name: a, paths: [\"/etc/[x\"]}\n", `bad.yaml:5: files[0].paths: invalid glob "/etc/[x"`},
		{"regex matching nothing", head + "redact:\n  regexes:\n    - {id: r1, pattern: \".*\"}\n", "bad.yaml:6: redact.regexes[0].pattern: matches the empty string"},
		{"two documents", head + "---\napiVersion: casefile/v1\nbogus: 1\n", "bad.yaml:4: more than one YAML document"},
		{"duplicate key", head + "kind: Spec\n", "bad.yaml:4: kind: duplicate key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(c.yaml))
			if err == nil {
				t.Fatalf("no error for\n%s", c.yaml)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error:\n  %s\nwant it to contain:\n  %s", err, c.want)
			}
		})
	}
}

func TestParseReportsEveryError(t *testing.T) {
	_, err := Parse("s.yaml", []byte("apiVersion: casefile/v1\nkind: Spec\nfoo: 1\nbar: 2\n"))
	errs, ok := err.(Errors)
	if !ok || len(errs) != 2 || errs[0].Line != 3 || errs[1].Line != 4 {
		t.Fatalf("err = %#v", err)
	}
}

func TestUnits(t *testing.T) {
	for in, want := range map[string]int64{"512": 512, "64KiB": 64 << 10, "10MiB": 10 << 20, "1GiB": 1 << 30, "10MB": 10e6, "1.5k": 1536} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for in, want := range map[string]time.Duration{"30s": 30 * time.Second, "7d": 7 * 24 * time.Hour, "1h30m": 90 * time.Minute} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"-1s", "10 parsecs", ""} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
	if Size(10<<20).String() != "10MiB" || Size(1000).String() != "1000" {
		t.Errorf("Size.String")
	}
}

func TestLoadSources(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	good := filepath.Join(dir, "v.yaml")
	os.WriteFile(good, []byte("apiVersion: casefile/v1\nkind: Spec\nmetadata: {name: from-file}\n"), 0o644)

	s, _, src, err := Load(ctx, good)
	if err != nil || s.Metadata.Name != "from-file" || src.Kind != "file" {
		t.Fatalf("file: %v %v %+v", s, err, src)
	}
	if _, _, _, err := Load(ctx, filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file error %v", err)
	}
	s, _, src, err = Load(ctx, "")
	if err != nil || src.Kind != "default" || s.Metadata.Name != "casefile-default" {
		t.Errorf("default: %+v %v", src, err)
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/spec.yaml":
			w.Write([]byte("apiVersion: casefile/v1\nkind: Spec\nmetadata: {name: from-url}\n"))
		case "/huge.yaml":
			w.Write([]byte("apiVersion: casefile/v1\n"))
			w.Write([]byte("# " + strings.Repeat("x", MaxSpecSize) + "\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	s, _, src, err = Load(ctx, srv.URL+"/spec.yaml")
	if err != nil || s.Metadata.Name != "from-url" || src.Kind != "url" {
		t.Errorf("url: %v %+v", err, src)
	}
	if _, _, _, err := Load(ctx, srv.URL+"/huge.yaml"); err == nil || !strings.Contains(err.Error(), "spec too large") {
		t.Errorf("huge: %v", err)
	}
	if _, _, _, err := Load(ctx, srv.URL+"/nope.yaml"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("404: %v", err)
	}
	// Plain http to anything but this machine is refused before any request is made.
	for _, u := range []string{"http://specs.example.com/s.yaml", "http://192.0.2.10/s.yaml"} {
		if _, _, _, err := Load(ctx, u); err == nil || !(strings.Contains(err.Error(), "plain http is refused") || strings.Contains(err.Error(), "want https://")) {
			t.Errorf("%s: %v", u, err)
		}
	}
	// A redirect may not leave this machine over plain http.
	redir := httptest.NewServer(http.RedirectHandler("http://192.0.2.10/spec.yaml", http.StatusFound))
	defer redir.Close()
	if _, _, _, err := Load(ctx, redir.URL); err == nil || !strings.Contains(err.Error(), "plain http is refused") {
		t.Errorf("redirect to remote http: %v", err)
	}
}

func TestEmbeddedSpecWins(t *testing.T) {
	old := embedded
	t.Cleanup(func() { embedded = old })
	embedded = []byte("apiVersion: casefile/v1\nkind: Spec\nmetadata: {name: vendor-embedded}\n")
	s, _, src, err := Load(context.Background(), "")
	if err != nil || src.Kind != "embedded" || s.Metadata.Name != "vendor-embedded" {
		t.Fatalf("embedded: %+v %v", src, err)
	}
	// An explicit --spec still overrides what is embedded.
	p := filepath.Join(t.TempDir(), "x.yaml")
	os.WriteFile(p, []byte("apiVersion: casefile/v1\nkind: Spec\nmetadata: {name: explicit}\n"), 0o644)
	if s, _, _, err := Load(context.Background(), p); err != nil || s.Metadata.Name != "explicit" {
		t.Fatalf("explicit over embedded: %v %v", s, err)
	}
}

func TestBundleSpecRunsAgain(t *testing.T) {
	// A bundle's spec.yaml holds markers where URL passwords and literals were.
	y := "apiVersion: casefile/v1\nkind: Spec\nnetwork:\n  http:\n    - {url: \"http://admin:[REDACTED:url-password]@127.0.0.1:8080/health\"}\n" +
		"redact: {literals: [\"[REDACTED:literal]\"]}\n"
	if _, err := Parse("spec.yaml", []byte(y)); err != nil {
		t.Fatal(err)
	}
	bad := "apiVersion: casefile/v1\nkind: Spec\nnetwork:\n  http:\n    - {url: \"https://a.example/\", headers_from_env: {Authorization: \"Bearer abc\"}}\n"
	if _, err := Parse("s.yaml", []byte(bad)); err == nil || !strings.Contains(err.Error(), "headers_from_env.Authorization: the value must be an environment variable name") || strings.Contains(err.Error(), "abc") {
		t.Errorf("headers_from_env value: %v", err)
	}
}

func TestSpecURLPasswordsNeverInMessages(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	u := strings.Replace(srv.URL, "http://", "http://user:SpecUrlPw42@", 1) + "/nope.yaml"
	for _, ref := range []string{u, "http://user:SpecUrlPw42@192.0.2.1/x.yaml", "ftp://user:SpecUrlPw42@127.0.0.1/x"} {
		_, _, _, err := Load(ctx, ref)
		if err == nil || strings.Contains(err.Error(), "SpecUrlPw42") {
			t.Errorf("Load(%s): %v", ref, err)
		}
	}
}

func TestEnvironmentKeep(t *testing.T) {
	s, err := Parse("v.yaml", []byte("apiVersion: casefile/v1\nkind: Spec\nmetadata: {name: x}\nenvironment: {keep: [ACME_HOME]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Environment.Keep) != 1 || s.Environment.Keep[0] != "ACME_HOME" {
		t.Errorf("keep = %v", s.Environment.Keep)
	}
	_, err = Parse("v.yaml", []byte("apiVersion: casefile/v1\nkind: Spec\nmetadata: {name: x}\nenvironment:\n  keep: [ACME_HOME, \"A=B\"]\n"))
	if err == nil || !strings.Contains(err.Error(), `v.yaml:5: environment.keep[1]: "A=B" is not an environment variable name`) {
		t.Errorf("bad keep name: err = %v", err)
	}
}
