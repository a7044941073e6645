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
	authToken          string // an RT auth token of root's (Authorization: token ...)
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
	// root's password becomes a random secret, so the tests can look for it everywhere, and
	// root gets an auth token (RT 5's RT::AuthToken) for the token_env case.
	cmd := exec.Command("perl", "-I"+rtLib, "-e", `use RT; RT::LoadConfig(); RT::Init();
my $u = RT::User->new(RT->SystemUser); $u->Load("root");
my ($ok, $msg) = $u->SetPassword($ENV{CF_RT_PASSWORD}); die "$msg\n" unless $ok;
my $cu = RT::CurrentUser->new($u);
my ($id, $m, $auth) = RT::AuthToken->new($cu)->Create(Owner => $u->Id, Description => "casefile test");
die "token: $m\n" unless $id;
print "TOKEN=$auth\n";`)
	cmd.Env = append(r.env(), "CF_RT_PASSWORD="+r.password)
	cmd.Stderr = io.Discard
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("setting RT's root password and token: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "TOKEN="); ok {
			r.authToken = strings.TrimSpace(v)
		}
	}
	if r.authToken == "" {
		return nil, fmt.Errorf("RT made no auth token: %s", out)
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
	// Items are read as maps: REST2 items hold both "type" (the record's kind) and the field
	// "Type", which encoding/json would not tell apart.
	var hist struct{ Items []map[string]any }
	r.call(t, http.MethodGet, "ticket/"+ticket+"/history?per_page=100&fields=Type", nil, &hist)
	var out []rtComment
	for _, tx := range hist.Items {
		if tx["Type"] != "Comment" {
			continue
		}
		var atts struct{ Items []map[string]any }
		r.call(t, http.MethodGet, fmt.Sprintf("transaction/%v/attachments?per_page=100&fields=ContentType,Subject", tx["id"]), nil, &atts)
		c := rtComment{Files: map[string][]byte{}}
		for _, a := range atts.Items {
			if s, _ := a["Subject"].(string); s != "" {
				c.Subject = s
			}
			if ct, _ := a["ContentType"].(string); strings.HasPrefix(ct, "multipart/") {
				continue // the MIME container; its parts follow
			}
			var att struct{ Filename, ContentType, Content string }
			r.call(t, http.MethodGet, fmt.Sprintf("attachment/%v", a["id"]), nil, &att)
			data, err := base64.StdEncoding.DecodeString(att.Content)
			if err != nil {
				t.Fatalf("attachment %v: %v", a["id"], err)
			}
			switch {
			case att.Filename != "":
				c.Files[att.Filename] = data
			case strings.HasPrefix(att.ContentType, "text/plain"):
				c.Text += string(data)
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
	// The intake's index says when RT answered; then the ticket is read back through REST2
	// (polling RT from the start would take its two workers from the comment being added).
	for {
		recs, err := ts.Index().List(ticket)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 1 && recs[0].Desk != nil && recs[0].Desk.Status != desk.StatusPending {
			break
		}
		if time.Since(done) > 20*time.Second {
			t.Fatalf("not delivered 20 s after the upload: %+v\nlogs:\n%s", recs, ts.logText())
		}
		time.Sleep(10 * time.Millisecond)
	}
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
	t.Logf("upload complete → bundle read back from RT ticket %s: %s", ticket, elapsed.Round(time.Millisecond))
	if elapsed > 5*time.Second {
		t.Errorf("the bundle took %s to reach the ticket (want < 5 s)", elapsed)
	}
	t.Logf("the comment:\n%s", got.Text)
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
	if st.Attempts != 1 || !strings.Contains(st.Ref, "/REST/2.0/transaction/") || st.DoneAt == nil {
		t.Fatalf("state %+v", st)
	}
	t.Logf("filed → RT answered the comment: %s", st.DoneAt.Sub(rec.ReceivedAt).Round(time.Millisecond))
	// The state is in storage beside the bundle: a rebuilt index has it.
	ts.close()
	os.Remove(filepath.Join(ts.data, "index.db"))
	recs, err := Reindex(ts.data, nil)
	if err != nil || len(recs) != 1 || recs[0].Desk == nil || recs[0].Desk.Status != desk.StatusAttached {
		t.Fatalf("reindex: %v %+v", err, recs)
	}
	noSecret(t, rt.password, "root", storageTexts(t, ts))
}

func randomSecret(prefix string) string {
	b := make([]byte, 12)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// TestDeskRTDownThenBack: with RT stopped the delivery is pending and retried; when RT is back
// it is attached. Then, RT down again, the intake is restarted on the same data folder and the
// new instance resumes the pending delivery from storage.
func TestDeskRTDownThenBack(t *testing.T) {
	rt := needRT(t)
	ticket1, ticket2 := rt.createTicket(t, "first"), rt.createTicket(t, "second")
	data1, data2 := deskBundle(t, ticket1), deskBundle(t, ticket2)
	env := map[string]string{"CF_TEST_RT_PASSWORD": rt.password}
	dir := t.TempDir()
	ts := newDeskServer(t, dir, rtConfig(rt.url), env)

	rt.stop()
	upload(t, ts.testServer, ts.token(t, ticket1, time.Hour, 0), data1, bundleMeta(data1, ticket1))
	rec1 := ts.waitFiled(t)
	st := ts.waitDesk(t, rec1.Path, 15*time.Second, func(s *desk.State) bool { return s.Status == desk.StatusPending && s.Attempts >= 2 })
	if !strings.Contains(st.Reason, "connection refused") || st.NextAttempt == nil {
		t.Errorf("pending state %+v", st)
	}
	t.Logf("RT down: %s", st)
	if err := rt.start(); err != nil {
		t.Fatal(err)
	}
	st = ts.waitDesk(t, rec1.Path, 30*time.Second, func(s *desk.State) bool { return s.Status != desk.StatusPending })
	if st.Status != desk.StatusAttached {
		t.Fatalf("after RT came back: %+v", st)
	}
	t.Logf("RT back: attached after %d attempts", st.Attempts)
	if cs := rt.comments(t, ticket1); len(cs) != 1 || len(cs[0].Files) != 1 {
		t.Fatalf("ticket %s comments: %d", ticket1, len(cs))
	} else {
		for _, b := range cs[0].Files {
			if !bytes.Equal(b, data1) {
				t.Error("the attachment differs from the bundle")
			}
		}
	}

	// Down again; the intake stops with the delivery pending and a new one resumes it.
	rt.stop()
	upload(t, ts.testServer, ts.token(t, ticket2, time.Hour, 0), data2, bundleMeta(data2, ticket2))
	rec2 := ts.waitFiled(t)
	ts.waitDesk(t, rec2.Path, 15*time.Second, func(s *desk.State) bool { return s.Status == desk.StatusPending && s.Attempts >= 1 })
	ts.close()
	var onDisk desk.State
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rec2.Path)+".desk.json"))
	if err != nil || json.Unmarshal(b, &onDisk) != nil || onDisk.Status != desk.StatusPending {
		t.Fatalf("state in storage after the intake stopped: %v %s", err, b)
	}
	if err := rt.start(); err != nil {
		t.Fatal(err)
	}
	ts2 := newDeskServer(t, dir, rtConfig(rt.url), env)
	st = ts2.waitDesk(t, rec2.Path, 30*time.Second, func(s *desk.State) bool { return s.Status != desk.StatusPending })
	if st.Status != desk.StatusAttached {
		t.Fatalf("after the restart: %+v", st)
	}
	if cs := rt.comments(t, ticket2); len(cs) != 1 || len(cs[0].Files) != 1 {
		t.Fatalf("ticket %s comments: %d", ticket2, len(cs))
	}
	if !strings.Contains(ts2.logText(), `"msg":"resuming pending desk deliveries","count":1`) {
		t.Errorf("the restarted intake did not log resuming:\n%s", ts2.logText())
	}
	// The first ticket got no second comment from the restarted instance.
	if cs := rt.comments(t, ticket1); len(cs) != 1 {
		t.Errorf("ticket %s has %d comments", ticket1, len(cs))
	}
	noSecret(t, rt.password, "root", storageTexts(t, ts))
	noSecret(t, rt.password, "root", map[string]string{"logs2": ts2.logText()})
}

// TestDeskRTFailures: refusals RT gives are failed at once with the reason, and no secret is
// anywhere: a wrong password (401) and a ticket RT does not have.
func TestDeskRTFailures(t *testing.T) {
	rt := needRT(t)
	for _, tc := range []struct {
		name, password, ticket, reason string
	}{
		{"wrong password", randomSecret("wrong-"), rt.createTicket(t, "wrong password"), "HTTP 401: RT refused the credentials"},
		{"no such ticket", rt.password, "987654", "HTTP 400: Message could not be recorded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := deskBundle(t, tc.ticket)
			ts := newDeskServer(t, t.TempDir(), rtConfig(rt.url), map[string]string{"CF_TEST_RT_PASSWORD": tc.password})
			upload(t, ts.testServer, ts.token(t, tc.ticket, time.Hour, 0), data, bundleMeta(data, tc.ticket))
			rec := ts.waitFiled(t)
			st := ts.waitDesk(t, rec.Path, 15*time.Second, func(s *desk.State) bool { return s.Status != desk.StatusPending })
			if st.Status != desk.StatusFailed || st.Attempts != 1 || !strings.Contains(st.Reason, tc.reason) {
				t.Errorf("state %+v, want failed after one attempt with %q", st, tc.reason)
			}
			if s := st.String(); !strings.HasPrefix(s, "failed (RT comment on ticket "+tc.ticket+": "+tc.reason) {
				t.Errorf("listed as %q", s)
			}
			noSecret(t, tc.password, "root", storageTexts(t, ts))
			noSecret(t, rt.password, "root", storageTexts(t, ts))
		})
	}
}

