package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/daemon"
)

func newStatusCmd() *cobra.Command {
	var socket string
	var asJSON bool
	c := &cobra.Command{
		Use:   "status",
		Short: "Show the casefile daemon, its monitors and their latest results",
		Long: `Ask the running casefile daemon for its state: version, uptime, spec, each monitor's latest
result, history count and failures in a row, recent triggers and remote requests.
Exits 1 when no daemon answers on the socket. See docs/daemon.md for the --json fields.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ios := streams(c)
			st, err := daemon.NewClient(socket).Status(c.Context())
			if err != nil {
				if daemon.IsNotRunning(err) {
					return fmt.Errorf("%v; start one with 'casefile daemon' (or give --socket)", err)
				}
				return err
			}
			if asJSON {
				return writeJSON(ios.out, st)
			}
			renderStatus(ios.out, st, time.Now())
			return nil
		},
	}
	c.Flags().StringVar(&socket, "socket", defaultSocket(), "the daemon's socket (named pipe on Windows; $"+SocketEnv+" overrides the default)")
	c.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	return c
}

func renderStatus(w io.Writer, st *daemon.Status, now time.Time) {
	fmt.Fprintf(w, "casefile daemon %s, pid %d, up %s\n", termSafe(st.Version), st.PID, time.Duration(st.UptimeS*float64(time.Second)).Round(time.Second))
	fmt.Fprintf(w, "spec %s (%s %s), socket %s\n", termSafe(st.Spec.Name), st.Spec.Kind, termSafe(st.Spec.Source), termSafe(st.Socket))
	if st.Reload.Error != "" {
		fmt.Fprintf(w, "last reload refused (%s): %s\n", st.Reload.At.Local().Format(time.DateTime), termSafe(st.Reload.Error))
	}
	if st.Error != "" {
		fmt.Fprintf(w, "history: %s\n", termSafe(st.Error))
	}
	fmt.Fprintln(w)
	if len(st.Monitors) == 0 {
		fmt.Fprintln(w, "monitors: none (the spec has no monitors: section)")
	} else {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "MONITOR\tCHECK\tEVERY\tLAST\tRESULT\tLATENCY\tFAILS\tRUNS\tTARGET / ERROR")
		for _, m := range st.Monitors {
			last, result, lat, note := "never", "-", "-", ""
			if r := m.Last; r != nil {
				last = ago(now.Sub(r.Time))
				result = "ok"
				if !r.OK {
					result = "FAILED"
				}
				if r.LatencyMS > 0 {
					lat = fmt.Sprintf("%.1f ms", r.LatencyMS)
				}
				note = r.Target
				if r.Error != "" {
					note = r.Error
				}
				if len(note) > 80 {
					note = note[:77] + "..."
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", termSafe(m.Name), m.Check, m.Interval, last, result, lat,
				m.FailuresInARow, m.HistoryCount, termSafe(strings.ReplaceAll(note, "\n", " ")))
		}
		tw.Flush()
	}
	if len(st.Triggers) > 0 {
		fmt.Fprintln(w, "\ntriggers (newest first):")
		for _, t := range st.Triggers {
			fmt.Fprintf(w, "  %s  %s failed %d times in a row: %s", t.Time.Local().Format(time.DateTime), termSafe(t.Monitor), t.FailuresInARow, t.Status)
			if t.Bundle != "" {
				fmt.Fprintf(w, " %s", termSafe(t.Bundle))
			}
			if t.Error != "" {
				fmt.Fprintf(w, " (%s)", termSafe(t.Error))
			}
			fmt.Fprintln(w)
		}
	}
	if len(st.Remote) > 0 {
		fmt.Fprintln(w, "\nremote requests (newest first):")
		for _, r := range st.Remote {
			fmt.Fprintf(w, "  %s  %s ticket %s: %s", r.Received.Local().Format(time.DateTime), termSafe(r.ID), termSafe(r.Ticket), termSafe(r.State))
			if r.Outcome != "" {
				fmt.Fprintf(w, " (%s)", termSafe(r.Outcome))
			}
			fmt.Fprintln(w)
		}
	} else {
		fmt.Fprintln(w, "\nremote requests: none")
	}
}

func ago(d time.Duration) string {
	switch {
	case d < 0:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	}
	return fmt.Sprintf("%dh ago", int(d.Hours()))
}
