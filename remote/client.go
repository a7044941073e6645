package remote

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/casefile/casefile/remote/wire"
	"github.com/casefile/casefile/spec"
	"github.com/casefile/casefile/upload"
)

// Consent policies (spec upload.consent).
const (
	ConsentAuto  = "auto"  // collect and upload without asking
	ConsentAsk   = "ask"   // wait until a person approves (casefile daemon approve ID), or Config.Ask says yes
	ConsentNever = "never" // decline every request
)

// Consent is the policy s names; ask when it names none.
func Consent(s *spec.Spec) string {
	if s != nil && s.Upload != nil && s.Upload.Consent != "" {
		return s.Upload.Consent
	}
	return ConsentAsk
}

// Config configures a Client.
type Config struct {
	// StateDir holds the host key, the enrollment, the log and the upload state. Required.
	StateDir string
	// Spec returns the spec in force (read at every poll, so a reload applies): its consent
	// policy and its upload recipient (bundles are age-encrypted to it on the way). Required.
	Spec func() *spec.Spec

	// HTTP is the client for the intake; nil: one built from CAFile and Proxy.
	HTTP   *http.Client
	CAFile string                                // extra PEM roots for a private CA
	Proxy  func(*http.Request) (*url.URL, error) // nil: no proxy

	Interval    time.Duration // between polls; default 60s (the intake's poll_after wins)
	MaxBackoff  time.Duration // the longest wait after errors in a row; default 10m
	LogMaxBytes int64         // bound of the local log file (see LogFile); default 1 MiB

	// Ask, when set, asks a person now (a daemon in the foreground on a terminal). Without it,
	// or when nobody answers within AskTimeout (default 5 min; the loop waits meanwhile), a
	// request under the ask policy waits until Approve or Decline is called.
	Ask        func(ctx context.Context, r Request) (bool, error)
	AskTimeout time.Duration
	// Redact cleans text that leaves the host or reaches the log (failure reasons); nil: as is.
	Redact func(string) string
	// Upload adjusts the options of each upload (tests set the chunk size); may be nil.
	Upload func(*upload.Options)

	Log *slog.Logger
	Now func() time.Time
}

// Handler collects a bundle for the request's ticket and returns its path. The client uploads
// it with the token the intake issued for the request and removes it once the request ends.
type Handler func(ctx context.Context, r Request) (bundlePath string, err error)

