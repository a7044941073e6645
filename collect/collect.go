// Package collect is the collection engine: the one way a bundle is made. The CLI, the daemon and
// remote requests call Run with a Request; nothing below reads process globals (argv, the
// environment, the host name, the clock): the caller injects them.
package collect

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/casefile/casefile/analyze"
	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/internal/buildinfo"
	"github.com/casefile/casefile/redact"
	"github.com/casefile/casefile/report"
	"github.com/casefile/casefile/spec"
	"github.com/google/uuid"
)

// Request is everything one collection needs.
type Request struct {
	// Spec is the parsed effective spec, SpecRaw its bytes (for the digest), SpecSource where it
	// came from.
	Spec       *spec.Spec
	SpecRaw    []byte
	SpecSource spec.Source

	// Only and Skip select collectors by name or family (--only/--skip); empty Only means the
	// spec's collectors.only, else all.
	Only, Skip []string
	// Add and Logs are files/folders and log globs the customer added; Since the log window.
	Add, Logs []string
	Since     time.Duration
	// SinceTime and Until bound the log window absolutely (--since TIME, --until); zero: open.
	SinceTime, Until time.Time

	// Literals are extra exact values to redact; Domains extra domains to pseudonymize.
	Literals []string
	Domains  []string
	// Anonymize pseudonymizes emails, IPs, host and user names. AnonymizeMap, when set, is the
	// key and token map file kept on this machine (implies Anonymize).
	Anonymize    bool
	AnonymizeMap string

	// OutDir is the folder the bundle is written to (created if missing); Format overrides the
	// spec's archive format.
	OutDir string
	Format string
	// BundleID is the bundle's UUID (random when empty). Ticket names the support ticket.
	BundleID string
	Ticket   string

	// Root prefixes every host path the collectors read ("/" in production).
	Root string

	// Injected process facts.
	Args     []string         // the command line, recorded (redacted) in environment.json
	Environ  []string         // KEY=value, the environment recorded (names, allowlisted values)
	Hostname string           // this machine's name ("" = unknown)
	Username string           // the current user's name, pseudonymized when anonymizing
	Created  time.Time        // created_at
	Pinned   bool             // Created is pinned (SOURCE_DATE_EPOCH): starts = Created, durations 0
	Clock    func() time.Time // collector start times when not pinned (default time.Now)

	// NoAnalysis leaves out findings.json, logs/signatures.json and report.html (for measuring
	// what analysis costs, and for callers that analyze elsewhere).
	NoAnalysis bool

	// Owner, when set, receives the bundle and the anonymization map (the user behind sudo).
	Owner *Owner

	// Progress, when set, is told when each collector starts and ends (serialised).
	Progress func(collectors.Event)
	// Warn, when set, receives warnings (a spec naming a collector this machine lacks). The text
	// has passed through the redactor.
	Warn func(string)

	// Registry builds the collectors (nil: the default families). Extra are further collectors
	// the caller adds (the daemon adds its history); they are selected like the others.
	Registry *collectors.Registry
	Extra    []collectors.Collector
}

// Owner is a numeric user and group.
type Owner struct{ UID, GID int }

// Result is what a collection produced.
type Result struct {
	Path     string
	Manifest *bundle.Manifest
	Report   redact.Report
	// Engine is the redaction engine the bundle was made with (its literals and rules), for
	// redacting whatever the caller prints about this run.
	Engine *redact.Engine
	// Findings are the bundle's findings.json.
	Findings analyze.Findings
}

// Failed reports whether a collector failed or timed out (exit code 3).
func (r *Result) Failed() bool { return r.Manifest.Failed() }

// RequestError is a request that cannot run as given (a bad flag value); the CLI maps it to
// the usage exit code.
type RequestError struct{ Err error }

func (e *RequestError) Error() string { return e.Err.Error() }
func (e *RequestError) Unwrap() error { return e.Err }

func badRequest(format string, args ...any) error {
	return &RequestError{Err: fmt.Errorf(format, args...)}
}

