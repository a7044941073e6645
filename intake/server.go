package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
	"github.com/tus/tusd/v2/pkg/filelocker"
	"github.com/tus/tusd/v2/pkg/filestore"
	"github.com/tus/tusd/v2/pkg/handler"

	"github.com/casefile/casefile/intake/desk"
)

// Options configure a Server. Nothing here is read from the process: the caller injects it.
type Options struct {
	DataDir string
	Config  *Config // nil: defaults
	Key     []byte  // token signing key (LoadKey)
	// Identities decrypt age-encrypted uploads on arrival; none: ciphertext is stored as such.
	Identities []age.Identity
	Logger     *slog.Logger
	Now        func() time.Time
	// OnFiled, when set, is called after each completed upload has been filed and indexed.
	OnFiled func(Record)
	// Desk, when set, comments on the ticket of each bundle filed ok (Config.Desk: the retries).
	Desk desk.Connector
}

// Server receives tus uploads under /files/.
type Server struct {
	opt     Options
	lim     Limits
	log     *slog.Logger
	rev     *Revocations      // in storage: <storage>/revoked or <prefix>revoked/
	store   handler.DataStore // the tus upload state: <data>/tus, or the bucket's tus/
	tus     *handler.Handler
	idx     *Index
	stor    storage    // filed bundles and records
	s3      *s3Storage // set when storage is S3
	tmp     string     // local scratch space: <data>/tmp
	limiter *rateLimiter
	flight  *inflight
	desk    *desk.Queue // nil: no desk connector
	done    chan struct{}
	wg      sync.WaitGroup
}

// BasePath is where the tus endpoint lives.
const BasePath = "/files/"

type ctxKey struct{}

var ticketRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidTicket reports whether t can name a ticket (it becomes a folder name).
func ValidTicket(t string) bool { return ticketRe.MatchString(t) }

// New prepares a server: the tus store under <data>/tus, the index, and the goroutine that files
// completed uploads. Close stops it.
func New(opt Options) (*Server, error) {
	if opt.DataDir == "" {
		return nil, errors.New("intake: no data folder")
	}
	if len(opt.Key) < 32 {
		return nil, errors.New("intake: signing key shorter than 32 bytes")
	}
	if opt.Config == nil {
		opt.Config = &Config{Limits: DefaultLimits}
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	s := &Server{
		opt: opt, lim: opt.Config.Limits, log: opt.Logger,
		tmp: filepath.Join(opt.DataDir, "tmp"), done: make(chan struct{}),
	}
	comp := handler.NewStoreComposer()
	if st := opt.Config.Storage; st.IsS3() {
		b, err := openS3(st, s.tmp)
		if err != nil {
			return nil, err
		}
		s.s3, s.stor = b, b
		s.store = b.tusStore(comp)
		s.rev = s3Revocations(b, opt.DataDir)
	} else {
		tusDir := filepath.Join(opt.DataDir, "tus")
		if err := os.MkdirAll(tusDir, 0o700); err != nil {
			return nil, err
		}
		fs := filestore.New(tusDir)
		fs.UseIn(comp)
		filelocker.New(tusDir).UseIn(comp)
		s.store, s.stor = fs, NewLayout(opt.DataDir, st.URL)
		s.rev = folderRevocations(opt.DataDir, st.URL)
	}
	idx, err := OpenIndex(indexPath(opt.DataDir))
	if err != nil {
		return nil, err
	}
	s.idx = idx
	s.limiter = newRateLimiter(s.lim.Rate, s.lim.RatePer)
	s.flight = &inflight{max: s.lim.ConcurrentUploads, perToken: s.lim.PerToken, by: map[string]int{}}
	tus, err := handler.NewHandler(handler.Config{
		BasePath:                BasePath,
		StoreComposer:           comp,
		MaxSize:                 s.lim.MaxSize,
		NotifyCompleteUploads:   true,
		DisableDownload:         true, // upload tokens read nothing
		DisableTermination:      true,
		DisableConcatenation:    true,
		PreUploadCreateCallback: s.preCreate,
		Logger:                  newTusLogger(opt.Logger),
	})
	if err != nil {
		idx.Close()
		return nil, err
	}
	s.tus = tus
	if opt.Desk != nil {
		s.startDesk()
	}
	s.wg.Add(1)
	go s.fileCompleted()
	return s, nil
}

// Close stops filing uploads and closes the index. The HTTP server must be shut down first.
func (s *Server) Close() error {
	close(s.done)
	s.wg.Wait()
	if s.desk != nil {
		s.desk.Close() // deliveries in flight stay pending in storage
	}
	return s.idx.Close()
}

// Index is the server's index.
func (s *Server) Index() *Index { return s.idx }

func (s *Server) fileCompleted() {
	defer s.wg.Done()
	// Uploads that completed while no server was running (a crash between the last PATCH and
	// filing) are filed first.
	s.fileLeftovers()
	for {
		select {
		case <-s.done:
			return
		case ev := <-s.tus.CompleteUploads:
			s.file(ev.Upload)
		}
	}
}

func (s *Server) fileLeftovers() {
	var ids []string
	if s.s3 != nil {
		var err error
		if ids, err = s.s3.tusIDs(); err != nil {
			s.log.Warn("listing the bucket's tus uploads failed", "err", err)
		}
	} else {
		matches, _ := filepath.Glob(filepath.Join(s.opt.DataDir, "tus", "*.info"))
		for _, m := range matches {
			ids = append(ids, strings.TrimSuffix(filepath.Base(m), ".info"))
		}
	}
	for _, id := range ids {
		up, err := s.store.GetUpload(context.Background(), id)
		if err != nil {
			continue
		}
		info, err := up.GetInfo(context.Background())
		if err == nil && !info.SizeIsDeferred && info.Offset == info.Size {
			s.file(info)
		}
	}
}

// apiError is a refusal with its HTTP status and a JSON body {"error": "..."}.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func (e *apiError) tus() handler.Error {
	body, _ := json.Marshal(map[string]string{"error": e.msg})
	return handler.Error{
		ErrorCode: "ERR_INTAKE_" + strconv.Itoa(e.status),
		Message:   e.msg,
		HTTPResponse: handler.HTTPResponse{
			StatusCode: e.status,
			Body:       string(body) + "\n",
			Header:     handler.HTTPHeader{"Content-Type": "application/json"},
		},
	}
}

