package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/casefile/casefile/analyze"
	"github.com/casefile/casefile/report"
	"github.com/spf13/cobra"
)

func newReportCmd() *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "report BUNDLE -o FILE",
		Short: "Write a bundle's self-contained HTML report (findings, network, system, collectors)",
		Long: `report renders a bundle (archive or unpacked folder, any casefile version) as one HTML
page: a summary with the verdict, the findings with their evidence and next steps, network
results (a latency chart, traceroute paths), system facts, a timeline of the collectors, log
signatures and redaction totals. The page loads nothing and runs no script, so it opens
offline and prints.

The findings are the bundle's findings.json; a bundle made before findings existed is
analyzed now (as 'casefile analyze' does). Without -o the page is written to stdout.`,
		Example: `  casefile report casefile-4821-web01-20261127T104131Z-5ef17a9c.tar.gz -o report.html`,
		Args:    exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			src, err := analyze.OpenBundle(args[0])
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			var buf bytes.Buffer
			if err := report.Write(&buf, src, report.BundleFindings(src)); err != nil {
				return err
			}
			if out == "" || out == "-" {
				_, err := c.OutOrStdout().Write(buf.Bytes())
				return err
			}
			return writeFileAtomic(out, buf.Bytes())
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "", "write the page to this file (default: stdout)")
	return c
}

// writeFileAtomic writes data to a temporary file beside p and renames it into place, so a
// reader never sees half a page.
func writeFileAtomic(p string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(p), ".casefile-report-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
