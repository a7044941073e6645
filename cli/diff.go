package cli

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/casefile/casefile/analyze"
	"github.com/casefile/casefile/compare"
	"github.com/spf13/cobra"
)

func newDiffCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "diff A B",
		Short: "Compare two bundles: environment, check results, findings, collectors",
		Long: `diff compares bundle A (say, the customer's) with bundle B (say, a reproduction made with
'casefile collect --like A'). It shows:

  environment   environment.json fields that differ (OS, kernel, locale, time zone,
                privileges, variable names and allowlisted values, ...)
  checks        network check results that changed: ok/status, error class, DNS answers
                per server, resolved address, TLS verification and issuer, trace path; a
                timing only when it moved by 100 ms and by 50 % of the smaller value
  findings      findings (by id and target) present in one bundle only
  collectors    collectors whose status differs, or that ran in one bundle only

An empty value means absent on that side. With --json it prints one object with the fields
a, b, environment, checks, findings (only_a, only_b) and collectors (see docs/report.md).
The exit code is 0 whatever the differences; 1 when a bundle cannot be read.`,
		Example: `  casefile collect --like casefile-4821-web01-20261127T104131Z-5ef17a9c.tar.gz --out repro
  casefile diff casefile-4821-web01-20261127T104131Z-5ef17a9c.tar.gz repro/casefile-*.tar.gz`,
		Args: exactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			var srcs [2]analyze.Source
			for i, p := range args {
				s, err := analyze.OpenBundle(p)
				if err != nil {
					return fmt.Errorf("%s: %w", p, err)
				}
				srcs[i] = s
			}
			r := compare.Diff(srcs[0], srcs[1], compare.DefaultOptions)
			r.A.Bundle, r.B.Bundle = args[0], args[1]
			if asJSON {
				return writeJSON(c.OutOrStdout(), r)
			}
			printDiff(c.OutOrStdout(), r)
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the differences as JSON")
	return c
}

func printDiff(w io.Writer, r *compare.Result) {
	// Everything shown comes from the bundles: escape control characters (termSafe).
	for _, x := range []struct {
		name string
		ref  compare.Ref
	}{{"A", r.A}, {"B", r.B}} {
		fmt.Fprintf(w, "%s: %s (host %s, %s", x.name, termSafe(x.ref.Bundle), termSafe(x.ref.Host), x.ref.CreatedAt.Format("2006-01-02 15:04:05Z"))
		if x.ref.Ticket != "" {
			fmt.Fprintf(w, ", ticket %s", termSafe(x.ref.Ticket))
		}
		fmt.Fprintln(w, ")")
	}
	if r.Empty() {
		fmt.Fprintln(w, "\nNo differences.")
		return
	}
	table := func(title string, header string, rows [][]string) {
		if len(rows) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s\n", title)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, header)
		for _, row := range rows {
			for i, v := range row {
				if v == "" {
					v = "-"
				}
				if i > 0 {
					fmt.Fprint(tw, "\t")
				}
				fmt.Fprint(tw, termSafe(v))
			}
			fmt.Fprintln(tw)
		}
		tw.Flush()
	}
	var rows [][]string
	for _, e := range r.Environment {
		rows = append(rows, []string{e.Field, e.A, e.B})
	}
	table("Environment", "FIELD\tA\tB", rows)
	rows = nil
	for _, c := range r.Checks {
		rows = append(rows, []string{c.Kind, c.Target, c.Field, c.A, c.B})
	}
	table("Checks", "KIND\tTARGET\tFIELD\tA\tB", rows)
	rows = nil
	for _, f := range r.Findings.OnlyA {
		rows = append(rows, []string{"A", f.Severity, f.ID, f.Title})
	}
	for _, f := range r.Findings.OnlyB {
		rows = append(rows, []string{"B", f.Severity, f.ID, f.Title})
	}
	table("Findings in one bundle only", "ONLY IN\tSEVERITY\tID\tTITLE", rows)
	rows = nil
	for _, c := range r.Collectors {
		rows = append(rows, []string{c.Name, c.A, c.B})
	}
	table("Collectors", "COLLECTOR\tA\tB", rows)
}
