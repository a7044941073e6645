package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/casefile/casefile/analyze"
	"github.com/spf13/cobra"
)

func newAnalyzeCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "analyze BUNDLE",
		Short: "Compute findings (what is wrong, evidence, next step) from a bundle's collected data",
		Long: `analyze reads a bundle (any casefile version's) and runs the built-in analyzers and the
spec's own analyzers (its spec.yaml's analyzers: section) over the collected files only,
never this machine. It prints the findings, most severe first: a table of
SEVERITY, ID and TITLE, then each finding's target, detail, evidence and next step. With --json
it prints the findings document ({"findings": [...]}, as findings.json holds it).

The exit code is 0 whatever the findings; 1 when the bundle cannot be read.`,
		Args: exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			src, err := analyze.OpenBundle(args[0])
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			fs := analyze.Analyze(src)
			if asJSON {
				return writeJSON(c.OutOrStdout(), fs)
			}
			printFindings(c.OutOrStdout(), fs)
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the findings document as JSON")
	return c
}

func printFindings(w io.Writer, fs analyze.Findings) {
	if len(fs.Findings) == 0 {
		fmt.Fprintln(w, "No findings.")
		return
	}
	// Everything shown comes from the bundle: escape control characters (termSafe).
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tID\tTITLE")
	for _, f := range fs.Findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", termSafe(string(f.Severity)), termSafe(f.ID), termSafe(f.Title))
	}
	tw.Flush()
	for _, f := range fs.Findings {
		fmt.Fprintf(w, "\n%s %s: %s\n", termSafe(string(f.Severity)), termSafe(f.ID), termSafe(f.Title))
		if f.Target != "" {
			fmt.Fprintf(w, "  target:    %s\n", termSafe(f.Target))
		}
		if f.Detail != "" {
			fmt.Fprintf(w, "  detail:    %s\n", termSafe(f.Detail))
		}
		if len(f.Evidence) > 0 {
			var ev []string
			for _, e := range f.Evidence {
				s := e.Path
				if e.Line > 0 {
					s = fmt.Sprintf("%s:%d", e.Path, e.Line)
				}
				ev = append(ev, termSafe(s))
			}
			fmt.Fprintf(w, "  evidence:  %s\n", strings.Join(ev, ", "))
		}
		if f.NextStep != "" {
			fmt.Fprintf(w, "  next step: %s\n", termSafe(f.NextStep))
		}
	}
	fmt.Fprintf(w, "\n%d findings: %d critical, %d warning, %d info\n", len(fs.Findings),
		fs.Count(analyze.Critical), fs.Count(analyze.Warning), fs.Count(analyze.Info))
}
