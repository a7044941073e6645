package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/casefile/casefile/daemon"
	"github.com/casefile/casefile/remote"
	"github.com/casefile/casefile/spec"
)

// Remote requests and the system service, added to `casefile daemon` through daemonExtras:
// --enroll, the remote-requests loop, and the install, uninstall, approve and decline
// subcommands (docs/remote.md).
func init() { daemonExtras = append(daemonExtras, addDaemonRemote) }

func addDaemonRemote(c *cobra.Command, o *daemonOptions) {
	var enroll, intakeURL, caFile string
	f := c.Flags()
	f.StringVar(&enroll, "enroll", "", "enroll this host with the intake using an enrollment TOKEN (casefile intake enroll-token), print its host id and exit")
	f.StringVar(&intakeURL, "intake", "", "with --enroll: the intake's URL (default: the spec's upload.url)")
	f.StringVar(&caFile, "intake-ca-file", "", "extra PEM CA certificates for the intake (enrollment and remote requests)")
	run := c.RunE
	c.RunE = func(c *cobra.Command, args []string) error {
		if c.Flags().Changed("enroll") {
			return runEnroll(c, o, enroll, intakeURL, caFile)
		}
		if c.Flags().Changed("intake") {
			return usageError("--intake goes with --enroll (the daemon polls the intake it enrolled with)")
		}
		cfg := remote.Config{Proxy: http.ProxyFromEnvironment, CAFile: caFile}
		if ask := terminalAsk(c); ask != nil {
			cfg.Ask = ask
		}
		o.remote = &daemon.RemoteLoop{Config: cfg}
		// Under the Windows service manager the daemon must answer it (start, stop); anywhere
		// else this calls run as it is.
		sc := daemon.ServiceConfig{StateDir: o.stateDir, Socket: o.socket}
		if err := serviceConfig(&sc); err != nil {
			return err
		}
		return daemon.RunAsService(c.Context(), sc, func(ctx context.Context) error {
			c.SetContext(ctx)
			return run(c, args)
		})
	}
	c.AddCommand(newDaemonInstallCmd(), newDaemonUninstallCmd(), newDaemonAnswerCmd(true), newDaemonAnswerCmd(false))
}

func runEnroll(c *cobra.Command, o *daemonOptions, token, intakeURL, caFile string) error {
	token = strings.TrimSpace(token)
	if token == "" {
		return usageError("--enroll: give the enrollment token (casefile intake enroll-token prints one)")
	}
	if intakeURL == "" {
		ref := o.specRef
		if ref != "" && !strings.Contains(ref, "://") {
			abs, err := filepath.Abs(ref)
			if err != nil {
				return usageError("--spec %s: %v", ref, err)
			}
			ref = abs
		}
		s, _, _, err := spec.Load(c.Context(), ref)
		if err != nil {
			return err
		}
		if s.Upload == nil || s.Upload.URL == "" {
			return usageError("--enroll: the spec names no upload.url; give --intake URL")
		}
		intakeURL = s.Upload.URL
	}
	host, _ := os.Hostname()
	hc, err := remote.HTTPClient(caFile, http.ProxyFromEnvironment)
	if err != nil {
		return usageError("--intake-ca-file: %v", err)
	}
	eo := remote.EnrollOptions{StateDir: o.stateDir, IntakeURL: intakeURL, Token: token, Name: host, HTTP: hc}
	e, err := remote.EnrollHost(c.Context(), eo)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.OutOrStdout(), e.HostID)
	fmt.Fprintf(c.ErrOrStderr(), "enrolled with %s as host %s (key and enrollment in %s); agents request bundles with\n  casefile intake request --ticket TICKET --host %s\n",
		e.URL, e.HostID, o.stateDir, e.HostID)
	return nil
}

// terminalAsk asks on the terminal when the daemon runs in the foreground with one on stdin and
// stderr: a request under the ask policy is put to the person there (y or n); without a
// terminal it waits for casefile daemon approve|decline.
func terminalAsk(c *cobra.Command) func(context.Context, remote.Request) (bool, error) {
	in, ok := c.InOrStdin().(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) || !isTerminal(c.ErrOrStderr()) {
		return nil
	}
	errw := c.ErrOrStderr()
	// A line reaches only a question that is open: the reader drops what is typed while none
	// is, and a question drops what was left over before it is put, so a "y" typed ahead, or
	// after a question timed out, cannot answer a later request the person never saw.
	var mu sync.Mutex
	open := false
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			mu.Lock()
			if open {
				select {
				case lines <- sc.Text():
				default:
				}
			}
			mu.Unlock()
		}
		close(lines)
	}()
	return func(ctx context.Context, r remote.Request) (bool, error) {
		mu.Lock()
		open = true
		select {
		case <-lines: // left over (or closed: the receive below says so)
		default:
		}
		mu.Unlock()
		defer func() {
			mu.Lock()
			open = false
			mu.Unlock()
		}()
		note := ""
		if r.Note != "" {
			note = " (note: " + termSafe(r.Note) + ")"
		}
		for {
			fmt.Fprintf(errw, "remote request %s: the intake asks for a bundle for ticket %s%s. Collect and upload it? [y/n]\n", r.ID, termSafe(r.Ticket), note)
			select {
			case <-ctx.Done():
				return false, ctx.Err()
			case l, ok := <-lines:
				if !ok {
					return false, io.EOF
				}
				switch strings.ToLower(strings.TrimSpace(l)) {
				case "y", "yes":
					return true, nil
				case "n", "no":
					return false, nil
				}
			}
		}
	}
}

