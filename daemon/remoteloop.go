package daemon

import (
	"context"
	"errors"
	"path/filepath"
	"sort"
	"sync"

	"github.com/casefile/casefile/remote"
	"github.com/casefile/casefile/spec"
)

// RemoteLoop is package remote's client as the daemon's Remote: it polls the intake the host is
// enrolled with, and collects through the daemon (with its history) for each request the
// consent policy allows. A host that is not enrolled runs no loop.
type RemoteLoop struct {
	// Config is the client's configuration; StateDir, Spec and Log are filled in from the
	// daemon at Run.
	Config remote.Config

	mu sync.Mutex
	c  *remote.Client
}

// remoteBundles is where bundles for remote requests are made; each is removed once its request
// ends.
const remoteBundles = "remote"

// Run serves remote requests until ctx ends.
func (l *RemoteLoop) Run(ctx context.Context, h Host) error {
	cfg := l.Config
	cfg.StateDir, cfg.Spec, cfg.Log = h.StateDir(), h.Spec, h.Logger()
	if cfg.Redact == nil {
		cfg.Redact = redactReason(h)
	}
	c, err := remote.New(cfg)
	if errors.Is(err, remote.ErrNotEnrolled) {
		h.Logger().Info("remote requests are off: this host is not enrolled (casefile daemon --enroll TOKEN)")
		<-ctx.Done()
		return nil
	}
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.c = c
	l.mu.Unlock()
	h.Logger().Info("remote requests on", "host", c.HostID(), "intake", c.IntakeURL(), "consent", remote.Consent(h.Spec()))
	out := filepath.Join(h.StateDir(), remoteBundles)
	return c.Run(ctx, func(ctx context.Context, r remote.Request) (string, error) {
		res, err := h.Collect(ctx, CollectRequest{Ticket: r.Ticket, Args: []string{"casefile", "daemon", "(remote request " + r.ID + ")"}}, out)
		if err != nil {
			return "", err
		}
		return res.Path, nil
	})
}

// Requests lists the requests waiting or running, then the recent outcomes, newest first.
func (l *RemoteLoop) Requests() []RemoteRequest {
	l.mu.Lock()
	c := l.c
	l.mu.Unlock()
	if c == nil {
		return nil
	}
	var out []RemoteRequest
	for _, p := range c.Pending() {
		state, hint := p.State, ""
		switch state {
		case "waiting":
			state, hint = "asking", "casefile daemon approve|decline "+p.ID
		case "running":
			state = "collecting"
		case "received", "approved":
			state = "pending"
		}
		out = append(out, RemoteRequest{ID: p.ID, Ticket: p.Ticket, Received: p.ReceivedAt, State: state, Outcome: hint})
	}
	for _, o := range c.Recent() {
		state := map[string]string{"uploaded": "done", "declined": "refused", "failed": "failed"}[o.Status]
		out = append(out, RemoteRequest{ID: o.Request, Ticket: o.Ticket, Received: o.Time, State: state, Updated: o.Time,
			Outcome: o.Reason, Bundle: o.BundleSHA256})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Received.After(out[j].Received) })
	return out
}

// redactReason cleans the text of a failure reason, which goes to the intake and into the logs,
// with the redaction of the spec in force (built at each use, so a reload applies; reasons are
// rare). When the engine cannot be built the reason is withheld rather than sent as it is.
func redactReason(h Host) func(string) string {
	return func(s string) string {
		if s == "" {
			return s
		}
		eng, err := newEngine(h.Spec(), spec.Source{Kind: "daemon", Name: "remote request reason"})
		if err != nil {
			return "(the reason is withheld: the spec's redaction could not be built)"
		}
		return eng.String(remote.LogFile, s)
	}
}
