package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/internal/buildinfo"
	"github.com/casefile/casefile/redact"
	"github.com/casefile/casefile/spec"
	"github.com/google/uuid"
	"github.com/spf13/cobra"
)

type collectOptions struct {
	ticket       string
	specRef      string
	outDir       string
	format       string
	only, skip   []string
	add, logs    []string
	since        time.Duration
	sinceSet     bool
	bundleID     string
	asJSON       bool
	literals     []string
	anonymize    bool
	anonymizeMap string
	domains      []string
	root         string
	args         []string
}

func newCollectCmd() *cobra.Command {
	o := &collectOptions{}
	c := &cobra.Command{
		Use:   "collect",
		Short: "Collect diagnostics into a redacted, reproducible bundle",
		Long: `Collect runs the spec's collectors (the spec embedded at build time, else the
built-in default: facts about this machine, nothing on the network), redacts every
secret before it touches disk, and writes one bundle to attach to a support ticket.

Set SOURCE_DATE_EPOCH and --bundle-id to make two runs over the same content give
byte-identical archives.`,
		Example: `  casefile collect --ticket 4821
  casefile collect --spec vendor.yaml --only network --json
  casefile collect --add /etc/myapp --redact-literal hunter2`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.args = os.Args
			return runCollect(c.Context(), o, c.OutOrStdout(), c.ErrOrStderr())
		},
	}
	f := c.Flags()
	f.StringVar(&o.ticket, "ticket", "", "support ticket id, recorded and used in the file name")
	f.StringVar(&o.specRef, "spec", "", "spec file or https:// URL (default: embedded, else built-in)")
	f.StringVarP(&o.outDir, "out", "o", ".", "folder the bundle is written to")
	f.StringVar(&o.format, "format", "", "archive format: tar.gz, tar.zst or zip (default: the spec's, else tar.gz)")
	f.StringSliceVar(&o.only, "only", nil, "run only these collectors or families (e.g. network, system.host)")
	f.StringSliceVar(&o.skip, "skip", nil, "skip these collectors or families")
	f.StringArrayVar(&o.add, "add", nil, "also collect this file or folder (repeatable)")
	f.StringArrayVar(&o.logs, "log", nil, "also collect logs matching this glob (repeatable)")
	f.Var(&durationFlag{d: &o.since, set: &o.sinceSet}, "since", "log window, e.g. 2h or 7d (default: the spec's, else 24h)")
	f.StringVar(&o.bundleID, "bundle-id", "", "bundle UUID (default: random)")
	f.BoolVar(&o.asJSON, "json", false, "print one JSON object with the result on stdout")
	f.StringArrayVar(&o.literals, "redact-literal", nil, "also redact this exact value (repeatable)")
	f.BoolVar(&o.anonymize, "anonymize", false, "replace emails, IPs, host and user names with consistent tokens")
	f.StringSliceVar(&o.domains, "domain", nil, "with --anonymize: also pseudonymize host names under this domain")
	f.StringVar(&o.anonymizeMap, "anonymize-map", "", "key and token map file (stays on this machine; implies --anonymize); reused and extended when it exists")
	f.StringVar(&o.root, "root", "/", "read host files under this folder (for testing against fixture trees)")
	f.MarkHidden("root")
	return c
}

// collectResult is the --json output of collect.
type collectResult struct {
	Bundle     string              `json:"bundle"`
	BundleID   string              `json:"bundle_id"`
	CreatedAt  time.Time           `json:"created_at"`
	Ticket     string              `json:"ticket,omitempty"`
	Status     string              `json:"status"` // ok | partial
	Collectors []collectors.Result `json:"collectors"`
	Files      int                 `json:"files"`
	Bytes      int64               `json:"bytes"`
	Redacted   int                 `json:"redacted"`
	RedactedIn int                 `json:"redacted_files"`
	Dropped    int                 `json:"dropped"`
}

