package daemon

import (
	"context"
	"log/slog"
	"time"

	"github.com/casefile/casefile/collect"
	"github.com/casefile/casefile/spec"
)

// Remote is the remote-requests loop (package remote): a daemon enrolled with the intake polls
// it for requests and, under the spec's consent policy, collects and uploads. The daemon runs it
// as long as it runs itself (Run returns when ctx ends) and shows its requests in /v1/status.
type Remote interface {
	// Run serves remote requests until ctx ends. h is the daemon: collection with the history,
	// the spec in force, the state folder, the log.
	Run(ctx context.Context, h Host) error
	// Requests lists pending and recent remote requests, newest first.
	Requests() []RemoteRequest
}

// Host is what the daemon offers the remote loop. *Daemon implements it.
type Host interface {
	// Collect makes a bundle into outDir (created), with the history window, exactly as a local
	// request would; one collection runs at a time.
	Collect(ctx context.Context, req CollectRequest, outDir string) (*collect.Result, error)
	// Spec is the spec in force (it changes on reload): upload target, consent policy.
	Spec() *spec.Spec
	// StateDir is the daemon's state folder (the remote loop keeps its keys under it).
	StateDir() string
	// Logger is the daemon's log.
	Logger() *slog.Logger
}

// RemoteRequest is one remote request as `casefile status` shows it.
type RemoteRequest struct {
	ID       string    `json:"id"`
	Ticket   string    `json:"ticket,omitempty"`
	Received time.Time `json:"received"`
	// State is pending, asking (consent: ask), collecting, uploading, done, refused or failed.
	State   string    `json:"state"`
	Updated time.Time `json:"updated,omitzero"`
	Outcome string    `json:"outcome,omitempty"`
	Bundle  string    `json:"bundle,omitempty"`
}
