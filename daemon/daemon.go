// Package daemon is casefile's long-running process: it runs the spec's monitors on a schedule,
// keeps their results in a bounded history (package history), serves a local API over a Unix
// socket (a named pipe on Windows) to `casefile status` and `casefile collect`, collects a
// bundle when a monitor keeps failing (triggers), and reloads its spec on request. Every bundle
// it makes goes through collect.Run and holds the history window as daemon/history.jsonl.
//
// Nothing here reads process globals: the caller (cli/daemon.go) injects the spec loader, the
// paths, the host facts, the logger and the clock.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/history"
	"github.com/casefile/casefile/redact"
	"github.com/casefile/casefile/spec"
)

// Config is what a daemon is built from.
type Config struct {
	// Load reads the spec; it is called at start and again on every reload (SIGHUP).
	Load func(ctx context.Context) (*spec.Spec, []byte, spec.Source, error)
	// StateDir holds the history, triggered bundles and upload state (created 0700).
	StateDir string
	// Socket is the local API's Unix socket path (a named pipe name on Windows).
	Socket string
	// Log receives the daemon's log (nil: discarded).
	Log *slog.Logger
	// Version is reported by /v1/status.
	Version string

	// Host facts recorded in bundles: the daemon's environment, host and user names.
	Environ  []string
	Hostname string
	Username string
	// Root prefixes every host path collectors read ("/" in production).
	Root string
	// Registry builds a collection's collectors (nil: collect's default families).
	Registry *collectors.Registry

	// UploadToken is the token triggered bundles are uploaded with (spec trigger upload: true).
	UploadToken string
	// Remote, when set, is the remote-requests loop (package remote); it runs as long as the
	// daemon does and its requests are shown by /v1/status.
	Remote Remote

	// Now is the clock (default time.Now); Rand returns a number in [0, 1) for the schedule's
	// spread and jitter (default math/rand/v2).
	Now  func() time.Time
	Rand func() float64
}

// Daemon is one running daemon. Make it with New, run it with Run.
type Daemon struct {
	cfg     Config
	log     *slog.Logger
	store   *history.Store
	ln      net.Listener
	srv     *http.Server
	started time.Time

	mu        sync.Mutex
	cur       *loaded
	states    map[string]*monitorState
	triggers  []TriggerRecord
	lastFired map[string]time.Time // when each monitor's trigger last fired, as recorded before this start
	lastLoad  time.Time
	reloadErr string
	downloads map[string]string // token -> bundle path, for GET /v1/bundles/{token}

	results    chan history.Result // to the history writer
	writerDone chan struct{}
	dropped    atomic.Int64

	collectSem chan struct{} // one collection at a time
	runCtx     context.Context
	monCancel  context.CancelFunc
	monWG      sync.WaitGroup
	bgWG       sync.WaitGroup
}

// loaded is one loaded spec with what is derived from it.
type loaded struct {
	spec *spec.Spec
	raw  []byte
	src  spec.Source
	// eng redacts what monitors record (secrets only: pseudonyms are a bundle's business).
	eng *redact.Engine
}

// New loads the spec, opens the history and listens on the socket. Run starts the rest.
func New(ctx context.Context, cfg Config) (*Daemon, error) {
	if cfg.Load == nil {
		return nil, errors.New("daemon: no spec loader")
	}
	if cfg.StateDir == "" || cfg.Socket == "" {
		return nil, errors.New("daemon: state folder and socket are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	if cfg.Root == "" {
		cfg.Root = string(filepath.Separator)
	}
	d := &Daemon{cfg: cfg, log: cfg.Log, states: map[string]*monitorState{}, downloads: map[string]string{},
		collectSem: make(chan struct{}, 1), results: make(chan history.Result, resultQueue), writerDone: make(chan struct{})}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	l, err := d.load(ctx)
	if err != nil {
		return nil, err
	}
	d.cur = l
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("state folder %s: %w", cfg.StateDir, err)
	}
	for _, sub := range []string{bundlesDir, requestsDir} {
		if err := os.MkdirAll(filepath.Join(cfg.StateDir, sub), 0o700); err != nil {
			return nil, fmt.Errorf("state folder %s: %w", cfg.StateDir, err)
		}
	}
	dc := l.spec.Daemon
	d.store, err = history.Open(filepath.Join(cfg.StateDir, historyFile), history.Options{MaxAge: dc.MaxAge(), MaxBytes: dc.MaxSize(), Now: cfg.Now})
	if err != nil {
		return nil, fmt.Errorf("opening the history in %s: %w", cfg.StateDir, err)
	}
	d.ln, err = listen(cfg.Socket, dc.SocketGroup)
	if err != nil {
		d.store.Close()
		return nil, err
	}
	d.triggers, d.lastFired = loadTriggers(cfg.StateDir)
	d.lastLoad = cfg.Now()
	return d, nil
}

