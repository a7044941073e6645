package daemon

import (
	"context"
	"fmt"
	"time"

	"github.com/casefile/casefile/collect"
	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/history"
)

// CollectRequest is what a client (casefile collect, a trigger, a remote request) asks of a
// collection: the flags of `casefile collect` that make sense for a bundle made by the daemon.
type CollectRequest struct {
	Ticket   string   `json:"ticket,omitempty"`
	Only     []string `json:"only,omitempty"`
	Skip     []string `json:"skip,omitempty"`
	Format   string   `json:"format,omitempty"`
	BundleID string   `json:"bundle_id,omitempty"`
	// Since is the log window back from now; SinceTime and Until bound it absolutely.
	Since     time.Duration `json:"since,omitempty"`
	SinceTime time.Time     `json:"since_time,omitzero"`
	Until     time.Time     `json:"until,omitzero"`
	Literals  []string      `json:"literals,omitempty"`
	Anonymize bool          `json:"anonymize,omitempty"`
	Domains   []string      `json:"domains,omitempty"`
	// HistoryWindow is how much history the bundle holds (0: the spec's daemon.history_window).
	HistoryWindow time.Duration `json:"history_window,omitempty"`
	// Args is the command line recorded in environment.json (the client's, or what asked).
	Args []string `json:"args,omitempty"`
}

// HistoryCollector is the collector "daemon.history": the history from until-window to until
// as daemon/history.jsonl, one result per line, oldest first.
func HistoryCollector(store *history.Store, until time.Time, window time.Duration) collectors.Collector {
	return collectors.Func{CName: "daemon.history", CFamily: "daemon", Fn: func(ctx context.Context, s collectors.Sink) error {
		w, err := s.Create("daemon/history.jsonl")
		if err != nil {
			return err
		}
		// Streamed: a day of ten monitors is never held in memory at once.
		if _, err := store.WriteWindowJSONL(w, until.Add(-window), until, ""); err != nil {
			w.Close()
			return fmt.Errorf("writing the history: %w", err)
		}
		return w.Close()
	}}
}

// Collect makes one bundle into outDir with collect.Run, the spec in force and the history
// window. Collections run one at a time; a caller waits for its turn (or for ctx).
func (d *Daemon) Collect(ctx context.Context, req CollectRequest, outDir string) (*collect.Result, error) {
	select {
	case d.collectSem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-d.collectSem }()
	l := d.current()
	s := l.spec
	now := d.cfg.Now()
	created := now.UTC().Truncate(time.Second)
	window := req.HistoryWindow
	if window <= 0 {
		window = s.Daemon.Window()
	}
	only := req.Only
	if len(only) == 0 {
		only = s.Collectors.Only
	}
	if len(only) > 0 {
		// The history goes into every bundle the daemon makes, whatever --only says.
		only = append(append([]string{}, only...), "daemon.history")
	}
	args := req.Args
	if len(args) == 0 {
		args = []string{"casefile", "daemon"}
	}
	return collect.Run(ctx, collect.Request{
		Spec: s, SpecRaw: l.raw, SpecSource: l.src,
		Only: only, Skip: req.Skip, Since: req.Since, SinceTime: req.SinceTime, Until: req.Until,
		Literals: req.Literals, Domains: req.Domains, Anonymize: req.Anonymize,
		OutDir: outDir, Format: req.Format, BundleID: req.BundleID, Ticket: req.Ticket, Root: d.cfg.Root,
		Args: args, Environ: d.cfg.Environ, Hostname: d.cfg.Hostname, Username: d.cfg.Username,
		Created: created, Clock: d.cfg.Now, Registry: d.cfg.Registry,
		Extra: []collectors.Collector{HistoryCollector(d.store, now, window)},
		Warn:  func(w string) { d.log.Warn("collect", "warning", w) },
	})
}