func newDaemonAnswerCmd(approve bool) *cobra.Command {
	var stateDir string
	use, short := "approve REQUEST-ID", "Consent to a remote request waiting for it (consent: ask): the daemon collects and uploads"
	if !approve {
		use, short = "decline REQUEST-ID", "Refuse a remote request waiting for consent"
	}
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Long: short + `.

The answer is a file in the daemon's state folder (consent/), so only who may write there
(root, for the installed service) can answer; the running daemon acts on it within 2 seconds.
casefile status lists the requests waiting (state asking).`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("%s takes one request id, got %d arguments", c.CommandPath(), len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			err := remote.Answer(stateDir, args[0], approve)
			if err != nil && !errors.Is(err, os.ErrPermission) {
				return usageError("%v", err)
			}
			if err != nil {
				return fmt.Errorf("%w (answering needs write access to %s: run as root)", err, stateDir)
			}
			verb := "approved"
			if !approve {
				verb = "declined"
			}
			fmt.Fprintf(c.ErrOrStderr(), "%s %s; the daemon acts on it within a few seconds (casefile status)\n", verb, args[0])
			return nil
		},
	}
	c.Flags().StringVar(&stateDir, "state-dir", daemon.DefaultStateDir, "the daemon's state folder")
	return c
}

func newDaemonInstallCmd() *cobra.Command {
	var sc daemon.ServiceConfig
	var noStart bool
	c := &cobra.Command{
		Use:   "install",
		Short: "Install the daemon as a system service (systemd, launchd or a Windows service) and start it",
		Long: `Install the daemon as a system service that starts at boot: a hardened systemd unit
(/etc/systemd/system/casefile.service) on Linux, a launchd daemon on macOS, a Windows service.
The service runs this binary as 'casefile daemon' with the --spec, --state-dir and --socket
given here. Needs root (Administrator on Windows). See docs/remote.md.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := serviceConfig(&sc); err != nil {
				return err
			}
			if daemon.ServicePlatform() == "" {
				return errors.New("no service manager found on this machine (systemd, launchd, Windows services, ...)")
			}
			if err := daemon.InstallService(sc); err != nil {
				return err
			}
			fmt.Fprintf(c.ErrOrStderr(), "installed the %s service (%s)\n", daemon.ServiceName, daemon.ServicePlatform())
			if noStart {
				return nil
			}
			if err := daemon.StartService(sc); err != nil {
				return fmt.Errorf("installed, but starting the service failed: %w", err)
			}
			fmt.Fprintf(c.ErrOrStderr(), "started it; casefile status --socket %s shows it\n", sc.Socket)
			return nil
		},
	}
	c.Flags().StringVar(&sc.Spec, "spec", "", "spec file or https:// URL the service runs with (default: embedded, else built-in)")
	c.Flags().StringVar(&sc.StateDir, "state-dir", daemon.DefaultStateDir, "the service's state folder")
	c.Flags().StringVar(&sc.Socket, "socket", daemon.DefaultSocket, "the service's local API socket")
	c.Flags().BoolVar(&noStart, "no-start", false, "install and enable, but do not start now")
	return c
}

func newDaemonUninstallCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "uninstall",
		Short: "Stop and remove the daemon's system service (its state folder is kept)",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			sc := daemon.ServiceConfig{StateDir: daemon.DefaultStateDir}
			if err := serviceConfig(&sc); err != nil {
				return err
			}
			if err := daemon.UninstallService(sc); err != nil {
				return err
			}
			fmt.Fprintf(c.ErrOrStderr(), "removed the %s service\n", daemon.ServiceName)
			return nil
		},
	}
	return c
}

// serviceConfig makes the paths absolute and names this binary.
func serviceConfig(sc *daemon.ServiceConfig) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	if exe, err = filepath.EvalSymlinks(exe); err != nil {
		return err
	}
	sc.Executable = exe
	if sc.StateDir, err = filepath.Abs(sc.StateDir); err != nil {
		return usageError("--state-dir: %v", err)
	}
	if sc.Spec != "" && !strings.Contains(sc.Spec, "://") {
		if sc.Spec, err = filepath.Abs(sc.Spec); err != nil {
			return usageError("--spec: %v", err)
		}
		if _, err := os.Stat(sc.Spec); err != nil {
			return usageError("--spec: %v", err)
		}
	}
	return nil
}
