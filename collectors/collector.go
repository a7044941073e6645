// Package collectors holds the Collector contract, the registry that builds collectors from a spec,
// and the runner that runs them concurrently with timeouts, panic recovery and status records.
package collectors

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/casefile/casefile/spec"
)

// Families, which are also the bundle folders their output lands in.
const (
	FamilySystem   = "system"
	FamilyNetwork  = "network"
	FamilyLogs     = "logs"
	FamilyCommands = "commands"
	FamilyFiles    = "files"
)

// Status of one collector run.
type Status string

// The statuses a collector can end in.
const (
	StatusOK       Status = "ok"
	StatusPartial  Status = "partial"
	StatusFailed   Status = "failed"
	StatusSkipped  Status = "skipped"
	StatusTimedOut Status = "timed_out"
)

// Collector gathers one kind of evidence. It writes only to the sink, never to disk or archive.
type Collector interface {
	// Name is unique within a run, "<family>.<what>", e.g. "system.host" or "network.dns".
	Name() string
	// Family is one of the Family constants.
	Family() string
	// Collect writes files and results to the sink. Return Skip(reason) when the thing collected
	// is absent here, Partial(err) when some output was written but something went wrong.
	Collect(ctx context.Context, sink Sink) error
}

// Sink receives one collector's output. Everything written passes through the redactor before it
// reaches disk; size caps (per file, per collector, per bundle) are applied here.
type Sink interface {
	// Create opens a file at path, relative to the bundle root; it must start with the collector's
	// family folder (e.g. "system/host.json"). Close must be called; it finishes redaction.
	Create(path string) (io.WriteCloser, error)
	// WriteJSON writes v as indented JSON at path.
	WriteJSON(path string, v any) error
	// SetTruncated records that the file at path holds only part of its source: kept bytes of seen.
	// Collectors that cut their own input (tail of a log) call it; caps applied by the sink record
	// themselves.
	SetTruncated(path string, kept, seen int64)
	// MaxFileSize is the per-file cap a collector should plan for (for example, to seek to the tail).
	MaxFileSize() int64
}

// Func adapts a function to the Collector interface.
type Func struct {
	CName   string
	CFamily string
	Fn      func(ctx context.Context, sink Sink) error
}

// Name implements Collector.
func (f Func) Name() string { return f.CName }

// Family implements Collector.
func (f Func) Family() string { return f.CFamily }

// Collect implements Collector.
func (f Func) Collect(ctx context.Context, s Sink) error { return f.Fn(ctx, s) }

type skipError struct{ reason string }

func (e *skipError) Error() string { return e.reason }

// Skip returns the error a collector returns when what it collects is absent here.
func Skip(format string, args ...any) error {
	return &skipError{reason: fmt.Sprintf(format, args...)}
}

// IsSkip reports whether err is a Skip.
func IsSkip(err error) bool {
	var s *skipError
	return errors.As(err, &s)
}

type partialError struct{ err error }

func (e *partialError) Error() string { return e.err.Error() }
func (e *partialError) Unwrap() error { return e.err }

// Partial marks err as a partial failure: output was written, some of it is missing.
func Partial(err error) error {
	if err == nil {
		return nil
	}
	return &partialError{err: err}
}

// IsPartial reports whether err is a Partial.
func IsPartial(err error) bool {
	var p *partialError
	return errors.As(err, &p)
}

// Options are what the registry's factories build collectors from.
type Options struct {
	Spec *spec.Spec
	// Root prefixes every host path a collector reads ("/" in production, a fixture tree in tests).
	Root string
	// Add holds files and folders the customer added with --add.
	Add []string
	// Logs holds extra log globs from --log.
	Logs []string
	// Since is the log window from --since (0: the spec's or the default).
	Since time.Duration
	// SinceTime is an absolute window start (--since 2026-11-30T08:00:00Z); when set it overrides
	// Since and every source's own window.
	SinceTime time.Time
	// Until is the window's end (--until); zero leaves it open. Log lines after it are left out.
	Until time.Time
	// Now is the collection time.
	Now time.Time
	// Redactor redacts values a collector records in structured form, where the sink's stream
	// redaction cannot see them together (a command's argv as a JSON list). May be nil in tests.
	Redactor ArgvRedactor
}

// ArgvRedactor redacts a command line kept as separate arguments (redact.Engine implements it).
type ArgvRedactor interface {
	Argv(file string, argv []string) []string
}

// Factory builds a family's collectors from options.
type Factory func(opts Options) ([]Collector, error)

// Registry knows the collector families. It is a value so tests build their own.
type Registry struct {
	factories []registered
}

type registered struct {
	family string
	f      Factory
}

// Register adds a family's factory.
func (r *Registry) Register(family string, f Factory) {
	r.factories = append(r.factories, registered{family, f})
}

// Build returns every collector the options call for, in registration order.
func (r *Registry) Build(opts Options) ([]Collector, error) {
	var out []Collector
	seen := map[string]bool{}
	for _, reg := range r.factories {
		cs, err := reg.f(opts)
		if err != nil {
			return nil, fmt.Errorf("%s collectors: %w", reg.family, err)
		}
		for _, c := range cs {
			if seen[c.Name()] {
				return nil, fmt.Errorf("two collectors named %q", c.Name())
			}
			seen[c.Name()] = true
			out = append(out, c)
		}
	}
	return out, nil
}

// BundlePath returns the path a file created with Sink.Create really has in the bundle: the sink
// may redact a path that holds a secret. asked is what was passed to Create.
func BundlePath(w io.Writer, asked string) string {
	if n, ok := w.(interface{ Name() string }); ok && n.Name() != "" {
		return n.Name()
	}
	return asked
}