func runCollect(ctx context.Context, o *collectOptions, stdout, stderr io.Writer) (err error) {
	defer func() {
		if err != nil && ctx.Err() != nil {
			err = withCode(ExitInterrupted, errors.New("interrupted; no bundle was written"))
		}
	}()
	if o.bundleID == "" {
		o.bundleID = uuid.NewString()
	} else if id, err := uuid.Parse(o.bundleID); err != nil {
		return usageError("--bundle-id %q: not a UUID", o.bundleID)
	} else {
		o.bundleID = id.String()
	}
	created, pinned, err := creationTime()
	if err != nil {
		return usageError("%v", err)
	}
	if o.sinceSet && o.since <= 0 {
		return usageError("--since must be longer than 0")
	}
	for _, l := range o.literals {
		if len(strings.TrimSpace(l)) < minLiteral {
			return usageError("--redact-literal needs a value of at least %d characters (a shorter one would redact ordinary text)", minLiteral)
		}
	}
	if o.anonymizeMap != "" {
		o.anonymize = true
	}
	s, raw, src, err := spec.Load(ctx, o.specRef)
	if err != nil {
		return err
	}
	format := s.Bundle.Format
	if o.format != "" {
		format = o.format
	}
	if err := bundle.CheckFormat(format); err != nil {
		return usageError("--format: %v", err)
	}
	if err := os.MkdirAll(o.outDir, 0o755); err != nil {
		return usageError("--out %s: %v", o.outDir, err)
	}
	if st, err := os.Stat(o.outDir); err != nil || !st.IsDir() {
		return usageError("--out %s: not a folder", o.outDir)
	}

	rcfg := redactConfig(s, src, o)
	if err := setupAnonymize(&rcfg, o.anonymizeMap); err != nil {
		return err
	}
	if err := addCommandEnvSecrets(&rcfg, s); err != nil {
		return err
	}
	eng, err := redact.New(rcfg)
	if err != nil {
		return err
	}

	opts := collectors.Options{Spec: s, Root: o.root, Add: o.add, Logs: o.logs, Since: o.since, Now: created, Redactor: eng}
	all, err := registry().Build(opts)
	if err != nil {
		return err
	}
	if errs, warnings := checkSpecNames(s, all); len(errs) > 0 {
		return errs
	} else {
		for _, w := range warnings {
			fmt.Fprintln(stderr, "warning:", w)
		}
	}
	only := o.only
	if len(only) == 0 {
		only = s.Collectors.Only
	}
	// What the customer named on the command line is collected whatever --only says.
	if len(only) > 0 && len(o.add) > 0 {
		only = append(only, "files.added")
	}
	if len(only) > 0 && len(o.logs) > 0 {
		only = append(only, "logs.extra")
	}
	selected, err := collectors.Select(all, only, o.skip, s.Collectors.Disable)
	if err != nil {
		return usageError("%v", err)
	}
	if len(selected) == 0 {
		return usageError("nothing to collect: --only/--skip and the spec leave no collector (this spec has: %s)", collectorNames(all))
	}

	stage, err := bundle.NewStage(o.outDir, eng, bundle.Limits{
		MaxFileSize:      int64(s.Collectors.MaxFileSize),
		MaxCollectorSize: int64(s.Collectors.MaxCollectorSize),
		MaxBundleSize:    int64(s.Bundle.MaxSize),
	})
	if err != nil {
		return err
	}
	defer stage.Cleanup()

	prog := newProgress(stderr, !o.asJSON)
	runner := &collectors.Runner{
		Concurrency: s.Collectors.Concurrency,
		Timeout:     s.TimeoutFor,
		Pinned:      pinned,
		Now:         func() time.Time { return created },
		Sink:        func(c collectors.Collector) collectors.RunSink { return stage.Sink(c) },
		Progress:    prog.event,
	}
	if !pinned {
		runner.Now = time.Now
	}
	results, err := runner.Run(ctx, selected)
	prog.stop()
	if err != nil {
		return err
	}

	host := hostName(eng)
	if err := writeMetadata(ctx, stage, s, eng, o, host); err != nil {
		return err
	}
	rep := eng.Report()
	if err := stage.WriteRawJSON("redaction.json", rep, "counts per rule and per bundle path; holds no values"); err != nil {
		return err
	}
	sum := sha256.Sum256(raw)
	m := &bundle.Manifest{
		SchemaVersion: bundle.SchemaVersion,
		BundleID:      o.bundleID,
		CreatedAt:     created,
		Ticket:        eng.String("manifest.json", o.ticket),
		Host:          host,
		Tool:          buildinfo.Get(),
		Spec:          bundle.SpecInfo{Name: s.Metadata.Name, Source: src.Kind, SHA256: hex.EncodeToString(sum[:])},
		Format:        format,
		Limits:        bundle.Limits{MaxFileSize: int64(s.Collectors.MaxFileSize), MaxCollectorSize: int64(s.Collectors.MaxCollectorSize), MaxBundleSize: int64(s.Bundle.MaxSize)},
		Collectors:    results,
		Redaction:     bundle.RedactionSummary{Total: rep.Total, Files: rep.Files, Dropped: len(rep.Dropped)},
	}
	for i := range m.Collectors {
		m.Collectors[i].Error = eng.String("manifest.json", m.Collectors[i].Error)
	}
	path, err := stage.Write(ctx, m, o.outDir)
	if err != nil {
		return err
	}
	if o.anonymizeMap != "" {
		if err := writeAnonMap(o.anonymizeMap, eng); err != nil {
			return err
		}
	}

	res := collectResult{Bundle: path, BundleID: m.BundleID, CreatedAt: m.CreatedAt, Ticket: m.Ticket, Status: "ok",
		Collectors: results, Redacted: rep.Total, RedactedIn: rep.Files, Dropped: len(rep.Dropped)}
	for _, f := range m.Files {
		res.Files++
		res.Bytes += f.Size
	}
	if m.Failed() {
		res.Status = "partial"
	}
	if o.asJSON {
		if err := writeJSON(stdout, res); err != nil {
			return err
		}
	} else {
		printSummary(stderr, results)
		fmt.Fprintf(stderr, "redacted %d values in %d files", rep.Total, rep.Files)
		if len(rep.Dropped) > 0 {
			fmt.Fprintf(stderr, "; %d files left out because they could not be redacted", len(rep.Dropped))
		}
		fmt.Fprintln(stderr)
		fmt.Fprintln(stdout, path)
	}
	if m.Failed() {
		return withCode(ExitPartial, nil)
	}
	return nil
}

