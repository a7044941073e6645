package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/casefile/casefile/bundle"
	"github.com/spf13/cobra"
)

func newInspectCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "inspect BUNDLE",
		Short: "Summarise a bundle: host, OS, collectors, files, redactions",
		Args:  exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			b, err := bundle.Read(args[0], bundle.DefaultReadLimits)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			s := bundle.Summarize(b)
			if asJSON {
				return writeJSON(c.OutOrStdout(), s)
			}
			printInspect(c.OutOrStdout(), s)
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func printInspect(w io.Writer, s bundle.Summary) {
	// Everything shown comes from the bundle: escape control characters (termSafe).
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "bundle:\t%s\n", termSafe(s.Bundle))
	fmt.Fprintf(tw, "id:\t%s\n", termSafe(s.BundleID))
	fmt.Fprintf(tw, "created:\t%s\n", s.CreatedAt)
	if s.Ticket != "" {
		fmt.Fprintf(tw, "ticket:\t%s\n", termSafe(s.Ticket))
	}
	fmt.Fprintf(tw, "host:\t%s\n", termSafe(s.Host))
	if s.OS != "" {
		fmt.Fprintf(tw, "os:\t%s\n", termSafe(s.OS))
	}
	fmt.Fprintf(tw, "tool:\tcasefile %s\n", termSafe(s.Tool))
	fmt.Fprintf(tw, "spec:\t%s\n", termSafe(s.Spec))
	fmt.Fprintf(tw, "files:\t%d (%s, %d truncated)\n", s.Files, humanBytes(s.Bytes), s.Truncated)
	fmt.Fprintf(tw, "redacted:\t%d values", s.Redacted)
	if s.Dropped > 0 {
		fmt.Fprintf(tw, ", %d files left out", s.Dropped)
	}
	fmt.Fprintln(tw)
	rules := make([]string, 0, len(s.ByRule))
	for r := range s.ByRule {
		rules = append(rules, r)
	}
	sort.Strings(rules)
	for _, r := range rules {
		fmt.Fprintf(tw, "\t  %s: %d\n", termSafe(r), s.ByRule[r])
	}
	tw.Flush()
	fmt.Fprintln(w)
	printFindingRows(w, s.Findings, true)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COLLECTOR\tSTATUS\tTIME\tFILES\tNOTE")
	for _, c := range s.Collectors {
		fmt.Fprintf(tw, "%s\t%s\t%.1fs\t%d\t%s\n", termSafe(c.Name), termSafe(c.Status), float64(c.DurationMS)/1000, c.Files, termSafe(c.Error))
	}
	tw.Flush()
}

func newVerifyCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "verify BUNDLE",
		Short: "Recompute every file's sha256 and check the archive against its manifest",
		Args:  exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			b, err := bundle.Read(args[0], bundle.DefaultReadLimits)
			if err != nil {
				if asJSON {
					writeJSON(c.OutOrStdout(), map[string]any{"bundle": args[0], "ok": false, "error": err.Error(), "exit_code": ExitError})
				}
				return fmt.Errorf("%s: %w", args[0], err)
			}
			probs := b.Verify()
			if asJSON {
				if probs == nil {
					probs = []bundle.Problem{}
				}
				writeJSON(c.OutOrStdout(), map[string]any{"bundle": args[0], "ok": len(probs) == 0, "files": len(b.Manifest.Files), "problems": probs})
			} else if len(probs) == 0 {
				fmt.Fprintf(c.OutOrStdout(), "%s: ok, %d files match the manifest\n", args[0], len(b.Manifest.Files))
			} else {
				for _, p := range probs {
					fmt.Fprintln(c.OutOrStdout(), termSafe(p.String()))
				}
			}
			if len(probs) > 0 {
				return withCode(ExitError, fmt.Errorf("%s: %d problem(s) found", args[0], len(probs)))
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// printFindingRows lists findings, most severe first, with a blank line after; info findings
// only when all is true. A bundle without findings.json says how to get them.
func printFindingRows(w io.Writer, rows []bundle.FindingRow, all bool) {
	if rows == nil {
		fmt.Fprintln(w, "findings: none recorded (an older casefile made this bundle; run 'casefile analyze BUNDLE')")
		fmt.Fprintln(w)
		return
	}
	counts := map[string]int{}
	var shown []bundle.FindingRow
	for _, f := range rows {
		counts[f.Severity]++
		if all || f.Severity == "critical" || f.Severity == "warning" {
			shown = append(shown, f)
		}
	}
	fmt.Fprintf(w, "findings: %d critical, %d warning, %d info\n", counts["critical"], counts["warning"], counts["info"])
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, f := range shown {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", strings.ToUpper(termSafe(f.Severity)), termSafe(f.ID), termSafe(f.Title))
	}
	tw.Flush()
	fmt.Fprintln(w)
}
