// Package cli holds casefile's cobra commands. Commands are thin: they parse flags into options,
// call a package and render the result.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// Main runs casefile with args and returns the exit code.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, args, os.Stdin, os.Stdout, os.Stderr)
}

// Run runs casefile with explicit streams; tests call it in-process.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ios, err := newIOStreams(stdin, stdout, stderr, args)
	if err != nil {
		fmt.Fprintf(stderr, "casefile: %v\n", err)
		return ExitError
	}
	defer ios.close()
	root := newRootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(ios.out)
	root.SetErr(ios.err)
	harden(root) // after SetOut: cobra's completion command keeps the writer it finds now
	cmd, err := root.ExecuteContextC(withStreams(ctx, ios))
	if err != nil && ctx.Err() != nil && !errors.Is(err, context.Canceled) {
		err = withCode(ExitInterrupted, err)
	}
	code := exitCode(err)
	if err != nil && jsonMode(cmd) && !ios.out.written() {
		// One shape for errors in --json mode, on stdout where the document was expected.
		msg := err.Error()
		var ee *exitError
		if errors.As(err, &ee) && ee.Err == nil {
			msg = ""
		}
		if msg != "" || code != ExitPartial {
			writeJSON(ios.out, jsonError{Error: msg, ExitCode: code})
		}
	}
	var ee *exitError
	if err != nil && !(errors.As(err, &ee) && ee.Err == nil) {
		if code == ExitInterrupted && !errors.As(err, &ee) {
			fmt.Fprintln(ios.err, "casefile: interrupted")
		} else {
			fmt.Fprintf(ios.err, "casefile: %v\n", err)
		}
	}
	return code
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "casefile",
		Short: "Collect redacted, reproducible diagnostics bundles for support",
		Long: `casefile gathers facts about this machine, network checks, logs and command output,
redacts every secret before anything touches disk, and packs a reproducible bundle
to attach to a support ticket.

  casefile collect --ticket 4821     collect with the built-in (or embedded) spec
  casefile inspect BUNDLE            summarise a bundle
  casefile verify BUNDLE             check every file against the manifest`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError("%v (see '%s --help')", err, c.CommandPath())
	})
	root.AddCommand(
		newCollectCmd(),
		newInspectCmd(),
		newVerifyCmd(),
		newSpecCmd(),
		newVersionCmd(),
		newRedactCmd(),
		newCheckCmd(),
		newManCmd(),
		newAnalyzeCmd(),
		newReportCmd(),
		newDiffCmd(),
		newUploadCmd(), newDecryptCmd(),
		newIntakeCmd(),
		newDaemonCmd(), newStatusCmd(),
	)
	root.AddCommand(&cobra.Command{
		Use:   "exit-codes",
		Short: "What casefile's exit codes mean",
		Long:  exitCodesHelp,
		// No Run: cobra lists it as a help topic, read with `casefile help exit-codes`.
	})
	// Unknown subcommands are usage errors.
	root.Args = func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usageError("unknown command %q for %q", args[0], c.CommandPath())
		}
		return nil
	}
	root.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	return root
}

// jsonError is what a command run with --json prints on stdout when it fails before printing
// its document: {"error": "...", "exit_code": N}.
type jsonError struct {
	Error    string `json:"error"`
	ExitCode int    `json:"exit_code"`
}

func jsonMode(c *cobra.Command) bool {
	if c == nil {
		return false
	}
	f := c.Flags().Lookup("json")
	return f != nil && f.Value.String() == "true"
}
