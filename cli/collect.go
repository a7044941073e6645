package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/collect"
	"github.com/casefile/casefile/compare"
	"github.com/casefile/casefile/spec"
	"github.com/spf13/cobra"
)

type collectOptions struct {
	ticket       string
	specRef      string
	like         string
	outDir       string
	format       string
	only, skip   []string
	add, logs    []string
	since        time.Duration
	sinceSet     bool
	sinceTime    time.Time
	until        time.Time
	untilAgo     time.Duration
	untilSet     bool
	bundleID     string
	asJSON       bool
	literals     []string
	anonymize    bool
	anonymizeMap string
	domains      []string
	root         string
	noAnalysis   bool
	upload       bool
	uploadTo     string
	uploadToken  string
	written      string // the bundle written, for --upload
	args         []string
	noDaemon     bool   // --no-daemon: collect here even when a daemon runs
	socket       string // the daemon's socket
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
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.args = os.Args
			err := runCollect(c.Context(), o, streams(c))
			if !o.upload || o.written == "" {
				return err
			}
			// The bundle is written (also when some collectors failed): send it; on a failed
			// upload the bundle stays where collect said, and the upload can be run again.
			uo := &uploadOptions{specRef: o.specRef, token: o.uploadToken, to: o.uploadTo, toStderr: true}
			if uerr := runUpload(c, uo, o.written); uerr != nil {
				fmt.Fprintf(streams(c).err, "casefile: the bundle is kept at %s; send it later with: casefile upload %s\n", termSafe(o.written), termSafe(o.written))
				return uerr
			}
			return err
		},
	}
	f := c.Flags()
	f.StringVar(&o.ticket, "ticket", "", "support ticket id, recorded and used in the file name")
	f.StringVar(&o.specRef, "spec", "", "spec file or https:// URL (default: embedded, else built-in)")
	f.StringVar(&o.like, "like", "", "run the spec.yaml of this bundle (reproduce a customer's collection here; then casefile diff)")
	f.StringVarP(&o.outDir, "out", "o", ".", "folder the bundle is written to")
	f.StringVar(&o.format, "format", "", "archive format: tar.gz, tar.zst or zip (default: the spec's, else tar.gz)")
	f.StringSliceVar(&o.only, "only", nil, "run only these collectors or families (e.g. network, system.host)")
	f.StringSliceVar(&o.skip, "skip", nil, "skip these collectors or families")
	f.StringArrayVar(&o.add, "add", nil, "also collect this file or folder (repeatable)")
	f.StringArrayVar(&o.logs, "log", nil, "also collect logs matching this glob (repeatable)")
	f.Var(&windowFlag{d: &o.since, t: &o.sinceTime, set: &o.sinceSet}, "since", "log window start: a duration back from now (2h, 7d, 1d12h) or a time (2026-11-30T08:00:00Z, 2026-11-30 08:00) (default: the spec's, else 24h)")
	f.Var(&windowFlag{d: &o.untilAgo, t: &o.until, set: &o.untilSet}, "until", "log window end: a time, or a duration back from now (default: now)")
	f.StringVar(&o.bundleID, "bundle-id", "", "bundle UUID (default: random)")
	f.BoolVar(&o.asJSON, "json", false, "print one JSON object with the result on stdout")
	f.StringArrayVar(&o.literals, "redact-literal", nil, "also redact this exact value (repeatable)")
	f.BoolVar(&o.anonymize, "anonymize", false, "replace emails, IPs, host and user names with consistent tokens")
	f.StringSliceVar(&o.domains, "domain", nil, "with --anonymize: also pseudonymize host names under this domain")
	f.StringVar(&o.anonymizeMap, "anonymize-map", "", "key and token map file (stays on this machine; implies --anonymize); reused and extended when it exists")
	f.StringVar(&o.root, "root", "/", "read host files under this folder (for testing against fixture trees)")
	f.MarkHidden("root")
	f.BoolVar(&o.upload, "upload", false, "send the bundle to the vendor's intake when written (see 'casefile upload'; the spec's upload section names it)")
	f.StringVar(&o.uploadTo, "upload-to", "", "with --upload: intake URL (default: the spec's upload.url)")
	f.StringVar(&o.uploadToken, "upload-token", "", "with --upload: upload token (default: $"+TokenEnv+", else asked on a terminal)")
	f.BoolVar(&o.noAnalysis, "no-analysis", false, "leave out findings, log signatures and report.html (to measure what analysis costs)")
	f.MarkHidden("no-analysis")
	f.BoolVar(&o.noDaemon, "no-daemon", false, "collect here even when a casefile daemon runs (its bundle would hold the monitors' history)")
	f.StringVar(&o.socket, "socket", defaultSocket(), "the casefile daemon's socket, asked first to collect")
	return c
}