// checkGlobs rejects a --log or --add pattern that is no valid glob ('/x/['), before anything is
// collected. An --add path that exists as written is a path, whatever characters it holds.
func checkGlobs(req Request) error {
	for _, flag := range []struct {
		name  string
		globs []string
	}{{"--log", req.Logs}, {"--add", req.Add}} {
		for _, g := range flag.globs {
			if !collectors.HasGlobMeta(g) || doublestar.ValidatePattern(filepath.ToSlash(g)) {
				continue
			}
			if flag.name == "--add" {
				if _, err := os.Lstat(filepath.Join(req.Root, g)); err == nil {
					continue
				}
			}
			return badRequest("%s %q: not a valid pattern (an unclosed [ or {?); patterns take * ? [...] {a,b} and **", flag.name, g)
		}
	}
	return nil
}

// MinLiteral is the shortest literal secret accepted; a shorter one would redact ordinary text.
const MinLiteral = 3

// CheckLiterals validates literal secrets given on a command line.
func CheckLiterals(lits []string) error {
	for _, l := range lits {
		if len(strings.TrimSpace(l)) < MinLiteral {
			return badRequest("--redact-literal needs a value of at least %d characters (a shorter one would redact ordinary text)", MinLiteral)
		}
	}
	return nil
}

// Run collects one bundle. On cancellation it returns ctx.Err() and leaves nothing behind.
func Run(ctx context.Context, req Request) (*Result, error) {
	if req.Spec == nil {
		return nil, errors.New("collect: no spec")
	}
	s := req.Spec
	if req.BundleID == "" {
		req.BundleID = uuid.NewString()
	} else if id, err := uuid.Parse(req.BundleID); err != nil {
		return nil, badRequest("--bundle-id %q: not a UUID", req.BundleID)
	} else {
		req.BundleID = id.String()
	}
	if req.Created.IsZero() {
		req.Created = time.Now().UTC().Truncate(time.Second)
	}
	if req.Clock == nil {
		req.Clock = time.Now
	}
	if req.Since < 0 {
		return nil, badRequest("--since must be longer than 0")
	}
	if err := CheckLiterals(req.Literals); err != nil {
		return nil, err
	}
	if err := checkGlobs(req); err != nil {
		return nil, err
	}
	if req.AnonymizeMap != "" {
		req.Anonymize = true
	}
	if req.OutDir == "" {
		req.OutDir = "."
	}
	format := s.Bundle.Format
	if req.Format != "" {
		format = req.Format
	}
	if err := bundle.CheckFormat(format); err != nil {
		return nil, badRequest("--format: %v", err)
	}
	if err := os.MkdirAll(req.OutDir, 0o755); err != nil {
		return nil, badRequest("--out %s: %v", req.OutDir, err)
	}
	if st, err := os.Stat(req.OutDir); err != nil || !st.IsDir() {
		return nil, badRequest("--out %s: not a folder", req.OutDir)
	}

	eng, err := NewEngine(RedactOptions{
		Spec: s, Source: req.SpecSource, Literals: req.Literals, Domains: req.Domains,
		Anonymize: req.Anonymize, AnonymizeMap: req.AnonymizeMap,
		Hostname: req.Hostname, Username: req.Username, CommandSecrets: true,
	})
	if err != nil {
		return nil, err
	}

	reg := req.Registry
	if reg == nil {
		reg = DefaultRegistry()
	}
	opts := collectors.Options{Spec: s, Root: req.Root, Add: req.Add, Logs: req.Logs, Since: req.Since,
		SinceTime: req.SinceTime, Until: req.Until, Now: req.Created, Redactor: eng}
	all, err := reg.Build(opts)
	if err != nil {
		return nil, err
	}
	all = append(all, req.Extra...)
	errs, warnings := collectors.CheckSpecNames(s, all, BuiltinRuleIDs())
	if len(errs) > 0 {
		return nil, errs
	}
	for _, w := range warnings {
		warn(&req, eng, w)
	}
	only := req.Only
	if len(only) == 0 {
		only = s.Collectors.Only
	}
	// What the customer named on the command line is collected whatever --only says.
	if len(only) > 0 && len(req.Add) > 0 {
		only = append(only, "files.added")
	}
	if len(only) > 0 && len(req.Logs) > 0 {
		only = append(only, "logs.extra")
	}
	selected, err := collectors.Select(all, only, req.Skip, s.Collectors.Disable)
	if err != nil {
		return nil, &RequestError{Err: err}
	}
	if len(selected) == 0 {
		return nil, badRequest("nothing to collect: --only/--skip and the spec leave no collector (this spec has: %s)", collectorNames(all))
	}

	limits := bundle.Limits{
		MaxFileSize:      int64(s.Collectors.MaxFileSize),
		MaxCollectorSize: int64(s.Collectors.MaxCollectorSize),
		MaxBundleSize:    int64(s.Bundle.MaxSize),
	}
	// Leftovers of runs that were killed (SIGKILL, OOM) are removed, and said so.
	if removed, err := bundle.RemoveStale(req.OutDir); err != nil {
		warn(&req, eng, err.Error())
	} else if len(removed) > 0 {
		warn(&req, eng, fmt.Sprintf("removed %d temporary files of casefile runs that were killed: %s", len(removed), strings.Join(removed, ", ")))
	}
	// The map that reverses the pseudonyms must be writable before anything is collected:
	// a bundle whose map is lost cannot be read back.
	if req.AnonymizeMap != "" {
		if err := checkWritable(req.AnonymizeMap); err != nil {
			return nil, badRequest("--anonymize-map %s: %v", req.AnonymizeMap, err)
		}
	}
	stage, err := bundle.NewStage(req.OutDir, eng, limits)
	if err != nil {
		// One rule for the output folder: whatever is wrong with it is a usage error naming it.
		return nil, badRequest("--out %s: cannot write there (%v); choose a folder you can write to with --out", req.OutDir, errors.Unwrap(err))
	}
	defer stage.Cleanup()

	runner := &collectors.Runner{
		Concurrency: s.Collectors.Concurrency,
		Timeout:     s.TimeoutFor,
		Pinned:      req.Pinned,
		Now:         req.Clock,
		Sink:        func(c collectors.Collector) collectors.RunSink { return stage.Sink(c) },
		Progress:    req.Progress,
	}
	if req.Pinned {
		created := req.Created
		runner.Now = func() time.Time { return created }
	}
	results, err := runner.Run(ctx, selected)
	if err != nil {
		return nil, err
	}

	host := "host"
	if req.Hostname != "" {
		host = eng.HostToken(req.Hostname)
	}
	if err := writeMetadata(ctx, stage, &req, eng, host); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(req.SpecRaw)
	m := &bundle.Manifest{
		SchemaVersion: bundle.SchemaVersion,
		BundleID:      req.BundleID,
		CreatedAt:     req.Created,
		Ticket:        req.Ticket,
		Host:          host,
		Tool:          buildinfo.Get(),
		Spec:          bundle.SpecInfo{Name: s.Metadata.Name, Source: req.SpecSource.Kind, SHA256: hex.EncodeToString(sum[:])},
		Format:        format,
		Limits:        limits,
		Collectors:    results,
	}
	// Analysis reads what was staged (redacted, as the bundle holds it) and the collectors'
	// results, never the live machine; findings.json is staged like every file.
	var findings analyze.Findings
	if !req.NoAnalysis {
		findings = analyzeStage(stage, m)
		if err := stage.WriteJSON("findings.json", findings, "casefile"); err != nil {
			return nil, err
		}
		if err := reportStage(stage, eng, m, findings); err != nil {
			return nil, err
		}
	}
	path, err := stage.Write(ctx, m, req.OutDir)
	if err != nil {
		return nil, err
	}
	if req.AnonymizeMap != "" {
		if err := writeAnonMap(req.AnonymizeMap, eng); err != nil {
			return nil, err
		}
	}
	if o := req.Owner; o != nil {
		// Under sudo the files belong to the user who asked, so they can attach them.
		if err := os.Chown(path, o.UID, o.GID); err != nil {
			return nil, fmt.Errorf("giving %s to uid %d: %w", path, o.UID, err)
		}
		if req.AnonymizeMap != "" {
			os.Chown(req.AnonymizeMap, o.UID, o.GID)
		}
	}
	return &Result{Path: path, Manifest: m, Report: eng.Report(), Engine: eng, Findings: findings}, nil
}