// State folder layout.
const (
	historyFile = "history.db"
	bundlesDir  = "bundles"  // triggered bundles, at most trigger.keep of them
	requestsDir = "requests" // bundles collected for a client, until it fetched them
	uploadsDir  = "uploads"  // resume state of trigger uploads
)

// Intervals of the daemon's housekeeping.
const (
	pruneEvery      = 10 * time.Minute
	requestMaxAge   = time.Hour
	shutdownTimeout = 5 * time.Second
)

func (d *Daemon) load(ctx context.Context) (*loaded, error) {
	s, raw, src, err := d.cfg.Load(ctx)
	if err != nil {
		return nil, err
	}
	eng, err := newEngine(s, src)
	if err != nil {
		return nil, err
	}
	return &loaded{spec: s, raw: raw, src: src, eng: eng}, nil
}

// Run runs the monitors, the API, housekeeping and the remote loop until ctx ends, then shuts
// down: in-flight checks and collections are cancelled, the socket removed, the history closed.
func (d *Daemon) Run(ctx context.Context) error {
	d.started = d.cfg.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	d.runCtx = ctx
	l := d.current()
	d.log.Info("daemon started", "pid", os.Getpid(), "spec", l.spec.Metadata.Name, "spec_source", l.src.Name,
		"monitors", len(l.spec.Monitors), "socket", d.cfg.Socket, "state_dir", d.cfg.StateDir)

	go d.writeHistory()
	d.mu.Lock()
	d.startMonitorsLocked(l.spec)
	d.mu.Unlock()

	d.srv = &http.Server{Handler: d.handler(), ConnContext: connContext, ReadHeaderTimeout: 10 * time.Second}
	srvErr := make(chan error, 1)
	go func() { srvErr <- d.srv.Serve(d.ln) }()

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); d.housekeeping(ctx) }()
	go func() { defer wg.Done(); d.reloadOnSignal(ctx) }()
	if d.cfg.Remote != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := d.cfg.Remote.Run(ctx, d); err != nil && ctx.Err() == nil {
				d.log.Error("remote requests stopped", "error", d.redact(err.Error()))
			}
		}()
	}

	var err error
	select {
	case <-ctx.Done():
	case err = <-srvErr:
		err = fmt.Errorf("local API on %s: %w", d.cfg.Socket, err)
	}
	d.log.Info("daemon stopping")
	cancel()
	sctx, scancel := context.WithTimeout(context.Background(), shutdownTimeout)
	d.srv.Shutdown(sctx)
	scancel()
	d.srv.Close()
	removeSocket(d.cfg.Socket)
	d.stopMonitors()
	close(d.results) // the monitors are done: what they recorded is written, then the store closes
	<-d.writerDone
	d.bgWG.Wait()
	wg.Wait()
	if cerr := d.store.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("closing the history: %w", cerr)
	}
	d.log.Info("daemon stopped")
	return err
}

// Close releases what New took when Run is never called.
func (d *Daemon) Close() error {
	d.ln.Close()
	removeSocket(d.cfg.Socket)
	return d.store.Close()
}

func (d *Daemon) current() *loaded {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cur
}

// redact redacts a text for the log or the API with the current spec's rules.
func (d *Daemon) redact(s string) string {
	return d.current().eng.String("daemon.log", s)
}

// housekeeping prunes the history and forgets bundles no client fetched, now and every
// pruneEvery.
func (d *Daemon) housekeeping(ctx context.Context) {
	t := time.NewTicker(pruneEvery)
	defer t.Stop()
	for {
		if n, err := d.store.Prune(); err != nil {
			d.log.Error("pruning the history", "error", d.redact(err.Error()))
		} else if n > 0 {
			d.log.Info("pruned the history", "removed", n)
		}
		d.removeStaleRequests()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// StateDir is the daemon's state folder (for the remote loop's keys and state).
func (d *Daemon) StateDir() string { return d.cfg.StateDir }

// Spec is the spec in force.
func (d *Daemon) Spec() *spec.Spec { return d.current().spec }

// Logger is the daemon's log.
func (d *Daemon) Logger() *slog.Logger { return d.log }