// creationTime is now, or SOURCE_DATE_EPOCH when set (then pinned: durations read 0).
func creationTime() (time.Time, bool, error) {
	if v, ok := os.LookupEnv("SOURCE_DATE_EPOCH"); ok && v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return time.Time{}, false, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want seconds since 1970 as an integer", v)
		}
		return time.Unix(n, 0).UTC(), true, nil
	}
	return time.Now().UTC().Truncate(time.Second), false, nil
}

func redactConfig(s *spec.Spec, src spec.Source, o *collectOptions) redact.Config {
	cfg := redact.Config{
		Literals:  append(append([]string{}, s.Redact.Literals...), o.literals...),
		Keys:      s.Redact.Keys,
		Disable:   s.Redact.Disable,
		Anonymize: s.Redact.Anonymize || o.anonymize,
		Domains:   append(append([]string{}, s.Redact.Domains...), o.domains...),
	}
	for _, r := range s.Redact.Regexes {
		cfg.Regexes = append(cfg.Regexes, redact.Rule{ID: r.ID, Pattern: r.Pattern, File: src.Name, Line: r.Line})
	}
	return cfg
}

// hostName is this machine's name for the bundle: its pseudonym when anonymizing.
func hostName(eng *redact.Engine) string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "host"
	}
	return eng.HostToken(h)
}

// durationFlag is a --flag taking the spec's durations (30s, 2h, 7d).
type durationFlag struct {
	d   *time.Duration
	set *bool
}

func (f *durationFlag) String() string {
	if f.d == nil || *f.d == 0 {
		return ""
	}
	return f.d.String()
}

func (f *durationFlag) Set(v string) error {
	d, err := spec.ParseDuration(v)
	if err != nil {
		return err
	}
	*f.d, *f.set = d, true
	return nil
}

func (f *durationFlag) Type() string { return "duration" }

func collectorNames(cs []collectors.Collector) string {
	names := make([]string, 0, len(cs))
	for _, c := range cs {
		names = append(names, c.Name())
	}
	return strings.Join(names, ", ")
}

// addCommandEnvSecrets makes the values a spec gives commands in sensitive environment variables
// (env: [ACME_TOKEN=...]) literals: a command that prints its environment would otherwise show
// them bare, with no key beside them.
func addCommandEnvSecrets(cfg *redact.Config, s *spec.Spec) error {
	probe, err := redact.New(*cfg)
	if err != nil {
		return err
	}
	for _, c := range s.Commands {
		for _, kv := range c.Env {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || len(v) < minLiteral {
				continue
			}
			if probe.String("spec", k+"="+v) != k+"="+v {
				cfg.Literals = append(cfg.Literals, v)
			}
		}
	}
	return nil
}
