package cli

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/redact/redacttest"
	"github.com/klauspost/compress/gzip"
)

// randFrom returns n random characters from alphabet.
func randFrom(alphabet string, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		k, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b.WriteByte(alphabet[k.Int64()])
	}
	return b.String()
}

const (
	upperNum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	alnum    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b64      = alnum + "+/"
)

// plantedSecret is one secret in the context it is usually found in. core is what must not survive.
type plantedSecret struct {
	kind, line, core string
}

// plantSecrets makes one fresh secret of each kind (random, so no rule can know them).
func plantSecrets() []plantedSecret {
	var s []plantedSecret
	add := func(kind, format, core string) {
		s = append(s, plantedSecret{kind, fmt.Sprintf(format, core), core})
	}
	add("aws-access-key-id", "aws_access_key_id = %s", "AKIA"+randFrom(upperNum, 16))
	add("aws-secret", "aws_secret_access_key = %s", randFrom(b64, 40))
	add("github-pat", "token: %s", "ghp_"+randFrom(alnum, 36))
	add("github-fine-grained", "GH=%s", "github_pat_"+randFrom(alnum, 22)+"_"+randFrom(alnum, 59))
	add("gitlab", "private-token: %s", "glpat-"+randFrom(alnum, 20))
	add("slack-bot", "slack: %s", "xoxb-"+randFrom("0123456789", 12)+"-"+randFrom("0123456789", 13)+"-"+randFrom(alnum, 24))
	add("stripe", "STRIPE_KEY=%s", "sk_live_"+randFrom(alnum, 24))
	add("openai", "openai_api_key: %s", "sk-proj-"+randFrom(alnum, 48))
	add("anthropic", "key=%s", "sk-ant-api03-"+randFrom(alnum, 93)+"AA")
	add("google-api", "maps key %s", "AIza"+randFrom(alnum, 35))
	add("npm", "//registry.npmjs.org/:_authToken=%s", "npm_"+randFrom(alnum, 36))
	add("jwt", "Authorization: Bearer %s", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."+base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"`+randFrom(alnum, 12)+`"}`))+"."+randFrom(alnum, 43))
	add("basic-auth", "Authorization: Basic %s", base64.StdEncoding.EncodeToString([]byte("admin:"+randFrom(alnum, 14))))
	add("url-password", "db_url=postgres://app:%s@127.0.0.1:5432/app", randFrom(alnum, 10)+"!#"+randFrom(alnum, 6))
	add("password-key", "password=%s", randFrom(alnum, 8)+"$%"+randFrom(alnum, 8))
	add("json-secret", `{"client_secret": "%s"}`, randFrom(alnum, 32))
	add("cookie", "Cookie: session=%s", randFrom(alnum, 40))
	add("cli-flag", "mysql --password=%s -h 127.0.0.1", randFrom(alnum, 12)+"@"+randFrom(alnum, 4))
	raw := make([]byte, 64)
	rand.Read(raw)
	pemBody := base64.StdEncoding.EncodeToString(append(raw, raw...))
	s = append(s, plantedSecret{"private-key", "-----BEGIN PRIVATE KEY-----\n" + pemBody[:64] + "\n" + pemBody[64:] + "\n-----END PRIVATE KEY-----", pemBody[:40]})
	hexTok := make([]byte, 20)
	rand.Read(hexTok)
	add("api-key-header", "X-Api-Key: %s", hex.EncodeToString(hexTok))
	return s
}

// TestNoPlantedSecretReachesTheBundle plants one secret of every kind (fresh random ones, and the
// engine's fixed family samples) into the input of every collector family that reads host data —
// files, logs, commands (output and argv), network (URL credentials and headers), system and
// environment (variables, proxy) — runs a real collect, and searches every byte of the archive.
func TestNoPlantedSecretReachesTheBundle(t *testing.T) {
	secrets := plantSecrets()
	for _, s := range redacttest.Samples() {
		secrets = append(secrets, plantedSecret{s.Kind, s.Line, s.Core})
	}
	var all strings.Builder
	for _, s := range secrets {
		all.WriteString(s.line + "\n")
	}
	literal := "customer-literal-" + randFrom(alnum, 12)
	all.WriteString("note: " + literal + "\n")

	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "logs"), 0o755)
	os.MkdirAll(filepath.Join(dir, "out"), 0o755)
	// Files collector input.
	os.WriteFile(filepath.Join(dir, "app.conf"), []byte(all.String()), 0o644)
	// Logs collector input, with timestamps inside the window.
	var logb strings.Builder
	now := time.Now().UTC()
	for _, line := range strings.Split(all.String(), "\n") {
		if line != "" {
			fmt.Fprintf(&logb, "%s INFO %s\n", now.Add(-time.Minute).Format(time.RFC3339), line)
		}
	}
	os.WriteFile(filepath.Join(dir, "logs", "app.log"), []byte(logb.String()), 0o644)
	// File names holding secrets.
	namePass := "namePw" + randFrom(alnum, 12)
	nameTok := "ghp_" + randFrom(alnum, 36)
	secrets = append(secrets, plantedSecret{"file-name-password", "", namePass}, plantedSecret{"file-name-token", "", nameTok})
	os.MkdirAll(filepath.Join(dir, "named", "pw"), 0o755)
	os.WriteFile(filepath.Join(dir, "named", "pw", "password="+namePass+".txt"), []byte("x\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "named", nameTok+".log"), []byte("y\n"), 0o644)
	// Environment (environment.json, system.proxy).
	t.Setenv("CASEFILE_TEST_API_TOKEN", secrets[2].core)
	t.Setenv("HTTPS_PROXY", "http://proxyuser:"+secrets[13].core+"@127.0.0.1:3128")
	t.Setenv("NO_PROXY", "127.0.0.1,localhost")
	jwt := secrets[11].core
	t.Setenv("CASEFILE_LEAK_AUTH", "Bearer "+jwt)
	// Network: an API check whose URL carries credentials and whose header comes from the
	// environment, against a real server on loopback.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, `{"status": "ok"}`)
	}))
	defer srv.Close()
	urlPass := "svcPw" + randFrom(alnum, 20)
	argvPass := "argvPw" + randFrom(alnum, 14)
	envPass := "envPw" + randFrom(alnum, 14)
	secrets = append(secrets, plantedSecret{"command-env-value", "", envPass})
	secrets = append(secrets, plantedSecret{"argv-password", "", argvPass})
	secrets = append(secrets, plantedSecret{"http-check-url-password", "", urlPass})
	apiURL := strings.Replace(srv.URL, "http://", "http://svc:"+urlPass+"@", 1) + "/health"
	// Commands: output holding every secret, and a secret in argv.
	specText := fmt.Sprintf(`apiVersion: casefile/v1
kind: Spec
metadata: {name: leak-test}
network:
  http:
    - {name: api, url: %q, expect_status: 200, headers_from_env: {Authorization: CASEFILE_LEAK_AUTH}}
commands:
  - {name: leak-out, argv: [cat, %q]}
  - {name: leak-argv, argv: [echo, --password, %q]}
  - {name: leak-env, argv: [sh, -c, "echo $ACME_TOKEN"], env: ["ACME_TOKEN=%s"]}
`, apiURL, filepath.Join(dir, "app.conf"), argvPass, envPass)
	specPath := filepath.Join(dir, "spec.yaml")
	os.WriteFile(specPath, []byte(specText), 0o644)

	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), []string{"collect", "--spec", specPath, "--out", filepath.Join(dir, "out"),
		"--add", filepath.Join(dir, "app.conf"), "--add", filepath.Join(dir, "named"), "--log", filepath.Join(dir, "logs", "*.log"),
		"--redact-literal", literal, "--ticket", "4821", "--skip", "system.processes,logs.journald,logs.dmesg,logs.syslog,commands.defaults"},
		strings.NewReader(""), &stdout, &stderr)
	if code != 0 && code != ExitPartial {
		t.Fatalf("collect exit %d\n%s", code, stderr.String())
	}
	bundles, _ := filepath.Glob(filepath.Join(dir, "out", "casefile-*"))
	if len(bundles) != 1 {
		t.Fatalf("bundles: %v\n%s", bundles, stderr.String())
	}
	content := archiveText(t, bundles[0])
	if !strings.Contains(content, "[REDACTED:") {
		t.Fatalf("no redaction marker anywhere in the bundle")
	}
	// Each collector really saw the planted input (else the test proves nothing).
	for _, must := range []string{"/files/added/", "/logs/", "CASEFILE_TEST_API_TOKEN", "proxyuser",
		"/commands/leak-out/stdout.txt", "/commands/leak-env/stdout.txt", "/commands/leak-argv/result.json", "/network/http.json", "\"status\": 200"} {
		if !strings.Contains(content, must) {
			t.Errorf("bundle has no %q: the test did not exercise that input", must)
		}
	}
	// The command that printed its secret environment value shows the marker in its place.
	eachEntry(t, bundles[0], func(name string, data []byte) {
		if strings.HasSuffix(name, "/commands/leak-env/stdout.txt") && !strings.Contains(string(data), "[REDACTED:literal]") {
			t.Errorf("leak-env stdout = %q, want the literal marker", data)
		}
	})
	// The index names files as they really are in the archive (redacted names included).
	entries := map[string]bool{}
	eachEntry(t, bundles[0], func(name string, _ []byte) {
		_, rel, _ := strings.Cut(name, "/")
		entries[rel] = true
	})
	var idx []struct {
		Source string `json:"source"`
		Bundle string `json:"bundle_path"`
	}
	for name, data := range jsonEntries(t, bundles[0]) {
		if strings.HasSuffix(name, "/files/added/index.json") {
			json.Unmarshal(data, &idx)
		}
	}
	copied := 0
	for _, r := range idx {
		if r.Bundle == "" {
			continue
		}
		copied++
		if !entries[r.Bundle] {
			t.Errorf("index.json names %s, which is not in the archive", r.Bundle)
		}
	}
	if copied < 3 {
		t.Errorf("only %d files copied by --add: %+v", copied, idx)
	}
	for name, data := range jsonEntries(t, bundles[0]) {
		if !json.Valid(data) {
			t.Errorf("%s is not valid JSON after redaction", name)
		}
	}
	for _, s := range append(secrets, plantedSecret{"literal", "", literal}) {
		if strings.Contains(content, s.core) {
			t.Errorf("%s secret leaked into the bundle: %q", s.kind, s.core)
		}
	}
	if !strings.Contains(stderr.String(), "redacted ") {
		t.Errorf("no redaction total on stderr: %s", stderr.String())
	}
}

// jsonEntries returns the .json entries of a tar.gz bundle.
func jsonEntries(t *testing.T, p string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	eachEntry(t, p, func(name string, data []byte) {
		if strings.HasSuffix(name, ".json") {
			out[name] = data
		}
	})
	return out
}

func eachEntry(t *testing.T, p string, fn func(name string, data []byte)) {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		fn(h.Name, data)
	}
}

// archiveText returns every entry of a tar.gz bundle, names and contents, as one string.
func archiveText(t *testing.T, p string) string {
	t.Helper()
	var b strings.Builder
	eachEntry(t, p, func(name string, data []byte) {
		b.WriteString(name + "\n")
		b.Write(data)
	})
	return b.String()
}
