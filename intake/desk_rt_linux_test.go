package intake

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/casefile/casefile/collect"
	"github.com/casefile/casefile/intake/desk"
	"github.com/casefile/casefile/internal/testenv"
	"github.com/casefile/casefile/spec"
)

// Request Tracker 5 from Debian (request-tracker5, rt5-db-sqlite): the test copies the SQLite
// database the package made, points a site config of its own at the copy (RT_SITE_CONFIG and
// RT_SITE_CONFIG_DIR, so /etc/request-tracker5/RT_SiteConfig.d is not read), sets root's
// password to a random secret, and runs rt-server on a loopback port, once for the package.
const (
	rtServerBin = "/usr/share/request-tracker5/libexec/rt-server"
	rtLib       = "/usr/share/request-tracker5/lib"
	rtSystemDB  = "/var/lib/dbconfig-common/sqlite3/request-tracker5/rtdb"
)

var rtShared struct {
	once sync.Once
	srv  *rtServer
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if rtShared.srv != nil {
		rtShared.srv.stop()
		os.RemoveAll(rtShared.srv.dir)
	}
	os.Exit(code)
}

type rtServer struct {
	dir, url, password string
	port               int
	cmd                *exec.Cmd
	started            time.Duration // how long the last start took
}

func needRT(t *testing.T) *rtServer {
	t.Helper()
	for _, p := range []string{rtServerBin, rtSystemDB} {
		if _, err := os.Stat(p); err != nil {
			testenv.Missing(t, "Request Tracker 5 with SQLite (Debian: apt-get install request-tracker5 rt5-db-sqlite): %v", err)
		}
	}
	rtShared.once.Do(func() { rtShared.srv, rtShared.err = newRT() })
	if rtShared.err != nil {
		t.Fatal(rtShared.err)
	}
	if rtShared.srv.cmd == nil {
		if err := rtShared.srv.start(); err != nil {
			t.Fatal(err)
		}
	}
	return rtShared.srv
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func newRT() (*rtServer, error) {
	dir, err := os.MkdirTemp("", "casefile-rt-")
	if err != nil {
		return nil, err
	}
	db, err := os.ReadFile(rtSystemDB)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "rtdb"), db, 0o600); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	b := make([]byte, 12)
	rand.Read(b)
	r := &rtServer{dir: dir, port: port, url: fmt.Sprintf("http://127.0.0.1:%d", port), password: "rt-" + hex.EncodeToString(b)}
	site := fmt.Sprintf(`Set($rtname, 'casefile-test');
Set($Organization, 'casefile-test');
Set($WebDomain, '127.0.0.1');
Set($WebPort, %d);
Set($WebPath, '');
Set($WebBaseURL, 'http://127.0.0.1:%d');
Set($DatabaseType, 'SQLite');
Set($DatabaseName, '%s');
Set($LogToSyslog, undef);
Set($LogToFile, undef);
Set($LogToSTDERR, 'error');
Set($Timezone, 'UTC');
1;
`, port, port, filepath.Join(dir, "rtdb"))
	if err := os.MkdirAll(filepath.Join(dir, "site.d"), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "site.pm"), []byte(site), 0o600); err != nil {
		return nil, err
	}
	// root's password becomes a random secret, so the tests can look for it everywhere.
	cmd := exec.Command("perl", "-I"+rtLib, "-e", `use RT; RT::LoadConfig(); RT::Init();
my $u = RT::User->new(RT->SystemUser); $u->Load("root");
my ($ok, $msg) = $u->SetPassword($ENV{CF_RT_PASSWORD}); die "$msg\n" unless $ok;`)
	cmd.Env = append(r.env(), "CF_RT_PASSWORD="+r.password)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("setting RT's root password: %v\n%s", err, out)
	}
	return r, r.start()
}

func (r *rtServer) env() []string {
	return append(os.Environ(), "RT_SITE_CONFIG="+filepath.Join(r.dir, "site.pm"), "RT_SITE_CONFIG_DIR="+filepath.Join(r.dir, "site.d"))
}