func (e *apiError) write(w http.ResponseWriter, r *http.Request) {
	if e.status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Tus-Resumable", "1.0.0")
	w.WriteHeader(e.status)
	if r.Method != http.MethodHead {
		json.NewEncoder(w).Encode(map[string]string{"error": e.msg})
	}
}

func refuse(status int, format string, args ...any) *apiError {
	return &apiError{status: status, msg: fmt.Sprintf(format, args...)}
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if t, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(t)
	}
	return ""
}

// authenticate checks the request's token: signature, expiry, revocation.
func (s *Server) authenticate(h http.Header) (Claims, *apiError) {
	r := &http.Request{Header: h}
	c, err := Verify(s.opt.Key, s.rev, bearer(r), s.opt.Now())
	if err != nil {
		return c, refuse(http.StatusUnauthorized, "%v", err)
	}
	return c, nil
}

func (s *Server) maxFor(c Claims) int64 {
	m := s.lim.MaxSize
	if c.Max > 0 && c.Max < m {
		m = c.Max
	}
	return m
}

// Handler serves the tus endpoint at /files/ behind token checks and limits.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(BasePath, s.guard(http.StripPrefix(BasePath, s.tus)))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	// /web/ for engineers, /u/<token> for customers (web.go)
	s.registerWeb(mux)
	s.remoteRoutes(mux) // enrolled daemons: /v1/enroll, /v1/hosts/ (requests.go)
	return mux
}

// guard authorises every tus request before tusd sees it: the token on POST, HEAD and PATCH,
// the request rate, the declared size, that a resumed upload belongs to the token's ticket, and
// the concurrency limits on PATCH. The pre-create hook checks the metadata again.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		id := strings.TrimPrefix(r.URL.Path, BasePath)
		log := s.log.With("method", r.Method, "remote", r.RemoteAddr, "upload", logUploadID(id))
		c, aerr := s.authenticate(r.Header)
		if aerr == nil && !s.limiter.allow(c.ID, s.opt.Now()) {
			aerr = refuse(http.StatusTooManyRequests, "rate limit: at most %d requests per %s for one token", s.lim.Rate, s.lim.RatePer)
		}
		if aerr == nil && r.Method == http.MethodPost {
			if n, err := strconv.ParseInt(r.Header.Get("Upload-Length"), 10, 64); err == nil && n > s.maxFor(c) {
				aerr = refuse(http.StatusRequestEntityTooLarge, "upload of %d bytes is larger than this token allows (%d bytes)", n, s.maxFor(c))
			}
		}
		if aerr == nil && (r.Method == http.MethodPatch || r.Method == http.MethodHead) && id != "" {
			if up, err := s.store.GetUpload(r.Context(), id); err == nil {
				if info, err := up.GetInfo(r.Context()); err == nil && info.MetaData["ticket"] != c.Ticket {
					aerr = refuse(http.StatusForbidden, "this upload belongs to another ticket than the token's (%s)", c.Ticket)
				}
			}
		}
		if aerr == nil && r.Method == http.MethodPatch {
			if !s.flight.acquire(c.ID) {
				aerr = refuse(http.StatusTooManyRequests, "too many concurrent uploads (at most %d per token, %d in all)", s.lim.PerToken, s.lim.ConcurrentUploads)
			} else {
				defer s.flight.release(c.ID)
			}
		}
		if aerr != nil {
			log.Warn("upload refused", "status", aerr.status, "reason", aerr.msg, "token_id", c.ID, "ticket", c.Ticket)
			aerr.write(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, c)))
	})
}