func collectorNames(cs []collectors.Collector) string {
	names := make([]string, 0, len(cs))
	for _, c := range cs {
		names = append(names, c.Name())
	}
	return strings.Join(names, ", ")
}

func warn(req *Request, eng *redact.Engine, msg string) {
	if req.Warn != nil {
		req.Warn(eng.String("warning", msg))
	}
}

// checkWritable checks that the file at p can be written (created, or opened for writing),
// without changing an existing one.
func checkWritable(p string) error {
	if f, err := os.OpenFile(p, os.O_WRONLY, 0); err == nil {
		return f.Close()
	}
	probe := p + ".tmp"
	f, err := os.OpenFile(probe, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return errors.Unwrap(err)
	}
	f.Close()
	return os.Remove(probe)
}

// analyzeStage runs the built-in analyzers over the staged files, with manifest.json (not staged
// until the archive is written) taken from m.
func analyzeStage(stage *bundle.Stage, m *bundle.Manifest) analyze.Findings {
	man, _ := json.Marshal(m)
	src := overlay{base: analyze.DirSource(stage.ContentDir()), files: analyze.MapSource{"manifest.json": man}}
	// Log signatures are staged (through the redactor) first; log.burst reads them. Should
	// staging fail (a cap), the analyzer computes them from the logs again.
	if sigs := analyze.Signatures(src); len(sigs.Sources) > 0 {
		stage.WriteJSON(analyze.SignaturesPath, sigs, "casefile")
	}
	return analyze.Analyze(src)
}