func (r *rtServer) start() error {
	t0 := time.Now()
	logf, err := os.OpenFile(filepath.Join(r.dir, "rt.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	// Two Starlet workers (default 10): each compiles RT's code at its first request.
	cmd := exec.Command(rtServerBin, "--port", strconv.Itoa(r.port), "--host", "127.0.0.1", "--max-workers", "2")
	cmd.Env, cmd.Dir, cmd.Stdout, cmd.Stderr = r.env(), r.dir, logf, logf
	// Its own process group (Starlet forks workers), killed with the test binary.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	r.cmd = cmd
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(r.dir, "rt.log"))
			r.cmd = nil
			return fmt.Errorf("rt-server exited at start:\n%s", log)
		default:
		}
		req, _ := http.NewRequest(http.MethodGet, r.url+"/REST/2.0/rt", nil)
		req.SetBasicAuth("root", r.password)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				r.started = time.Since(t0)
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	r.stop()
	log, _ := os.ReadFile(filepath.Join(r.dir, "rt.log"))
	return fmt.Errorf("rt-server did not answer within 90 s:\n%s", log)
}

// stop ends rt-server and its workers and waits until the port is closed.
func (r *rtServer) stop() {
	if r.cmd == nil {
		return
	}
	pgid := r.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if syscall.Kill(-pgid, 0) != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	syscall.Kill(-pgid, syscall.SIGKILL)
	for i := 0; i < 100; i++ {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", r.port), 100*time.Millisecond)
		if err != nil {
			break
		}
		c.Close()
		time.Sleep(50 * time.Millisecond)
	}
	r.cmd = nil
}

// call is one REST2 request as root; it fails the test on a non-2xx answer.
func (r *rtServer) call(t *testing.T, method, path string, body any, out any) http.Header {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, r.url+"/REST/2.0/"+path, rd)
	req.SetBasicAuth("root", r.password)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("RT %s %s: %d %s", method, path, resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("RT %s %s: %v: %s", method, path, err, data)
		}
	}
	return resp.Header
}

func (r *rtServer) createTicket(t *testing.T, subject string) string {
	t.Helper()
	var res struct{ ID string }
	r.call(t, http.MethodPost, "ticket", map[string]string{"Queue": "General", "Subject": subject, "Requestor": "customer@example.com"}, &res)
	if res.ID == "" {
		t.Fatal("RT made no ticket")
	}
	return res.ID
}

type rtComment struct {
	Subject string
	Text    string            // the text/plain part
	Files   map[string][]byte // attachments by file name
}

// comments reads a ticket's comments back: history → transaction → attachments → content
// (REST2's fields= parameter brings each item's fields in the list, two requests in all when
// the ticket has one comment).
func (r *rtServer) comments(t *testing.T, ticket string) []rtComment {
	t.Helper()
	var hist struct {
		Items []struct{ ID, Type string }
	}
	r.call(t, http.MethodGet, "ticket/"+ticket+"/history?per_page=100&fields=Type", nil, &hist)
	var out []rtComment
	for _, tx := range hist.Items {
		if tx.Type != "Comment" {
			continue
		}
		var atts struct {
			Items []struct{ ID, ContentType, Subject string }
		}
		r.call(t, http.MethodGet, "transaction/"+tx.ID+"/attachments?per_page=100&fields=ContentType,Subject", nil, &atts)
		c := rtComment{Files: map[string][]byte{}}
		for _, a := range atts.Items {
			if a.Subject != "" {
				c.Subject = a.Subject
			}
			if strings.HasPrefix(a.ContentType, "multipart/") {
				continue // the MIME container; its parts follow
			}
			var att struct{ Filename, ContentType, Subject, Content string }
			r.call(t, http.MethodGet, "attachment/"+a.ID, nil, &att)
			data, err := base64.StdEncoding.DecodeString(att.Content)
			if err != nil {
				t.Fatalf("attachment %s: %v", a.ID, err)
			}
			switch {
			case att.Filename != "":
				c.Files[att.Filename] = data
			case strings.HasPrefix(att.ContentType, "text/plain"):
				c.Text += string(data)
			}
			if att.Subject != "" {
				c.Subject = att.Subject
			}
		}
		out = append(out, c)
	}
	return out
}