// TestDeskRTWithS3Storage: with the bundles in an S3 bucket (versitygw), the connector reads
// the bundle from the bucket, the delivery state is an object beside it, and reindex into a
// fresh data folder finds it.
func TestDeskRTWithS3Storage(t *testing.T) {
	rt := needRT(t)
	st := startVersity(t, "desk-bundles", "intake")
	ticket := rt.createTicket(t, "S3 storage")
	data := deskBundle(t, ticket)
	cfg := rtConfig(rt.url) + "storage:\n  url: " + st.URL + "\n  endpoint: " + st.Endpoint +
		"\n  access_key_env: S3_ACCESS_KEY\n  secret_key_env: S3_SECRET_KEY\n"
	ts := newDeskServer(t, t.TempDir(), cfg, map[string]string{"CF_TEST_RT_PASSWORD": rt.password})
	upload(t, ts.testServer, ts.token(t, ticket, time.Hour, 0), data, bundleMeta(data, ticket))
	rec := ts.waitFiled(t)
	ds := ts.waitDesk(t, rec.Path, 20*time.Second, func(s *desk.State) bool { return s.Status != desk.StatusPending })
	if ds.Status != desk.StatusAttached {
		t.Fatalf("state %+v", ds)
	}
	cs := rt.comments(t, ticket)
	if len(cs) != 1 || len(cs[0].Files) != 1 {
		t.Fatalf("comments %+v", cs)
	}
	for _, b := range cs[0].Files {
		if !bytes.Equal(b, data) {
			t.Error("the attachment differs from the bundle")
		}
	}
	b, err := openS3(ts.opt.Config.Storage, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var onBucket desk.State
	if err := json.Unmarshal(getObject(t, b, "intake/"+rec.Path+".desk.json"), &onBucket); err != nil || onBucket.Status != desk.StatusAttached {
		t.Fatalf("state object: %v %+v", err, onBucket)
	}
	fresh := t.TempDir()
	recs, err := Reindex(fresh, ts.opt.Config)
	if err != nil || len(recs) != 1 || recs[0].Desk == nil || recs[0].Desk.Status != desk.StatusAttached {
		t.Fatalf("reindex from the bucket: %v %+v", err, recs)
	}
	noSecret(t, rt.password, "root", storageTexts(t, ts))
}

// TestDeskRTLinksLargeBundle: above the configured attachment limit the comment carries a link
// to the bundle's download in the intake's web view (public_url) instead of the bundle.
func TestDeskRTLinksLargeBundle(t *testing.T) {
	rt := needRT(t)
	ticket := rt.createTicket(t, "large bundle")
	data := deskBundle(t, ticket)
	cfg := "public_url: https://intake.example.com/\n" + strings.Replace(rtConfig(rt.url), "  user: root\n", "  user: root\n  attachment_limit: 1KiB\n", 1)
	ts := newDeskServer(t, t.TempDir(), cfg, map[string]string{"CF_TEST_RT_PASSWORD": rt.password})
	upload(t, ts.testServer, ts.token(t, ticket, time.Hour, 0), data, bundleMeta(data, ticket))
	rec := ts.waitFiled(t)
	st := ts.waitDesk(t, rec.Path, 20*time.Second, func(s *desk.State) bool { return s.Status != desk.StatusPending })
	if st.Status != desk.StatusLinked {
		t.Fatalf("state %+v", st)
	}
	cs := rt.comments(t, ticket)
	if len(cs) != 1 || len(cs[0].Files) != 0 {
		t.Fatalf("comments %+v", cs)
	}
	link := "https://intake.example.com/web/t/" + ticket + "/b/" + rec.ID + "/download"
	if want := "Not attached: larger than the desk's attachment limit (1024 bytes). On the intake: " + link; !strings.Contains(cs[0].Text, want) {
		t.Errorf("comment lacks %q:\n%s", want, cs[0].Text)
	}
}

// TestDeskRTAuthToken: token_env sends RT 5's auth token (Authorization: token ...) instead of
// a password; RT accepts it and the bundle is attached; a wrong token is failed with 401.
func TestDeskRTAuthToken(t *testing.T) {
	rt := needRT(t)
	cfg := strings.Replace(rtConfig(rt.url), "password_env: CF_TEST_RT_PASSWORD", "token_env: CF_TEST_RT_TOKEN", 1)
	for _, tc := range []struct {
		name, token, status string
	}{
		{"good token", rt.authToken, desk.StatusAttached},
		{"wrong token", rt.authToken[:strings.LastIndex(rt.authToken, "-")+1] + randomSecret("x"), desk.StatusFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ticket := rt.createTicket(t, "token auth")
			data := deskBundle(t, ticket)
			ts := newDeskServer(t, t.TempDir(), cfg, map[string]string{"CF_TEST_RT_TOKEN": tc.token})
			upload(t, ts.testServer, ts.token(t, ticket, time.Hour, 0), data, bundleMeta(data, ticket))
			rec := ts.waitFiled(t)
			st := ts.waitDesk(t, rec.Path, 20*time.Second, func(s *desk.State) bool { return s.Status != desk.StatusPending })
			if st.Status != tc.status {
				t.Fatalf("state %+v", st)
			}
			if tc.status == desk.StatusFailed && !strings.Contains(st.Reason, "HTTP 401") {
				t.Errorf("reason %q", st.Reason)
			}
			if tc.status == desk.StatusAttached {
				if cs := rt.comments(t, ticket); len(cs) != 1 || len(cs[0].Files) != 1 {
					t.Errorf("comments %+v", cs)
				}
			}
			noSecret(t, tc.token, "root", storageTexts(t, ts))
		})
	}
}