// reportStage stages report.html, rendered from the same staged files as the findings, with
// manifest.json and redaction.json (both written with the archive) taken from m and eng.
func reportStage(stage *bundle.Stage, eng *redact.Engine, m *bundle.Manifest, f analyze.Findings) error {
	// The manifest's free text is redacted value by value when the archive is written, after
	// this: the page gets a copy redacted the same way now.
	c := *m
	c.Collectors = append([]collectors.Result{}, m.Collectors...)
	for _, p := range []*string{&c.Ticket, &c.Host, &c.Spec.Name, &c.Spec.Source} {
		if *p != "" {
			*p = eng.String("report.html", *p)
		}
	}
	for i := range c.Collectors {
		if c.Collectors[i].Error != "" {
			c.Collectors[i].Error = eng.String("report.html", c.Collectors[i].Error)
		}
	}
	man, _ := json.Marshal(&c)
	rep := eng.Report()
	red, _ := json.Marshal(rep)
	var buf bytes.Buffer
	src := overlay{base: analyze.DirSource(stage.ContentDir()), files: analyze.MapSource{"manifest.json": man, "redaction.json": red}}
	if err := report.Write(&buf, src, f); err != nil {
		return err
	}
	return stage.WriteFile("report.html", buf.Bytes(), "casefile")
}

// overlay is a Source whose files override the base's.
type overlay struct {
	base  analyze.Source
	files analyze.MapSource
}

func (o overlay) ReadFile(p string) ([]byte, error) {
	if b, ok := o.files[p]; ok {
		return b, nil
	}
	return o.base.ReadFile(p)
}

// Open streams a file of the base (the stage) when it can: signatures read large logs that way.
func (o overlay) Open(p string) (io.ReadSeekCloser, int64, error) {
	if op, ok := o.base.(analyze.Opener); ok {
		if _, over := o.files[p]; !over {
			return op.Open(p)
		}
	}
	b, err := o.ReadFile(p)
	if err != nil {
		return nil, 0, err
	}
	return nopCloser{bytes.NewReader(b)}, int64(len(b)), nil
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func (o overlay) List() []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range [][]string{o.files.List(), o.base.List()} {
		for _, p := range l {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	sort.Strings(out)
	return out
}