// deskBundle is a real bundle for ticket, made by the collection engine with two spec analyzers
// that always fire (one critical, one warning), so the summary has findings to show.
func deskBundle(t *testing.T, ticket string) []byte {
	t.Helper()
	raw := []byte(`apiVersion: casefile/v1
kind: Spec
metadata: {name: desk-test}
analyzers:
  - {id: acme.uptime, file: system/host.json, field: uptime_seconds, op: ">", value: 0, severity: critical,
     title: "Host has been up for a while"}
  - {id: acme.uptime-known, file: system/host.json, field: uptime_seconds, op: ">=", value: 0, severity: warning,
     title: "Uptime is measured"}
`)
	sp, err := spec.Parse("desk-test.yaml", raw)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	res, err := collect.Run(context.Background(), collect.Request{
		Spec: sp, SpecRaw: raw, SpecSource: spec.Source{Kind: "file", Name: "desk-test.yaml"},
		Only: []string{"system.host"}, OutDir: dir, Ticket: ticket, Root: "/",
		Hostname: "desk-test-host", Username: "tester", Args: []string{"casefile", "collect"},
		Created: time.Now().UTC().Truncate(time.Second), Pinned: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// deskServer is an intake server with a desk connector made from a config file, as `intake
// serve` makes it; env holds the environment the secret is read from.
type deskServer struct {
	*testServer
	hs     *httptest.Server
	mu     sync.Mutex
	closed bool
	states chan desk.State
}

func newDeskServer(t *testing.T, data, cfgYAML string, env map[string]string) *deskServer {
	t.Helper()
	cfg, err := ParseConfig("intake.yaml", []byte(cfgYAML))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := desk.New(*cfg.Desk, desk.Env{
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		ReadFile:  os.ReadFile,
	})
	if err != nil {
		t.Fatal(err)
	}
	key, err := LoadKey(data, "")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{key: key, data: data, filed: make(chan Record, 16), logs: &bytes.Buffer{}}
	ds := &deskServer{testServer: ts, states: make(chan desk.State, 64)}
	logger := slog.New(slog.NewJSONHandler(lockedWriter{&ds.mu, ts.logs}, nil))
	s, err := New(Options{DataDir: data, Config: cfg, Key: key, Logger: logger, Desk: conn,
		OnFiled: func(r Record) { ts.filed <- r }})
	if err != nil {
		t.Fatal(err)
	}
	ts.Server = s
	ds.hs = httptest.NewServer(s.Handler())
	ts.url = ds.hs.URL + BasePath
	t.Cleanup(ds.close)
	return ds
}

func (d *deskServer) close() {
	if d.closed {
		return
	}
	d.closed = true
	d.hs.Close()
	d.Server.Close()
}

func (d *deskServer) logText() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.logs.String()
}

// waitDesk waits until the index shows the bundle at rel with a desk state that ok accepts.
func (d *deskServer) waitDesk(t *testing.T, rel string, within time.Duration, ok func(*desk.State) bool) *desk.State {
	t.Helper()
	deadline := time.Now().Add(within)
	var last *desk.State
	for time.Now().Before(deadline) {
		recs, err := d.Index().List("")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.Path == rel && r.Desk != nil {
				last = r.Desk
				if ok(r.Desk) {
					return r.Desk
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("desk state of %s after %s: %+v\nlogs:\n%s", rel, within, last, d.logText())
	return nil
}

func rtConfig(url string) string {
	return `desk:
  kind: rt
  url: ` + url + `
  user: root
  password_env: CF_TEST_RT_PASSWORD
  retry: {attempts: 100, initial: 100ms, max: 400ms}
`
}

// noSecret fails when a secret, in clear or as basic-auth base64, is in any of the texts.
func noSecret(t *testing.T, secret, user string, texts map[string]string) {
	t.Helper()
	forms := []string{secret, base64.StdEncoding.EncodeToString([]byte(user + ":" + secret))}
	for name, text := range texts {
		for _, f := range forms {
			if strings.Contains(text, f) {
				t.Errorf("the desk secret is in %s:\n%s", name, text)
			}
		}
	}
}

// storageTexts is every desk state file and record in a data folder, and the index as JSON.
func storageTexts(t *testing.T, ts *deskServer) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(ts.data, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			b, _ := os.ReadFile(p)
			out[p] = string(b)
		}
		return nil
	})
	recs, _ := ts.Index().List("")
	b, _ := json.Marshal(recs)
	out["index"] = string(b)
	out["logs"] = ts.logText()
	return out
}

// TestDeskRTAttachesBundle: a bundle uploaded through the intake for a real RT ticket is on that
// ticket, byte-identical, with the summary, within 5 s of the upload completing.
func TestDeskRTAttachesBundle(t *testing.T) {
	rt := needRT(t)
	t.Logf("rt-server answered %s after start", rt.started)
	ticket := rt.createTicket(t, "VPN drops every hour")
	data := deskBundle(t, ticket)
	ts := newDeskServer(t, t.TempDir(), rtConfig(rt.url), map[string]string{"CF_TEST_RT_PASSWORD": rt.password})
	tok := ts.token(t, ticket, time.Hour, 0)

	upload(t, ts.testServer, tok, data, bundleMeta(data, ticket))
	done := time.Now() // the last PATCH was answered: the upload is complete
	var got rtComment
	for {
		if cs := rt.comments(t, ticket); len(cs) > 0 {
			got = cs[len(cs)-1]
			if len(got.Files) > 0 {
				break
			}
		}
		if time.Since(done) > 20*time.Second {
			t.Fatalf("no attachment on RT ticket %s 20 s after the upload\nlogs:\n%s", ticket, ts.logText())
		}
		time.Sleep(25 * time.Millisecond)
	}
	elapsed := time.Since(done)
	t.Logf("upload complete → bundle readable on RT ticket %s: %s", ticket, elapsed.Round(time.Millisecond))
	if elapsed > 5*time.Second {
		t.Errorf("the bundle took %s to reach the ticket (want < 5 s)", elapsed)
	}
	rec := ts.waitFiled(t)
	if len(got.Files) != 1 {
		t.Fatalf("attachments %v", len(got.Files))
	}
	for name, b := range got.Files {
		if !bytes.Equal(b, data) {
			t.Errorf("attachment %s: %d bytes, not byte-identical to the %d-byte bundle", name, len(b), len(data))
		}
		if !strings.HasPrefix(name, "casefile-"+ticket+"-") || !strings.HasSuffix(name, ".tar.gz") {
			t.Errorf("attachment named %q", name)
		}
	}
	for _, want := range []string{"Host: desk-test-host", "OS: ", "Created at: ", "Verdict: 1 critical problem found (1 critical, 1 warning",
		"Critical:\n- Host has been up for a while [acme.uptime]", "Warnings:\n- Uptime is measured [acme.uptime-known]",
		"sha256 " + rec.SHA256, "Attached to this comment."} {
		if !strings.Contains(got.Text, want) {
			t.Errorf("the comment lacks %q:\n%s", want, got.Text)
		}
	}
	if !strings.Contains(got.Subject, "casefile bundle for ticket "+ticket) {
		t.Errorf("subject %q", got.Subject)
	}
	st := ts.waitDesk(t, rec.Path, 5*time.Second, func(s *desk.State) bool { return s.Status == desk.StatusAttached })
	if st.Attempts != 1 || !strings.Contains(st.Ref, "/REST/2.0/transaction/") {
		t.Errorf("state %+v", st)
	}
	// The state is in storage beside the bundle: a rebuilt index has it.
	ts.close()
	os.Remove(filepath.Join(ts.data, "index.db"))
	recs, err := Reindex(ts.data, nil)
	if err != nil || len(recs) != 1 || recs[0].Desk == nil || recs[0].Desk.Status != desk.StatusAttached {
		t.Fatalf("reindex: %v %+v", err, recs)
	}
	noSecret(t, rt.password, "root", storageTexts(t, ts))
}