// preCreate is tusd's pre-create hook: nothing is stored until it accepts.
func (s *Server) preCreate(ev handler.HookEvent) (handler.HTTPResponse, handler.FileInfoChanges, error) {
	c, ok := ev.Context.Value(ctxKey{}).(Claims)
	if !ok {
		var aerr *apiError
		if c, aerr = s.authenticate(ev.HTTPRequest.Header); aerr != nil {
			return handler.HTTPResponse{}, handler.FileInfoChanges{}, aerr.tus()
		}
	}
	meta := ev.Upload.MetaData
	var aerr *apiError
	switch {
	case meta["ticket"] != c.Ticket:
		aerr = refuse(http.StatusForbidden, "upload names ticket %q; this token is for ticket %q", meta["ticket"], c.Ticket)
	case ev.Upload.SizeIsDeferred:
		aerr = refuse(http.StatusBadRequest, "Upload-Length is required")
	case ev.Upload.Size > s.maxFor(c):
		aerr = refuse(http.StatusRequestEntityTooLarge, "upload of %d bytes is larger than this token allows (%d bytes)", ev.Upload.Size, s.maxFor(c))
	case meta["encrypted"] != "" && meta["encrypted"] != "age":
		aerr = refuse(http.StatusBadRequest, "metadata encrypted=%q: only \"age\" is known", meta["encrypted"])
	case meta["sha256"] != "" && !sha256Re.MatchString(meta["sha256"]):
		aerr = refuse(http.StatusBadRequest, "metadata sha256 is not 64 hex digits")
	}
	if aerr != nil {
		s.log.Warn("upload refused", "status", aerr.status, "reason", aerr.msg, "token_id", c.ID, "ticket", c.Ticket, "remote", ev.HTTPRequest.RemoteAddr)
		return handler.HTTPResponse{}, handler.FileInfoChanges{}, aerr.tus()
	}
	keep := handler.MetaData{"ticket": c.Ticket, "token_id": c.ID}
	for _, k := range []string{"filename", "sha256", "bundle_id", "encrypted"} {
		if v, ok := meta[k]; ok {
			keep[k] = v
		}
	}
	s.log.Info("upload created", "ticket", c.Ticket, "token_id", c.ID, "size", ev.Upload.Size,
		"filename", meta["filename"], "encrypted", meta["encrypted"], "remote", ev.HTTPRequest.RemoteAddr)
	return handler.HTTPResponse{}, handler.FileInfoChanges{MetaData: keep}, nil
}

var sha256Re = regexp.MustCompile(`^[0-9a-f]{64}$`)

// uploadIDRe matches the upload ids tusd makes: 32 hex digits, with the S3 store followed by
// "+" and the bucket's multipart id.
var uploadIDRe = regexp.MustCompile(`^[0-9a-f]{32}(\+.*)?$`)

// logUploadID is what a log line says of the upload id a request path names: the client
// chose it, and a token pasted into the address (/files/cf1.…) must not reach the log. An id
// tusd makes is logged (its multipart part cut to "+…"), anything else only by its length.
func logUploadID(id string) string {
	switch {
	case id == "":
		return ""
	case !uploadIDRe.MatchString(id):
		return fmt.Sprintf("[not an upload id, %d bytes]", len(id))
	case len(id) > 32:
		return id[:32] + "+…"
	}
	return id
}

// rateLimiter is a token bucket per upload token.
type rateLimiter struct {
	mu      sync.Mutex
	rate    float64 // per second
	burst   float64
	buckets map[string]*bucket
}

type bucket struct {
	level float64
	last  time.Time
}

func newRateLimiter(n int, per time.Duration) *rateLimiter {
	return &rateLimiter{rate: float64(n) / per.Seconds(), burst: float64(n), buckets: map[string]*bucket{}}
}

func (l *rateLimiter) allow(id string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[id]
	if b == nil {
		if len(l.buckets) > 100_000 {
			// Forget buckets that have refilled: they are as good as new.
			for k, v := range l.buckets {
				if v.level+now.Sub(v.last).Seconds()*l.rate >= l.burst {
					delete(l.buckets, k)
				}
			}
		}
		b = &bucket{level: l.burst, last: now}
		l.buckets[id] = b
	}
	b.level = min(l.burst, b.level+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.level < 1 {
		return false
	}
	b.level--
	return true
}

// inflight counts PATCH requests in progress, in all and per token.
type inflight struct {
	mu            sync.Mutex
	max, perToken int
	n             int
	by            map[string]int
}

func (f *inflight) acquire(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n >= f.max || f.by[id] >= f.perToken {
		return false
	}
	f.n++
	f.by[id]++
	return true
}

func (f *inflight) release(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n--
	if f.by[id]--; f.by[id] <= 0 {
		delete(f.by, id)
	}
}