// collectResult is the --json output of collect.
type collectResult = collect.Summary

// collectRequest turns flags and the process's facts into the engine's request. This is the one
// place collect reads process globals (argv, environment, host and user names, clock).
func collectRequest(ctx context.Context, o *collectOptions) (collect.Request, error) {
	created, pinned, err := creationTime()
	if err != nil {
		return collect.Request{}, usageError("%v", err)
	}
	if o.sinceSet && o.since <= 0 && o.sinceTime.IsZero() {
		return collect.Request{}, usageError("--since must be longer than 0")
	}
	until := o.until
	if o.untilSet && until.IsZero() {
		until = created.Add(-o.untilAgo)
	}
	since := o.sinceTime
	if since.IsZero() && o.sinceSet {
		since = created.Add(-o.since)
	}
	if !until.IsZero() && !since.IsZero() && !until.After(since) {
		return collect.Request{}, usageError("--until (%s) must be after --since (%s)", until.Format(time.RFC3339), since.Format(time.RFC3339))
	}
	if !o.sinceTime.IsZero() && o.sinceTime.After(created) {
		return collect.Request{}, usageError("--since %s is in the future", o.sinceTime.Format(time.RFC3339))
	}
	if err := collect.CheckLiterals(o.literals); err != nil {
		return collect.Request{}, usageError("%v", err)
	}
	if o.like != "" && o.specRef != "" {
		return collect.Request{}, usageError("--like and --spec both name the spec; give one")
	}
	load := spec.Load
	if o.like != "" {
		load = func(context.Context, string) (*spec.Spec, []byte, spec.Source, error) {
			return compare.LikeSpec(o.like)
		}
	}
	s, raw, src, err := load(ctx, o.specRef)
	if err != nil {
		return collect.Request{}, err
	}
	host, _ := os.Hostname()
	var username string
	if u, err := user.Current(); err == nil {
		username = u.Username
	}
	return collect.Request{
		Spec: s, SpecRaw: raw, SpecSource: src,
		Only: o.only, Skip: o.skip, Add: o.add, Logs: o.logs, Since: o.since, SinceTime: o.sinceTime, Until: until,
		Literals: o.literals, Domains: o.domains, Anonymize: o.anonymize, AnonymizeMap: o.anonymizeMap,
		OutDir: o.outDir, Format: o.format, BundleID: o.bundleID, Ticket: o.ticket, Root: o.root,
		Args: o.args, Environ: os.Environ(), Hostname: host, Username: username,
		Created: created, Pinned: pinned, Clock: time.Now, Owner: sudoOwner(), NoAnalysis: o.noAnalysis,
	}, nil
}

func runCollect(ctx context.Context, o *collectOptions, io *iostreams) (err error) {
	if abs, err := filepath.Abs(o.outDir); err == nil {
		o.outDir = abs // the path printed at the end is one the customer can find
	}
	defer func() {
		if err != nil && ctx.Err() != nil {
			err = withCode(ExitInterrupted, errors.New("interrupted; no bundle was written"))
		}
	}()
	// A running daemon collects (it has the privileges and the history); else collect goes on here.
	if done, err := collectViaDaemon(ctx, o, io); done {
		return err
	}
	req, err := collectRequest(ctx, o)
	if err != nil {
		return err
	}
	// What is printed about this run is redacted with this run's literals too.
	if err := io.use(collect.RedactOptions{Spec: req.Spec, Source: req.SpecSource, Literals: req.Literals, CommandSecrets: true}); err != nil {
		return err
	}
	prog := newProgress(io.err, !o.asJSON)
	req.Progress = prog.event
	req.Warn = func(w string) { fmt.Fprintln(io.err, "warning:", w) }
	res, err := collect.Run(ctx, req)
	prog.stop()
	if err != nil {
		var re *collect.RequestError
		if errors.As(err, &re) {
			return withCode(ExitUsage, err)
		}
		return err
	}
	o.written = res.Path
	m, rep := res.Manifest, res.Report
	out := res.Summary()
	if o.asJSON {
		if err := writeJSON(io.out, out); err != nil {
			return err
		}
	} else {
		printSummary(io.err, m.Collectors)
		printFindingRows(io.err, out.Findings, false)
		fmt.Fprintf(io.err, "redacted %d values in %d files", rep.Total, rep.Files)
		if len(rep.Dropped) > 0 {
			fmt.Fprintf(io.err, "; %d files left out because they could not be redacted", len(rep.Dropped))
		}
		fmt.Fprintln(io.err)
		printNextStep(io.err, res)
		fmt.Fprintln(io.out, res.Path)
	}
	if res.Failed() {
		return withCode(ExitPartial, nil)
	}
	return nil
}

