package compare_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/analyze"
	"github.com/casefile/casefile/cli"
	"github.com/casefile/casefile/collect"
	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/compare"
	"github.com/casefile/casefile/spec"
)

// run is one bundle's worth of fake collector output: network documents and a system file.
type run struct {
	environ []string
	docs    map[string]string // bundle path -> JSON
	fail    bool              // network.fake fails
}

func makeBundle(t *testing.T, r run) string {
	t.Helper()
	reg := &collectors.Registry{}
	reg.Register(collectors.FamilyNetwork, func(collectors.Options) ([]collectors.Collector, error) {
		return []collectors.Collector{collectors.Func{CName: "network.fake", CFamily: "network", Fn: func(ctx context.Context, s collectors.Sink) error {
			for p, doc := range r.docs {
				var v any
				if err := json.Unmarshal([]byte(doc), &v); err != nil {
					return err
				}
				if err := s.WriteJSON(p, v); err != nil {
					return err
				}
			}
			if r.fail {
				return io.ErrUnexpectedEOF
			}
			return nil
		}}}, nil
	})
	s, err := spec.Parse("t.yaml", []byte("apiVersion: casefile/v1\nkind: Spec\nmetadata: {name: t}\nenvironment: {keep: [ACME_HOME]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := collect.Run(context.Background(), collect.Request{
		Spec: s, SpecRaw: []byte("x"), SpecSource: spec.Source{Kind: "file", Name: "t.yaml"},
		OutDir: t.TempDir(), Hostname: "web-07", Environ: r.environ, Args: []string{"casefile", "collect"},
		Created: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC), Pinned: true, Registry: reg,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res.Path
}

func open(t *testing.T, p string) analyze.Source {
	t.Helper()
	s, err := analyze.OpenBundle(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDiff(t *testing.T) {
	a := makeBundle(t, run{
		environ: []string{"ACME_HOME=/opt/acme", "LANG=C.UTF-8", "GONE_TOKEN=abc"},
		docs: map[string]string{
			"network/http.json": `{"results": [
				{"name": "api", "url": "https://api.acme.test/health", "status": 200, "ok": true, "timings_ms": {"dns": 2, "connect": 10, "tls": 20, "ttfb": 18, "total": 50}},
				{"name": "auth", "url": "https://auth.acme.test/", "status": 200, "ok": true, "timings_ms": {"total": 40}}]}`,
			"network/dns.json": `{"results": [{"name": "api.acme.test", "type": "A", "ok": true, "servers": [
				{"server": "127.0.0.1:53", "rcode": "NOERROR", "rtt_ms": 1.5, "answers": [{"data": "192.0.2.80"}, {"data": "192.0.2.81"}]}]}]}`,
			"network/tcp.json": `{"results": [{"target": "db.acme.test:5432", "connected": true, "connect_ms": 3}]}`,
		},
	})
	b := makeBundle(t, run{
		environ: []string{"ACME_HOME=/srv/acme", "LANG=C.UTF-8", "NEW_SECRET=xyz"},
		docs: map[string]string{
			"network/http.json": `{"results": [
				{"name": "api", "url": "https://api.acme.test/health", "status": 503, "ok": false, "error_class": "status", "timings_ms": {"dns": 2, "connect": 10, "tls": 20, "ttfb": 870, "total": 900}},
				{"name": "auth", "url": "https://auth.acme.test/", "status": 200, "ok": true, "timings_ms": {"total": 120}}]}`,
			"network/dns.json": `{"results": [{"name": "api.acme.test", "type": "A", "ok": true, "servers": [
				{"server": "127.0.0.1:53", "rcode": "NOERROR", "rtt_ms": 1.7, "answers": [{"data": "192.0.2.81"}, {"data": "203.0.113.9"}]}]}]}`,
			"network/ping.json": `{"results": [{"target": "api.acme.test", "sent": 4, "received": 4, "ok": true, "rtt_ms": {"avg": 2}}]}`,
		},
		fail: true,
	})
	r := compare.Diff(open(t, a), open(t, b), compare.DefaultOptions)

	env := map[string][2]string{}
	for _, e := range r.Environment {
		env[e.Field] = [2]string{e.A, e.B}
	}
	if got := env["env.ACME_HOME"]; got != [2]string{"/opt/acme", "/srv/acme"} {
		t.Errorf("env.ACME_HOME: %q (all: %v)", got, r.Environment)
	}
	if got := env["env.GONE_TOKEN"]; got[0] != "set (value withheld)" || got[1] != "" {
		t.Errorf("env.GONE_TOKEN: %q", got)
	}
	if got := env["env.NEW_SECRET"]; got[0] != "" || got[1] != "set (value withheld)" {
		t.Errorf("env.NEW_SECRET: %q", got)
	}
	if _, ok := env["env.LANG"]; ok {
		t.Error("env.LANG is the same in both")
	}
	for f := range env {
		if strings.Contains(f, "abc") || strings.Contains(f, "xyz") {
			t.Errorf("withheld value in the diff: %s", f)
		}
	}

	checks := map[string][2]string{}
	for _, c := range r.Checks {
		checks[c.Kind+"|"+c.Target+"|"+c.Field] = [2]string{c.A, c.B}
	}
	api := "http|api (https://api.acme.test/health)|"
	for field, want := range map[string][2]string{
		"ok": {"true", "false"}, "status": {"200", "503"}, "error_class": {"", "status"},
		"timing.ttfb_ms": {"18 ms", "870 ms"}, "timing.total_ms": {"50 ms", "900 ms"},
	} {
		if got := checks[api+field]; got != want {
			t.Errorf("%s%s: %q, want %q", api, field, got, want)
		}
	}
	// 40 -> 120 ms moved 80 ms: under the 100 ms threshold. 1.5 -> 1.7 ms: noise.
	for k := range checks {
		if strings.HasPrefix(k, "http|auth") || strings.Contains(k, "rtt_ms") {
			t.Errorf("not a change: %s %q", k, checks[k])
		}
	}
	if got := checks["dns|api.acme.test A|server 127.0.0.1:53 answers"]; got != [2]string{"192.0.2.80 192.0.2.81", "192.0.2.81 203.0.113.9"} {
		t.Errorf("dns answers: %q", got)
	}
	if got := checks["tcp|db.acme.test:5432|present"]; got != [2]string{"yes", ""} {
		t.Errorf("tcp only in A: %q", got)
	}
	if got := checks["ping|api.acme.test|present"]; got != [2]string{"", "yes"} {
		t.Errorf("ping only in B: %q", got)
	}

	var onlyB []string
	for _, f := range r.Findings.OnlyB {
		onlyB = append(onlyB, f.ID)
	}
	if !strings.Contains(strings.Join(onlyB, " "), "http.status") || len(r.Findings.OnlyA) != 0 {
		t.Errorf("findings: only A %v, only B %v", r.Findings.OnlyA, onlyB)
	}
	if len(r.Collectors) != 1 || r.Collectors[0] != (compare.CollectorChange{Name: "network.fake", A: "ok", B: "failed"}) {
		t.Errorf("collectors: %+v", r.Collectors)
	}

	// The same bundle against itself: nothing.
	if same := compare.Diff(open(t, a), open(t, a), compare.DefaultOptions); !same.Empty() {
		t.Errorf("a bundle differs from itself: %+v", same)
	}

	// The CLI: a table on stdout; --json with the documented fields.
	var out, errb bytes.Buffer
	if code := cli.Run(context.Background(), []string{"diff", a, b}, nil, &out, &errb); code != 0 {
		t.Fatalf("diff exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"Environment", "env.ACME_HOME", "Checks", "timing.total_ms", "Findings in one bundle only", "http.status", "Collectors", "network.fake"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("diff output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if code := cli.Run(context.Background(), []string{"diff", "--json", a, b}, nil, &out, &errb); code != 0 {
		t.Fatalf("diff --json exit %d: %s", code, errb.String())
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b", "environment", "checks", "findings", "collectors"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("--json lacks %q", k)
		}
	}
}

// TestCollectLike reproduces a collection end to end through the CLI: bundle A from a spec with
// loopback checks, a URL password and a literal secret; bundle B with --like A; then diff.
func TestCollectLike(t *testing.T) {
	var gotPasswords []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pw, ok := r.BasicAuth(); ok {
			gotPasswords = append(gotPasswords, pw)
		}
		io.WriteString(w, `{"status": "up"}`)
	}))
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	dir := t.TempDir()
	specPath := filepath.Join(dir, "vendor.yaml")
	url := strings.Replace(srv.URL, "http://", "http://agent:Sekr1t-Pw-4821@", 1) + "/health"
	os.WriteFile(specPath, []byte(`apiVersion: casefile/v1
kind: Spec
metadata: {name: acme-agent, vendor: Acme}
collectors: {only: [network]}
network:
  tcp: [{target: "`+ln.Addr().String()+`"}]
  http: [{name: api, url: "`+url+`", expect_status: 200, json_field: status, json_equals: up}]
redact:
  literals: ["Lit-Secret-4821"]
`), 0o644)

	collectTo := func(out string, args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		code := cli.Run(context.Background(), append([]string{"collect", "--out", out}, args...), nil, &stdout, &stderr)
		if code != 0 {
			t.Fatalf("collect %v: exit %d\n%s", args, code, stderr.String())
		}
		return strings.TrimSpace(stdout.String())
	}
	a := collectTo(filepath.Join(dir, "a"), "--spec", specPath)
	b := collectTo(filepath.Join(dir, "b"), "--like", a)

	// B ran A's spec: the same checks, the literal marker dropped, the password marker sent as
	// it stands in A (this machine does not know the customer's password).
	sb := open(t, b)
	y, err := sb.ReadFile("spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(y), "REDACTED:literal") || !strings.Contains(string(y), "name: acme-agent") {
		t.Errorf("B's spec.yaml:\n%s", y)
	}
	if len(gotPasswords) != 2 || gotPasswords[0] != "Sekr1t-Pw-4821" || gotPasswords[1] != "[REDACTED:url-password]" {
		t.Errorf("passwords the server got: %q", gotPasswords)
	}
	var m struct {
		Spec struct{ Source string }
	}
	mb, _ := sb.ReadFile("manifest.json")
	json.Unmarshal(mb, &m)
	if m.Spec.Source != compare.LikeSource {
		t.Errorf("B's spec source %q, want %q", m.Spec.Source, compare.LikeSource)
	}

	r := compare.Diff(open(t, a), sb, compare.DefaultOptions)
	for _, c := range r.Checks {
		if !strings.HasPrefix(c.Field, "timing.") {
			t.Errorf("check changed between A and its reproduction: %+v", c)
		}
	}
	if len(r.Findings.OnlyA)+len(r.Findings.OnlyB) != 0 || len(r.Collectors) != 0 {
		t.Errorf("findings or collectors differ: %+v %+v", r.Findings, r.Collectors)
	}

	// --like and --spec together is a usage error; a file that is not a bundle is an error.
	var stdout, stderr bytes.Buffer
	if code := cli.Run(context.Background(), []string{"collect", "--out", dir, "--like", a, "--spec", specPath}, nil, &stdout, &stderr); code != cli.ExitUsage {
		t.Errorf("--like with --spec: exit %d, want %d", code, cli.ExitUsage)
	}
	if code := cli.Run(context.Background(), []string{"collect", "--out", dir, "--like", specPath}, nil, &stdout, &stderr); code != cli.ExitError {
		t.Errorf("--like of a non-bundle: exit %d, want %d", code, cli.ExitError)
	}
}
