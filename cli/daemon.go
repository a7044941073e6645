package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/collect"
	"github.com/casefile/casefile/daemon"
	"github.com/casefile/casefile/internal/buildinfo"
	"github.com/casefile/casefile/spec"
)

// SocketEnv names the environment variable that overrides the daemon's default socket for
// casefile daemon, status and collect.
const SocketEnv = "CASEFILE_SOCKET"

type daemonOptions struct {
	specRef, stateDir, socket, tokenFile, logLevel string
	// remote is the remote-requests loop (set by the remote requests' own file, see daemonExtras).
	remote daemon.Remote
}

// daemonExtras lets other files of this package add to `casefile daemon` (subcommands such as
// install and uninstall, flags such as --enroll, the remote-requests loop in o.remote) without
// editing this one: each runs once when the command is built.
var daemonExtras []func(c *cobra.Command, o *daemonOptions)

func defaultSocket() string {
	if s := os.Getenv(SocketEnv); s != "" {
		return s
	}
	return daemon.DefaultSocket
}

func newDaemonCmd() *cobra.Command {
	o := &daemonOptions{}
	c := &cobra.Command{
		Use:   "daemon",
		Short: "Run the spec's monitors, keep their history, serve 'casefile status' and 'casefile collect' (foreground)",
		Long: `Run in the foreground until SIGTERM or SIGINT: the spec's monitors run on their intervals
and their results go to a bounded history in the state folder; a local API on a Unix socket
(a named pipe on Windows) serves 'casefile status' and 'casefile collect', whose bundles then
hold the history as daemon/history.jsonl. A monitor's trigger collects a bundle by itself when
the monitor keeps failing. SIGHUP reloads the spec; a spec with errors is refused and the
running one stays. Only root, the daemon's own user and members of the spec's
daemon.socket_group may use the socket. See docs/daemon.md.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runDaemon(c, o) },
	}
	f := c.Flags()
	f.StringVar(&o.specRef, "spec", "", "spec file or https:// URL (default: embedded, else built-in); read again on SIGHUP")
	f.StringVar(&o.stateDir, "state-dir", daemon.DefaultStateDir, "folder for the history, triggered bundles and upload state")
	f.StringVar(&o.socket, "socket", defaultSocket(), "local API socket (named pipe on Windows; $"+SocketEnv+" overrides the default)")
	f.StringVar(&o.tokenFile, "upload-token-file", "", "file holding the upload token for triggered uploads (default: $"+TokenEnv+")")
	f.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	for _, x := range daemonExtras {
		x(c, o)
	}
	return c
}

func runDaemon(c *cobra.Command, o *daemonOptions) error {
	ctx := c.Context()
	ios := streams(c)
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return usageError("--log-level %q: want debug, info, warn or error", o.logLevel)
	}
	ref := o.specRef
	if ref != "" && ref != "-" && !strings.Contains(ref, "://") {
		abs, err := filepath.Abs(ref)
		if err != nil {
			return usageError("--spec %s: %v", ref, err)
		}
		ref = abs
	} else if ref == "-" {
		return usageError("--spec -: the daemon reads its spec again on SIGHUP; give a file or URL")
	}
	token := strings.TrimSpace(os.Getenv(TokenEnv))
	if o.tokenFile != "" {
		b, err := os.ReadFile(o.tokenFile)
		if err != nil {
			return usageError("--upload-token-file: %v", err)
		}
		token = strings.TrimSpace(string(b))
	}
	lits := []string{}
	if token != "" {
		lits = append(lits, token)
	}
	// The log passes through the command's redacting stream (built-in rules and the token) on
	// top of the daemon's own redaction with the spec's rules.
	if err := ios.use(collect.RedactOptions{Literals: lits}); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(ios.err, &slog.HandlerOptions{Level: level}))
	host, _ := os.Hostname()
	username := ""
	if u, err := user.Current(); err == nil {
		username = u.Username
	}
	d, err := daemon.New(ctx, daemon.Config{
		Load: func(ctx context.Context) (*spec.Spec, []byte, spec.Source, error) {
			return spec.Load(ctx, ref)
		},
		StateDir: o.stateDir, Socket: o.socket, Log: log, Version: buildinfo.Get().Version,
		Environ: os.Environ(), Hostname: host, Username: username, Root: "/",
		UploadToken: token, Remote: o.remote,
	})
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("%w (run the daemon as root, or give it --state-dir and --socket you can write)", err)
	}
	if err != nil {
		return err
	}
	if err := ios.use(collect.RedactOptions{Spec: d.Spec(), Literals: lits, CommandSecrets: true}); err != nil {
		d.Close()
		return err
	}
	go trimMemory(ctx)
	return d.Run(ctx)
}

// trimMemory keeps a long-running daemon small: the heap grows to half its live size between
// collections (GOGC=50, unless $GOGC says otherwise), and once a minute what the heap freed is
// given back to the OS and, on Linux, the resident pages of the executable are dropped (see
// releaseExecutablePages), which a process idle between checks does not need to hold. Measured
// in docs/benchmarks.md (scripts/bench-daemon.sh).
func trimMemory(ctx context.Context) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	releaseExecutablePages()
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			debug.FreeOSMemory()
			releaseExecutablePages()
		}
	}
}

// collectViaDaemon asks a running daemon to collect, when the flags allow it: the daemon runs
// with its own spec and privileges, and its bundle holds the monitors' history. It reports
// false when collect should go on by itself: --no-daemon, a flag the daemon cannot serve (its
// spec is its own, and it reads no paths a client names), or no daemon answering.
func collectViaDaemon(ctx context.Context, o *collectOptions, io *iostreams) (bool, error) {
	if o.noDaemon || o.specRef != "" || o.like != "" || len(o.add) > 0 || len(o.logs) > 0 ||
		o.anonymizeMap != "" || (o.root != "" && o.root != "/") || o.noAnalysis || os.Getenv("SOURCE_DATE_EPOCH") != "" {
		return false, nil
	}
	if err := collect.CheckLiterals(o.literals); err != nil {
		return true, usageError("%v", err)
	}
	now := time.Now().UTC()
	req := daemon.CollectRequest{Ticket: o.ticket, Only: o.only, Skip: o.skip, Format: o.format, BundleID: o.bundleID,
		Literals: o.literals, Anonymize: o.anonymize, Domains: o.domains, Args: o.args, SinceTime: o.sinceTime, Until: o.until}
	if o.sinceSet && o.sinceTime.IsZero() {
		if o.since <= 0 {
			return true, usageError("--since must be longer than 0")
		}
		req.Since = o.since
	}
	if o.untilSet && o.until.IsZero() {
		req.Until = now.Add(-o.untilAgo)
	}
	cl := daemon.NewClient(o.socket)
	st, err := cl.Status(ctx)
	if err != nil {
		var de *daemon.DeniedError
		switch {
		case daemon.IsNotRunning(err):
			return false, nil
		case errors.As(err, &de):
			fmt.Fprintf(io.err, "casefile: %v; collecting without the daemon (no monitor history in this bundle)\n", err)
			return false, nil
		}
		return true, err
	}
	if !o.asJSON && isTerminal(io.err) {
		fmt.Fprintf(io.err, "asking the casefile daemon (pid %d, %s) to collect...\n", st.PID, termSafe(o.socket))
	}
	res, err := cl.Collect(ctx, req)
	if err != nil {
		var ae *daemon.APIError
		if errors.As(err, &ae) && ae.Usage {
			return true, withCode(ExitUsage, err)
		}
		return true, err
	}
	if err := io.use(collect.RedactOptions{Literals: o.literals, CommandSecrets: true}); err != nil {
		return true, err
	}
	path, err := cl.Download(ctx, res, o.outDir)
	if err != nil {
		return true, err
	}
	if owner := sudoOwner(); owner != nil {
		// Under sudo the bundle belongs to the user who asked, as when collect runs by itself.
		if err := os.Chown(path, owner.UID, owner.GID); err != nil {
			return true, fmt.Errorf("giving %s to uid %d: %w", path, owner.UID, err)
		}
	}
	o.written = path
	if o.asJSON {
		out := res.Summary
		out.Bundle = path
		if err := writeJSON(io.out, out); err != nil {
			return true, err
		}
	} else {
		fmt.Fprintf(io.err, "collected by the casefile daemon (%s), with its monitors' history\n", termSafe(o.socket))
		printSummary(io.err, res.Collectors)
		printFindingRows(io.err, res.Findings, false)
		fmt.Fprintf(io.err, "redacted %d values in %d files", res.Redacted, res.RedactedIn)
		if res.Dropped > 0 {
			fmt.Fprintf(io.err, "; %d files left out because they could not be redacted", res.Dropped)
		}
		fmt.Fprintln(io.err)
		printNextStep(io.err, &collect.Result{Path: path, Manifest: &bundle.Manifest{Ticket: res.Ticket}})
		fmt.Fprintln(io.out, path)
	}
	if res.Status == "partial" {
		return true, withCode(ExitPartial, nil)
	}
	return true, nil
}
