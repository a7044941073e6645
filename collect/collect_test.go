package collect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/internal/testenv"
	"github.com/casefile/casefile/spec"
)

// fixedTime is the injected clock of these tests.
var fixedTime = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func testSpec(t *testing.T, extra string) *spec.Spec {
	t.Helper()
	s, err := spec.Parse("t.yaml", []byte("apiVersion: casefile/v1\nkind: Spec\nmetadata: {name: t}\n"+extra))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fakeRegistry has one system collector writing what it is given and one network collector that
// fails with an error text holding a secret.
func fakeRegistry(content string) *collectors.Registry {
	r := &collectors.Registry{}
	r.Register(collectors.FamilySystem, func(collectors.Options) ([]collectors.Collector, error) {
		return []collectors.Collector{collectors.Func{CName: "system.fake", CFamily: "system", Fn: func(ctx context.Context, s collectors.Sink) error {
			w, err := s.Create("system/fake.txt")
			if err != nil {
				return err
			}
			io.WriteString(w, content)
			return w.Close()
		}}}, nil
	})
	r.Register(collectors.FamilyNetwork, func(collectors.Options) ([]collectors.Collector, error) {
		return []collectors.Collector{collectors.Func{CName: "network.fake", CFamily: "network", Fn: func(ctx context.Context, s collectors.Sink) error {
			return errors.New("dial https://admin:ErrPw-77x1@api.example.test failed")
		}}}, nil
	})
	return r
}

func baseRequest(t *testing.T, s *spec.Spec, content string) Request {
	return Request{
		Spec: s, SpecRaw: []byte("x"), SpecSource: spec.Source{Kind: "file", Name: "t.yaml"},
		OutDir: t.TempDir(), BundleID: "0b7e6a58-2f3c-4c71-9a5e-3c2d1b0a9f8e", Ticket: "4821",
		Hostname: "web-07.acme.test", Username: "alice",
		Environ: []string{"PATH=/usr/bin", "SSHPASS=Zq8!pLm2vX", "MY_SECRET_THING=abcdef12345", "ACME_HOME=/opt/acme"},
		Args:    []string{"casefile", "collect", "--redact-literal", "Lit-Secret-99"},
		Created: fixedTime, Pinned: true,
		Registry: fakeRegistry(content),
	}
}

func readBundle(t *testing.T, path string) *bundle.Contents {
	t.Helper()
	b, err := bundle.Read(path, bundle.DefaultReadLimits)
	if err != nil {
		t.Fatal(err)
	}
	if probs := b.Verify(); len(probs) > 0 {
		t.Fatalf("verify: %v", probs)
	}
	return b
}

// files returns every file of a bundle by its path under the top folder.
func bundleFiles(t *testing.T, path string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	_, err := bundle.Walk(path, bundle.DefaultReadLimits, func(e bundle.Entry, r io.Reader) error {
		data, err := io.ReadAll(r)
		out[e.Name] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// allText is every file of a bundle, manifest included, as one string.
func allText(t *testing.T, path string) string {
	t.Helper()
	var sb strings.Builder
	for name, data := range bundleFiles(t, path) {
		fmt.Fprintf(&sb, "== %s\n%s\n", name, data)
	}
	return sb.String()
}

func TestRunInjectedFacts(t *testing.T) {
	s := testSpec(t, "environment: {keep: [ACME_HOME]}\n")
	req := baseRequest(t, s, "token=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789\nLit-Secret-99 in a file\n")
	req.Literals = []string{"Lit-Secret-99"}
	res, err := Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	// The name comes from the injected ticket, host name, clock and id.
	if want := "casefile-4821-web-07.acme.test-20260304T050607Z-0b7e6a58.tar.gz"; filepath.Base(res.Path) != want {
		t.Errorf("bundle %s, want %s", filepath.Base(res.Path), want)
	}
	if !res.Failed() {
		t.Error("network.fake failed; Failed() = false")
	}
	m := res.Manifest
	if !m.CreatedAt.Equal(fixedTime) {
		t.Errorf("created_at %v", m.CreatedAt)
	}
	for _, c := range m.Collectors {
		if !c.Start.Equal(fixedTime) || c.DurationMS != 0 {
			t.Errorf("%s: start %v duration %d, want pinned", c.Name, c.Start, c.DurationMS)
		}
	}
	text := allText(t, res.Path)
	for _, secret := range []string{"ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "Lit-Secret-99", "ErrPw-77x1", "Zq8!pLm2vX", "abcdef12345"} {
		if strings.Contains(text, secret) {
			t.Errorf("bundle holds %q", secret)
		}
	}
	readBundle(t, res.Path)
	fs := bundleFiles(t, res.Path)
	var env struct {
		Env         map[string]string `json:"env"`
		EnvWithheld []map[string]any  `json:"env_withheld"`
		Hostname    string            `json:"hostname"`
		CommandLine []string          `json:"command_line"`
		Extra       map[string]any    `json:"-"`
	}
	if err := json.Unmarshal(fs["environment.json"], &env); err != nil {
		t.Fatal(err)
	}
	if env.Env["PATH"] != "/usr/bin" || env.Env["ACME_HOME"] != "/opt/acme" || len(env.Env) != 2 {
		t.Errorf("env values kept: %v (want PATH and ACME_HOME only)", env.Env)
	}
	if len(env.EnvWithheld) != 2 {
		t.Errorf("env_withheld %v, want SSHPASS and MY_SECRET_THING by name and length", env.EnvWithheld)
	}
	if env.Hostname != "web-07.acme.test" {
		t.Errorf("hostname %q, want the injected one", env.Hostname)
	}
	if strings.Join(env.CommandLine, " ") != "casefile collect --redact-literal [REDACTED:literal]" {
		t.Errorf("command_line %q", env.CommandLine)
	}
	// Findings are computed at collection time from what was staged: the failed collector is one,
	// and its error text is redacted there too.
	var findings struct {
		Findings []struct{ ID, Severity, Title, Detail, Target string } `json:"findings"`
	}
	if err := json.Unmarshal(fs["findings.json"], &findings); err != nil {
		t.Fatalf("findings.json: %v", err)
	}
	found := false
	for _, f := range findings.Findings {
		if f.ID == "collector.failed" && f.Target == "network.fake" {
			found = true
		}
	}
	if !found || len(res.Findings.Findings) != len(findings.Findings) {
		t.Errorf("findings %+v; result holds %d", findings.Findings, len(res.Findings.Findings))
	}
	// redaction.json counts every redaction, the manifest's included.
	var rep struct {
		Total  int                       `json:"total"`
		ByFile map[string]map[string]int `json:"by_file"`
	}
	if err := json.Unmarshal(fs["redaction.json"], &rep); err != nil {
		t.Fatal(err)
	}
	if rep.ByFile["manifest.json"] == nil {
		t.Errorf("redaction.json by_file has no manifest.json entry: %v", rep.ByFile)
	}
	if rep.Total != m.Redaction.Total {
		t.Errorf("redaction.json total %d, manifest %d", rep.Total, m.Redaction.Total)
	}
	sum := 0
	for _, f := range rep.ByFile {
		for _, n := range f {
			sum += n
		}
	}
	if sum != rep.Total {
		t.Errorf("by_file adds up to %d, total %d", sum, rep.Total)
	}
}

// Two runs with the same injected facts give the same bytes: nothing below the request reads
// the process's clock, host name or arguments.
func TestRunReproducible(t *testing.T) {
	s := testSpec(t, "")
	var sums []string
	for i := 0; i < 2; i++ {
		req := baseRequest(t, s, "same content\n")
		res, err := Run(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(res.Path)
		if err != nil {
			t.Fatal(err)
		}
		sums = append(sums, fmt.Sprintf("%x", data))
	}
	if sums[0] != sums[1] {
		t.Error("two runs with the same request differ")
	}
}

func TestRunExtraCollector(t *testing.T) {
	s := testSpec(t, "")
	req := baseRequest(t, s, "x\n")
	req.Extra = []collectors.Collector{collectors.Func{CName: "system.history", CFamily: "system", Fn: func(ctx context.Context, sk collectors.Sink) error {
		return sk.WriteJSON("system/history.json", map[string]string{"note": "password=Hist0ryPw!"})
	}}}
	req.Only = []string{"system"}
	res, err := Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	readBundle(t, res.Path)
	h, ok := bundleFiles(t, res.Path)["system/history.json"]
	if !ok {
		t.Fatal("the caller's collector wrote nothing")
	}
	if strings.Contains(string(h), "Hist0ryPw!") {
		t.Errorf("extra collector's output not redacted: %s", h)
	}
	if res.Failed() {
		t.Error("--only system still ran network.fake")
	}
}

func TestRunBadRequests(t *testing.T) {
	s := testSpec(t, "")
	for name, mod := range map[string]func(*Request){
		"bundle id":  func(r *Request) { r.BundleID = "nope" },
		"format":     func(r *Request) { r.Format = "rar" },
		"literal":    func(r *Request) { r.Literals = []string{"ab"} },
		"only":       func(r *Request) { r.Only = []string{"nosuch"} },
		"nothing":    func(r *Request) { r.Skip = []string{"system", "network"} },
		"out a file": func(r *Request) { f := filepath.Join(t.TempDir(), "f"); os.WriteFile(f, nil, 0o600); r.OutDir = f },
		"bad --log":  func(r *Request) { r.Logs = []string{"/x/["} },
		"bad --add":  func(r *Request) { r.Add = []string{"/x/{a,b"} },
	} {
		req := baseRequest(t, s, "")
		mod(&req)
		_, err := Run(context.Background(), req)
		var re *RequestError
		if !errors.As(err, &re) {
			t.Errorf("%s: err = %v, want a RequestError", name, err)
		}
		// Refused up front: nothing was collected, no bundle or staging folder was made.
		if ents, _ := os.ReadDir(req.OutDir); len(ents) > 0 && name != "out a file" {
			t.Errorf("%s: %d entries left in the output folder, e.g. %s", name, len(ents), ents[0].Name())
		}
	}
}

// A cancelled run leaves no bundle and no staging folder.
func TestRunCancelledLeavesNothing(t *testing.T) {
	s := testSpec(t, "")
	req := baseRequest(t, s, "")
	ctx, cancel := context.WithCancel(context.Background())
	req.Registry = &collectors.Registry{}
	req.Registry.Register("system", func(collectors.Options) ([]collectors.Collector, error) {
		return []collectors.Collector{collectors.Func{CName: "system.slow", CFamily: "system", Fn: func(ctx context.Context, s collectors.Sink) error {
			w, _ := s.Create("system/slow.txt")
			io.WriteString(w, "password=Cancel3dPw\n")
			cancel()
			<-ctx.Done()
			return ctx.Err()
		}}}, nil
	})
	_, err := Run(ctx, req)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	left, _ := os.ReadDir(req.OutDir)
	if len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

// A staging folder or partial archive left by a killed run is removed by the next run (and
// said so); one whose process still runs, or without a process id, is left alone.
func TestRunRemovesStaleTemporaries(t *testing.T) {
	s := testSpec(t, "")
	req := baseRequest(t, s, "x\n")
	dead := exec.Command(testenv.NeedTool(t, "true"))
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	deadPID := dead.Process.Pid
	stale := filepath.Join(req.OutDir, fmt.Sprintf(".casefile-tmp-%d-123", deadPID))
	os.MkdirAll(filepath.Join(stale, "f"), 0o700)
	os.WriteFile(filepath.Join(stale, "f", "x"), []byte("redacted bytes"), 0o600)
	partial := filepath.Join(req.OutDir, fmt.Sprintf(".casefile-partial-%d-9", deadPID))
	os.WriteFile(partial, []byte("half"), 0o600)
	live := filepath.Join(req.OutDir, fmt.Sprintf(".casefile-tmp-%d-1", os.Getppid()))
	os.MkdirAll(live, 0o700)
	old := filepath.Join(req.OutDir, ".casefile-tmp-abc")
	os.MkdirAll(old, 0o700)
	var warnings []string
	req.Warn = func(w string) { warnings = append(warnings, w) }
	if _, err := Run(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{stale, partial} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s left in place", p)
		}
	}
	for _, p := range []string{live, old} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed: %v", p, err)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "removed 2 temporary files") {
		t.Errorf("warnings %q", warnings)
	}
}

// An anonymization map that cannot be written stops the run before anything is collected.
func TestRunChecksAnonymizeMapFirst(t *testing.T) {
	s := testSpec(t, "")
	req := baseRequest(t, s, "x\n")
	req.AnonymizeMap = filepath.Join(t.TempDir(), "missing-dir", "map.json")
	_, err := Run(context.Background(), req)
	var re *RequestError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "--anonymize-map") {
		t.Fatalf("err = %v, want a RequestError naming --anonymize-map", err)
	}
	if left, _ := os.ReadDir(req.OutDir); len(left) != 0 {
		t.Errorf("wrote %v", left)
	}
}

// The bundle's spec.yaml keeps the vendor's own rules whole, so it runs again (collect --like).
func TestSpecYAMLKeepsVendorRules(t *testing.T) {
	s := testSpec(t, "redact:\n  regexes:\n    - {id: cata, pattern: 'cat[a-z]+'}\n")
	req := baseRequest(t, s, "catalog\n")
	req.Only = []string{"system"}
	res, err := Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	fs := bundleFiles(t, res.Path)
	again, err := spec.Parse("spec.yaml", fs["spec.yaml"])
	if err != nil {
		t.Fatalf("bundle spec.yaml does not parse: %v\n%s", err, fs["spec.yaml"])
	}
	if len(again.Redact.Regexes) != 1 || again.Redact.Regexes[0].ID != "cata" || again.Redact.Regexes[0].Pattern != "cat[a-z]+" {
		t.Errorf("rules %+v", again.Redact.Regexes)
	}
	if strings.Contains(string(fs["system/fake.txt"]), "catalog") {
		t.Error("the rule no longer redacts")
	}
}