// printNextStep says where the bundle is, how big, how its name was derived from the ticket when
// it differs, and what to do with it.
func printNextStep(w io.Writer, res *collect.Result) {
	size := int64(0)
	if st, err := os.Stat(res.Path); err == nil {
		size = st.Size()
	}
	fmt.Fprintf(w, "wrote %s (%s)\n", termSafe(res.Path), humanBytes(size))
	if t := res.Manifest.Ticket; t != "" {
		if in := bundle.NameTicket(t); in != t {
			fmt.Fprintf(w, "ticket %q is %q in the file name (letters, digits and dots kept, at most 64); the manifest keeps it whole\n", t, in)
		}
		fmt.Fprintf(w, "next: attach this file to ticket %s, or send it the way your support contact asks\n", termSafe(t))
	} else {
		fmt.Fprintln(w, "next: attach this file to your support ticket, or send it the way your support contact asks")
	}
}

// sudoOwner is the user who ran casefile through sudo, when root runs it so: the bundle is given
// to them, so the desktop user can attach it.
func sudoOwner() *collect.Owner {
	if os.Geteuid() != 0 {
		return nil
	}
	uid, err1 := strconv.Atoi(os.Getenv("SUDO_UID"))
	gid, err2 := strconv.Atoi(os.Getenv("SUDO_GID"))
	if err1 != nil || err2 != nil || uid <= 0 {
		return nil
	}
	return &collect.Owner{UID: uid, GID: gid}
}

// creationTime is now, or SOURCE_DATE_EPOCH when set (then pinned: durations read 0).
func creationTime() (time.Time, bool, error) {
	if v, ok := os.LookupEnv("SOURCE_DATE_EPOCH"); ok && v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		// JSON times end at year 9999 (RFC 3339); later ones would fail after collecting.
		if err != nil || n < 0 || n > 253402300799 {
			return time.Time{}, false, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want seconds since 1970 as an integer, up to 253402300799 (year 9999)", v)
		}
		return time.Unix(n, 0).UTC(), true, nil
	}
	return time.Now().UTC().Truncate(time.Second), false, nil
}

// windowFlag is --since or --until: a duration back from now (the spec's units: 30s, 2h, 7d,
// 1d12h) or an absolute time.
type windowFlag struct {
	d   *time.Duration
	t   *time.Time
	set *bool
}

// windowTimeLayouts are the absolute forms accepted; without a zone the time is UTC.
var windowTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"}

func (f *windowFlag) String() string {
	switch {
	case f.t != nil && !f.t.IsZero():
		return f.t.Format(time.RFC3339)
	case f.d != nil && *f.d != 0:
		return f.d.String()
	}
	return ""
}

func (f *windowFlag) Set(v string) error {
	if d, err := spec.ParseDuration(v); err == nil {
		*f.d, *f.t, *f.set = d, time.Time{}, true
		return nil
	} else if v == "" || (v[0] < '0' || v[0] > '9') || !strings.Contains(v, "-") {
		return err
	}
	for _, l := range windowTimeLayouts {
		if t, err := time.Parse(l, v); err == nil {
			*f.t, *f.d, *f.set = t.UTC(), 0, true
			return nil
		}
	}
	return fmt.Errorf("invalid time %q (examples: 2h, 7d, 2026-11-30T08:00:00Z, 2026-11-30 08:00)", v)
}

func (f *windowFlag) Type() string { return "duration|time" }