// Request is a remote request this host has received and not finished.
type Request struct {
	ID         string    `json:"id"`
	Ticket     string    `json:"ticket"`
	Note       string    `json:"note,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	ReceivedAt time.Time `json:"received_at"`
	// State: received, waiting (for a person's consent), approved, or running (collecting or
	// uploading).
	State string `json:"state"`
}

// Outcome is how a request ended on this host.
type Outcome struct {
	Time         time.Time `json:"time"`
	Request      string    `json:"request"`
	Ticket       string    `json:"ticket"`
	Status       string    `json:"status"` // declined, uploaded or failed
	BundleSHA256 string    `json:"bundle_sha256,omitempty"`
	Reason       string    `json:"reason,omitempty"`
	// Reported: the intake acknowledged it (known for outcomes since this client started;
	// those read from the log at start are false until reported again or forgotten).
	Reported bool `json:"reported"`
}

// Client polls one intake for this host's requests.
type Client struct {
	cfg  Config
	key  ed25519.PrivateKey
	enr  *Enrollment
	base *url.URL
	hc   *http.Client
	elog *eventLog
	log  *slog.Logger
	wake chan struct{}

	mu      sync.Mutex
	pending map[string]*pendingReq
	ended   map[string]Entry // final outcomes the intake may not have acknowledged
	recent  []Outcome
	// approvedBefore: requests a person approved that had not ended when the log was read, with
	// the ticket they were approved for.
	approvedBefore map[string]string
	consentWarned  map[string]bool // reasons already logged for ignoring answers
}

type pendingReq struct {
	Request
	token         string
	approved      bool
	declined      bool
	asked         bool
	waitReported  bool
	waitLogged    bool
	declineReason string
}

const recentMax = 50

// ErrUnknownRequest: Approve or Decline named no request waiting for consent.
var ErrUnknownRequest = errors.New("no remote request waiting for consent has that id")

// New reads the host key and enrollment from cfg.StateDir (ErrNotEnrolled when there is none)
// and the local log, so requests ended before a restart are not run again.
func New(cfg Config) (*Client, error) {
	if cfg.StateDir == "" {
		return nil, errors.New("remote: no state folder")
	}
	if cfg.Spec == nil {
		return nil, errors.New("remote: no spec")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Minute
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 10 * time.Minute
	}
	if cfg.AskTimeout <= 0 {
		cfg.AskTimeout = 5 * time.Minute
	}
	if cfg.LogMaxBytes <= 0 {
		cfg.LogMaxBytes = 1 << 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Redact == nil {
		cfg.Redact = func(s string) string { return s }
	}
	enr, err := LoadEnrollment(cfg.StateDir)
	if err != nil {
		return nil, err
	}
	key, err := LoadKey(cfg.StateDir)
	if err != nil {
		return nil, err
	}
	if ID(key) != enr.HostID {
		return nil, fmt.Errorf("the host key in %s is not the enrolled host %s's (enroll again)", cfg.StateDir, enr.HostID)
	}
	base, err := checkURL(enr.URL)
	if err != nil {
		return nil, err
	}
	hc := cfg.HTTP
	if hc == nil {
		if hc, err = HTTPClient(cfg.CAFile, cfg.Proxy); err != nil {
			return nil, err
		}
	}
	c := &Client{cfg: cfg, key: key, enr: enr, base: base, hc: hc,
		elog: newEventLog(cfg.StateDir, cfg.LogMaxBytes), log: cfg.Log, wake: make(chan struct{}, 1),
		pending: map[string]*pendingReq{}, ended: map[string]Entry{}}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	entries, err := c.elog.read()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", c.elog.path, err)
	}
	c.approvedBefore = map[string]string{}
	for _, e := range entries {
		switch {
		case final(e.Event):
			c.ended[e.Request] = e
			c.addRecent(e, false)
			delete(c.approvedBefore, e.Request)
		case e.Event == EventApproved:
			c.approvedBefore[e.Request] = e.Ticket
		}
	}
	return c, nil
}

// HTTPClient is a client for the intake: the system's roots plus those in caFile (PEM; empty:
// none), and proxy (nil: none).
func HTTPClient(caFile string, proxy func(*http.Request) (*url.URL, error)) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = proxy
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s: no PEM certificates", caFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: 2 * time.Minute}, nil
}

// HostID is the enrolled host's id.
func (c *Client) HostID() HostID { return c.enr.HostID }

// IntakeURL is the intake this host is enrolled with.
func (c *Client) IntakeURL() string { return c.base.String() }

// Loop runs a client for cfg until ctx ends: see Client.Run. It returns ErrNotEnrolled at once
// when the state folder holds no enrollment.
func Loop(ctx context.Context, cfg Config, h Handler) error {
	c, err := New(cfg)
	if err != nil {
		return err
	}
	return c.Run(ctx, h)
}

// Run polls until ctx ends: every Interval (or the intake's poll_after) after a good poll, and
// after errors in a row with a backoff that doubles from 5 s up to MaxBackoff. Approve and
// Decline wake it at once. It returns ctx's error.
func (c *Client) Run(ctx context.Context, h Handler) error {
	fails := 0
	for {
		next, err := c.Poll(ctx, h)
		var wait time.Duration
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			fails++
			wait = min(5*time.Second<<min(fails-1, 16), c.cfg.MaxBackoff)
			c.log.Warn("polling the intake failed", "intake", c.base.Redacted(), "error", c.cfg.Redact(err.Error()), "retry_in", wait.String())
		} else {
			fails = 0
			wait = next
		}
		wait = time.Duration(float64(wait) * (0.9 + 0.2*rand.Float64()))
		if err := c.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// MaxPollAfter bounds the interval (in seconds) an intake may ask for with poll_after.
const MaxPollAfter = 3600

// ConsentCheck is how often the loop looks for answers in the consent folder.
const ConsentCheck = 2 * time.Second

// sleep waits d, or less when Approve or Decline is called or, while a request waits for
// consent, an answer appears in the consent folder (an idle daemon does not wake for it).
func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	var tick <-chan time.Time
	if c.waitingForConsent() {
		tk := time.NewTicker(ConsentCheck)
		defer tk.Stop()
		tick = tk.C
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.wake:
			return nil
		case <-t.C:
			return nil
		case <-tick:
			if c.applyAnswers() {
				return nil
			}
		}
	}
}

// Poll asks the intake once for this host's open requests and handles each: a request ended
// here before is reported again; a new one is decided by the consent policy. It returns the
// interval the intake asks for (or Config.Interval).
func (c *Client) Poll(ctx context.Context, h Handler) (time.Duration, error) {
	var resp wire.PollResponse
	if err := call(ctx, c.hc, c.key, http.MethodGet, c.base, wire.RequestsPath(c.enr.HostID), nil, c.cfg.Now(), &resp); err != nil {
		return 0, err
	}
	next := c.cfg.Interval
	if resp.PollAfter > 0 {
		// Bounded before it is multiplied: a huge value must not overflow into a busy loop or
		// stop the polling for good.
		next = time.Duration(min(max(resp.PollAfter, 1), MaxPollAfter)) * time.Second
	}
	open := map[string]bool{}
	for _, wr := range resp.Requests {
		if !wire.ValidRequestID(wr.ID) {
			continue
		}
		open[wr.ID] = true
		c.mu.Lock()
		e, ended := c.ended[wr.ID]
		c.mu.Unlock()
		if ended {
			c.reportEnded(ctx, e)
			continue
		}
		c.handle(ctx, wr, h)
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
	}
	if c.applyAnswers() { // answers given for requests this client just learned of (a restart)
		for _, wr := range resp.Requests {
			if c.isApproved(wr.ID) {
				c.handle(ctx, wr, h)
			}
		}
	}
	// A request the intake no longer lists has ended there (or was removed): forget it here.
	c.mu.Lock()
	for id := range c.pending {
		if !open[id] {
			delete(c.pending, id)
		}
	}
	c.mu.Unlock()
	return next, nil
}

// handle decides one open request.
func (c *Client) handle(ctx context.Context, wr wire.Request, h Handler) {
	c.mu.Lock()
	p := c.pending[wr.ID]
	isNew := p == nil
	if isNew {
		p = &pendingReq{Request: Request{ID: wr.ID, Ticket: wr.Ticket, Note: oneLine(wr.Note), CreatedAt: wr.CreatedAt,
			ReceivedAt: c.cfg.Now().UTC(), State: EventReceived}}
		c.pending[wr.ID] = p
	}
	p.token = wr.UploadToken
	req := p.Request
	c.mu.Unlock()
	if isNew {
		c.record(Entry{Request: req.ID, Ticket: req.Ticket, Event: EventReceived, Note: req.Note})
		c.log.Info("remote request received", "request", req.ID, "ticket", req.Ticket)
	}
	if !ValidTicket(req.Ticket) {
		c.finish(ctx, p, Entry{Event: EventFailed, Reason: fmt.Sprintf("the request names an invalid ticket %q", req.Ticket)})
		return
	}
	policy := Consent(c.cfg.Spec())
	c.mu.Lock()
	approved, declined, asked, why := p.approved, p.declined, p.asked, p.declineReason
	if t, ok := c.approvedBefore[req.ID]; isNew && ok && t == req.Ticket {
		// Approved before a restart cut the request short: the consent still holds (for the
		// ticket it was given for; a request that now names another is asked again).
		p.approved, p.State, approved = true, EventApproved, true
	}
	c.mu.Unlock()
	switch {
	case declined:
		c.finish(ctx, p, Entry{Event: EventDeclined, Reason: why})
	case policy == ConsentNever:
		c.finish(ctx, p, Entry{Event: EventDeclined, Reason: "this host's consent policy is never"})
	case policy == ConsentAuto || approved:
		c.run(ctx, p, h)
	case c.cfg.Ask != nil && !asked:
		c.mu.Lock()
		p.asked = true
		c.mu.Unlock()
		c.waiting(ctx, p) // shown by status while the question is open
		actx, cancel := context.WithTimeout(ctx, c.cfg.AskTimeout)
		yes, err := c.cfg.Ask(actx, req)
		cancel()
		if ctx.Err() != nil {
			return
		}
		switch {
		case err != nil:
			c.log.Warn("asking for consent failed; the request waits for casefile daemon approve", "request", req.ID, "error", c.cfg.Redact(err.Error()))
		case yes:
			c.approve(p)
			c.run(ctx, p, h)
		default:
			c.finish(ctx, p, Entry{Event: EventDeclined, Reason: "declined on this host"})
		}
	default:
		c.waiting(ctx, p)
	}
}

// waiting logs a request as waiting for consent and tells the intake, once each.
func (c *Client) waiting(ctx context.Context, p *pendingReq) {
	c.mu.Lock()
	logIt, report := !p.waitLogged, !p.waitReported
	p.waitLogged, p.State = true, EventWaiting
	req := p.Request
	c.mu.Unlock()
	if logIt {
		c.record(Entry{Request: req.ID, Ticket: req.Ticket, Event: EventWaiting})
		c.log.Info("remote request waits for consent", "request", req.ID, "ticket", req.Ticket)
	}
	if report {
		if err := c.report(ctx, req.ID, wire.Outcome{Status: wire.StatusWaiting}); err == nil {
			c.mu.Lock()
			p.waitReported = true
			c.mu.Unlock()
		}
	}
}

func (c *Client) approve(p *pendingReq) {
	c.mu.Lock()
	p.approved, p.State = true, EventApproved
	req := p.Request
	c.mu.Unlock()
	c.record(Entry{Request: req.ID, Ticket: req.Ticket, Event: EventApproved})
}

// run collects, reports collected, uploads and reports the end.
func (c *Client) run(ctx context.Context, p *pendingReq, h Handler) {
	c.mu.Lock()
	p.State = "running"
	req, token := p.Request, p.token
	c.mu.Unlock()
	c.log.Info("remote request: collecting", "request", req.ID, "ticket", req.Ticket)
	path, err := h(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return // stopping: the intake still lists the request, the next start runs it again
		}
		c.finish(ctx, p, Entry{Event: EventFailed, Reason: "collection failed: " + err.Error()})
		return
	}
	defer os.Remove(path)
	sum, err := fileSHA256(path)
	if err != nil {
		c.finish(ctx, p, Entry{Event: EventFailed, Reason: "reading the bundle: " + err.Error()})
		return
	}
	c.record(Entry{Request: req.ID, Ticket: req.Ticket, Event: EventCollected, BundleSHA256: sum})
	c.report(ctx, req.ID, wire.Outcome{Status: wire.StatusCollected, BundleSHA256: sum})
	if token == "" {
		c.finish(ctx, p, Entry{Event: EventFailed, BundleSHA256: sum, Reason: "the intake issued no upload token for this request"})
		return
	}
	o := upload.Options{Bundle: path, URL: c.base.String(), Token: token, StateDir: filepath.Join(c.cfg.StateDir, "uploads"),
		CAFile: c.cfg.CAFile, Proxy: c.cfg.Proxy, HTTPClient: c.cfg.HTTP, Now: c.cfg.Now}
	if s := c.cfg.Spec(); s != nil && s.Upload != nil {
		o.Recipient = s.Upload.Recipient
	}
	if c.cfg.Upload != nil {
		c.cfg.Upload(&o)
	}
	res, err := upload.Upload(ctx, o)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		c.finish(ctx, p, Entry{Event: EventFailed, BundleSHA256: sum, Reason: "upload failed: " + err.Error()})
		return
	}
	c.finish(ctx, p, Entry{Event: EventUploaded, BundleSHA256: res.BundleSHA256, SHA256: res.SHA256})
}

// finish ends a request: the outcome is reported to the intake, logged, and kept so it is
// reported again if the intake did not acknowledge it.
func (c *Client) finish(ctx context.Context, p *pendingReq, e Entry) {
	c.mu.Lock()
	req := p.Request
	delete(c.pending, req.ID)
	c.mu.Unlock()
	e.Request, e.Ticket, e.Reason = req.ID, req.Ticket, oneLine(c.cfg.Redact(e.Reason))
	e.Time = c.cfg.Now().UTC()
	// Logged before the intake is told: a crash in between leaves the outcome here, reported
	// again while the intake still lists the request as open.
	c.record(e)
	err := c.report(ctx, req.ID, wire.Outcome{Status: e.Event, BundleSHA256: e.BundleSHA256, SHA256: e.SHA256, Reason: e.Reason})
	c.mu.Lock()
	if err != nil {
		c.ended[req.ID] = e
	}
	c.addRecent(e, err == nil)
	c.mu.Unlock()
	c.log.Info("remote request "+e.Event, "request", req.ID, "ticket", req.Ticket, "bundle_sha256", e.BundleSHA256, "reason", e.Reason, "reported", err == nil)
}

// reportEnded reports again an outcome the intake has not acknowledged.
func (c *Client) reportEnded(ctx context.Context, e Entry) {
	err := c.report(ctx, e.Request, wire.Outcome{Status: e.Event, BundleSHA256: e.BundleSHA256, SHA256: e.SHA256, Reason: e.Reason})
	var se *StatusError
	if err == nil || (errors.As(err, &se) && (se.Status == http.StatusConflict || se.Status == http.StatusNotFound)) {
		c.mu.Lock()
		delete(c.ended, e.Request)
		c.mu.Unlock()
	}
}

func (c *Client) report(ctx context.Context, id string, o wire.Outcome) error {
	body, err := json.Marshal(o)
	if err != nil {
		return err
	}
	err = call(ctx, c.hc, c.key, http.MethodPost, c.base, wire.OutcomePath(c.enr.HostID, id), body, c.cfg.Now(), nil)
	if err != nil {
		c.log.Warn("reporting to the intake failed", "request", id, "status", o.Status, "error", c.cfg.Redact(err.Error()))
	}
	return err
}

// record appends to the local log; a failure is logged, never fatal.
func (c *Client) record(e Entry) {
	if e.Time.IsZero() {
		e.Time = c.cfg.Now().UTC()
	}
	if err := c.elog.append(e); err != nil {
		c.log.Error("writing the remote request log failed", "path", c.elog.path, "error", err.Error())
	}
}

// addRecent keeps the last outcomes; c.mu is held (or the client is not shared yet).
func (c *Client) addRecent(e Entry, reported bool) {
	c.recent = append(c.recent, Outcome{Time: e.Time, Request: e.Request, Ticket: e.Ticket, Status: e.Event,
		BundleSHA256: e.BundleSHA256, Reason: e.Reason, Reported: reported})
	if len(c.recent) > recentMax {
		c.recent = append([]Outcome(nil), c.recent[len(c.recent)-recentMax:]...)
	}
}

// Pending lists the requests received and not ended: waiting for consent, approved, running.
func (c *Client) Pending() []Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Request, 0, len(c.pending))
	for _, p := range c.pending {
		out = append(out, p.Request)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ReceivedAt.Before(out[j].ReceivedAt) })
	return out
}

// Recent lists the last outcomes (at most 50), oldest first.
func (c *Client) Recent() []Outcome {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Outcome{}, c.recent...)
}

// Approve gives consent to a request waiting for it; the loop runs it at once.
func (c *Client) Approve(id string) error {
	c.mu.Lock()
	p := c.pending[id]
	if p == nil || p.approved || p.declined {
		c.mu.Unlock()
		return fmt.Errorf("%w: %q", ErrUnknownRequest, id)
	}
	c.mu.Unlock()
	c.approve(p)
	c.log.Info("remote request approved", "request", id)
	c.kick()
	return nil
}

// Decline refuses a request waiting for consent; the loop reports it at once.
func (c *Client) Decline(id string) error {
	c.mu.Lock()
	defer c.kick()
	defer c.mu.Unlock()
	p := c.pending[id]
	if p == nil || p.approved || p.declined {
		return fmt.Errorf("%w: %q", ErrUnknownRequest, id)
	}
	p.declined, p.declineReason = true, "declined on this host"
	return nil
}

func (c *Client) waitingForConsent() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.pending {
		if p.State == EventWaiting {
			return true
		}
	}
	return false
}

func (c *Client) isApproved(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.pending[id]
	return p != nil && (p.approved || p.declined)
}

func (c *Client) kick() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// ValidTicket reports whether a request's ticket can name a bundle's ticket (as the intake
// accepts it).
func ValidTicket(t string) bool {
	if t == "" || len(t) > 64 {
		return false
	}
	for i, r := range t {
		ok := r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || (i > 0 && (r == '.' || r == '_' || r == '-'))
		if !ok {
			return false
		}
	}
	return true
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
