package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoSecretInAnyCommand plants fresh secrets in every flag, argument, spec field, URL (user
// info and query), environment variable, file name and file content, runs every command
// (collect, redact, check *, spec *, inspect, verify), including failing runs, and looks for
// each secret in stdout, stderr and every bundle written.
func TestNoSecretInAnyCommand(t *testing.T) {
	fresh := func(prefix string) string { return prefix + randFrom(alnum, 18) }
	var secrets []string
	plant := func(v string) string { secrets = append(secrets, v); return v }

	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	os.MkdirAll(out, 0o755)

	// A real HTTP server on loopback that fails the check (500), and a closed port.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer srv.Close()
	closedL, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := closedL.Addr().String()
	closedL.Close()
	srvHost := strings.TrimPrefix(srv.URL, "http://")

	// Environment.
	t.Setenv("SSHPASS", plant(fresh("Ssh!")))
	t.Setenv("MY_SECRET_THING", plant(fresh("mst")))
	t.Setenv("KUBECONFIG_DATA", base64.StdEncoding.EncodeToString([]byte(plant(fresh("kubeconfig-client-key-")))))
	t.Setenv("CASEFILE_NOLEAK_HDR", "Bearer "+plant(fresh("hdrTok")))

	// Files: a secret in the name and in the content; logs likewise.
	fileNamePw := plant(fresh("fnPw"))
	contentKey := plant(fresh("ck"))
	added := filepath.Join(dir, "added")
	os.MkdirAll(added, 0o755)
	os.WriteFile(filepath.Join(added, "password="+fileNamePw+".txt"), []byte("api_key: "+contentKey+"\n"), 0o644)
	logPw := plant(fresh("lgPw"))
	os.WriteFile(filepath.Join(dir, "app.log"), []byte("2026-12-01T10:00:00Z login password="+logPw+"\n"), 0o644)

	// A spec with a literal, a command whose argv and output hold a password, an HTTP check whose
	// URL has user info and a sensitive query value, and a header from the environment.
	specLit := plant(fresh("specLit"))
	argvPw := plant(fresh("argvPw"))
	httpPw := plant(fresh("httpPw"))
	httpKey := plant(fresh("httpKey"))
	specFile := filepath.Join(dir, "vendor.yaml")
	os.WriteFile(specFile, []byte(fmt.Sprintf(`apiVersion: casefile/v1
kind: Spec
metadata: {name: noleak}
collectors: {only: [system.host, commands, network, files, logs]}
redact: {literals: [%s]}
commands:
  - {name: echo-pw, argv: [echo, --password, %s, %s]}
network:
  http:
    - {name: api, url: "http://svc:%s@%s/health?api_key=%s", expect_status: 200, headers_from_env: {Authorization: CASEFILE_NOLEAK_HDR}}
`, specLit, argvPw, specLit, httpPw, srvHost, httpKey)), 0o644)
	// A spec that does not validate, with a secret in the bad value.
	badPw := plant(fresh("badPw"))
	badSpec := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badSpec, []byte(fmt.Sprintf("apiVersion: casefile/v1\nkind: Spec\nmetadata: {name: bad}\nnetwork:\n  http:\n    - {name: x, url: \"ftp://u:%s@h/\"}\n", badPw)), 0o644)

	// Secrets given on the command line.
	lit := plant(fresh("cliLit"))
	ticketPw := plant(fresh("tkPw"))
	idPw := plant(fresh("idPw"))
	specURLPw := plant(fresh("suPw"))
	specURLTok := plant("ghp_" + randFrom(alnum, 36))
	tcpPw := plant(fresh("tcpPw"))
	chkPw := plant(fresh("chkPw"))
	chkKey := plant(fresh("chkKey"))
	pingPw := plant(fresh("pingPw"))
	tracePw := plant(fresh("trPw"))
	dnsPw := plant(fresh("dnsPw"))
	pathPw := plant(fresh("pathPw"))
	stdinPw := plant(fresh("stdinPw"))

	type run struct {
		args  []string
		stdin string
	}
	runs := []run{
		{args: []string{"collect", "--spec", specFile, "--out", out, "--ticket", "4821 password=" + ticketPw, "--redact-literal", lit,
			"--add", added, "--log", filepath.Join(dir, "*.log"), "--since", "3650d"}},
		{args: []string{"collect", "--spec", specFile, "--out", out, "--json", "--redact-literal=" + lit, "--only", "commands"}},
		{args: []string{"collect", "--out", out, "--bundle-id", "password=" + idPw}},
		{args: []string{"collect", "--out", out, "--spec", "https://u:" + specURLPw + "%zz@127.0.0.1:1/x.yaml"}},
		{args: []string{"collect", "--out", out, "--spec", "https://127.0.0.1:1/s.yaml?token=" + specURLTok}},
		{args: []string{"collect", "--out", out, "--redact-literal", lit, "--add", filepath.Join(dir, "missing", "password="+pathPw)}},
		{args: []string{"spec", "print", "--spec", specFile}},
		{args: []string{"spec", "print", "--spec", "https://u:" + specURLPw + "%zz@127.0.0.1:1/x"}},
		{args: []string{"spec", "print", "--spec", "https://127.0.0.1:1/s.yaml?token=" + specURLTok}},
		{args: []string{"spec", "validate", specFile}},
		{args: []string{"spec", "validate", badSpec}},
		{args: []string{"check", "tcp", "user:" + tcpPw + "@" + closed}},
		{args: []string{"check", "tcp", "user:" + tcpPw + "@127.0.0.1:99999"}},
		{args: []string{"check", "http", "http://admin:" + chkPw + "@" + srvHost + "/x?api_key=" + chkKey}},
		{args: []string{"check", "http", "http://admin:" + chkPw + "@" + srvHost + "/x?api_key=" + chkKey, "--json"}},
		{args: []string{"check", "http", "ftp://admin:" + chkPw + "@" + srvHost + "/x"}},
		{args: []string{"check", "ping", "u:" + pingPw + "@127.0.0.1", "--count", "1"}},
		{args: []string{"check", "trace", "u:" + tracePw + "@127.0.0.1"}},
		{args: []string{"check", "dns", "password=" + dnsPw, "--server", closed}},
		{args: []string{"check", "dns", "example.test", "--server", "u:" + dnsPw + "@" + closed}},
		{args: []string{"redact", "-", "--redact-literal", lit}, stdin: "password=" + stdinPw + "\nnote " + lit + "\n"},
		{args: []string{"redact", filepath.Join(dir, "password="+pathPw+".txt")}},
		{args: []string{"redact", added, "-o", filepath.Join(dir, "redacted")}},
		{args: []string{"inspect", filepath.Join(dir, "password="+pathPw+".tar.gz")}},
		{args: []string{"verify", filepath.Join(dir, "password="+pathPw+".tar.gz"), "--json"}},
	}
	var bundles []string
	for _, r := range runs {
		var stdout, stderr bytes.Buffer
		code := Run(context.Background(), r.args, strings.NewReader(r.stdin), &stdout, &stderr)
		text := stdout.String() + stderr.String()
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("casefile %s (exit %d) printed %q:\n%s", strings.Join(r.args, " "), code, s, text)
			}
		}
		if testing.Verbose() {
			t.Logf("casefile %s: exit %d\n%s", r.args[0], code, text)
		}
	}
	// The bundles the collect runs wrote, and the redact -o copy.
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		bundles = append(bundles, filepath.Join(out, e.Name()))
	}
	if len(bundles) < 2 {
		t.Fatalf("want the two successful collect runs' bundles, found %v", entries)
	}
	for _, b := range bundles {
		text := archiveText(t, b)
		for _, s := range secrets {
			if strings.Contains(text, s) || strings.Contains(b, s) {
				t.Errorf("%s holds %q", filepath.Base(b), s)
			}
		}
		// The bundle really holds what the secrets were planted in.
		for _, want := range []string{"commands/echo-pw", "network/http.json"} {
			if !strings.Contains(text, want) && strings.Contains(b, "4821") {
				t.Errorf("%s has no %s", filepath.Base(b), want)
			}
		}
	}
	filepath.Walk(filepath.Join(dir, "redacted"), func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		data, _ := os.ReadFile(p)
		for _, s := range secrets {
			if strings.Contains(string(data), s) || strings.Contains(p, s) {
				t.Errorf("redact -o copy %s holds %q", p, s)
			}
		}
		return nil
	})
}
