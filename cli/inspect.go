package cli

import (
	"fmt"
	"io"
	"sort"
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
			s := summarize(b)
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

// inspectSummary is the --json output of inspect.
type inspectSummary struct {
	Bundle     string         `json:"bundle"`
	BundleID   string         `json:"bundle_id"`
	CreatedAt  string         `json:"created_at"`
	Ticket     string         `json:"ticket,omitempty"`
	Host       string         `json:"host"`
	OS         string         `json:"os,omitempty"`
	Tool       string         `json:"tool_version"`
	Spec       string         `json:"spec"`
	Collectors []collectorRow `json:"collectors"`
	Files      int            `json:"files"`
	Bytes      int64          `json:"bytes"`
	Truncated  int            `json:"truncated_files"`
	Redacted   int            `json:"redacted"`
	ByRule     map[string]int `json:"redacted_by_rule,omitempty"`
	Dropped    int            `json:"dropped_files"`
}

type collectorRow struct {
	Name       string `json:"name"`
	Status     string `json:"status"`
	DurationMS int64  `json:"duration_ms"`
	Files      int    `json:"files"`
	Error      string `json:"error,omitempty"`
}

func summarize(b *bundle.Contents) inspectSummary {
	m := b.Manifest
	s := inspectSummary{Bundle: b.Top, BundleID: m.BundleID, CreatedAt: m.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"),
		Ticket: m.Ticket, Host: m.Host, Tool: m.Tool.Version, Spec: m.Spec.Name + " (" + m.Spec.Source + ")",
		Redacted: m.Redaction.Total, Dropped: m.Redaction.Dropped}
	if b.Environment != nil {
		var parts []string
		for _, k := range []string{"platform", "platform_version", "os", "kernel_version", "arch"} {
			if v, ok := b.Environment[k].(string); ok && v != "" {
				parts = append(parts, v)
			}
		}
		s.OS = joinSpace(parts)
	}
	for _, c := range m.Collectors {
		s.Collectors = append(s.Collectors, collectorRow{Name: c.Name, Status: string(c.Status), DurationMS: c.DurationMS, Files: len(c.Files), Error: firstLine(c.Error)})
	}
	for _, f := range m.Files {
		s.Files++
		s.Bytes += f.Size
		if f.Truncated {
			s.Truncated++
		}
	}
	if b.Redaction != nil {
		s.ByRule = b.Redaction.ByRule
	}
	return s
}

func printInspect(w io.Writer, s inspectSummary) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "bundle:\t%s\n", s.Bundle)
	fmt.Fprintf(tw, "id:\t%s\n", s.BundleID)
	fmt.Fprintf(tw, "created:\t%s\n", s.CreatedAt)
	if s.Ticket != "" {
		fmt.Fprintf(tw, "ticket:\t%s\n", s.Ticket)
	}
	fmt.Fprintf(tw, "host:\t%s\n", s.Host)
	if s.OS != "" {
		fmt.Fprintf(tw, "os:\t%s\n", s.OS)
	}
	fmt.Fprintf(tw, "tool:\tcasefile %s\n", s.Tool)
	fmt.Fprintf(tw, "spec:\t%s\n", s.Spec)
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
		fmt.Fprintf(tw, "\t  %s: %d\n", r, s.ByRule[r])
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COLLECTOR\tSTATUS\tTIME\tFILES\tNOTE")
	for _, c := range s.Collectors {
		fmt.Fprintf(tw, "%s\t%s\t%.1fs\t%d\t%s\n", c.Name, c.Status, float64(c.DurationMS)/1000, c.Files, c.Error)
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
					writeJSON(c.OutOrStdout(), map[string]any{"bundle": args[0], "ok": false, "error": err.Error()})
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
					fmt.Fprintln(c.OutOrStdout(), p.String())
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

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}

func joinSpace(p []string) string {
	out := ""
	for i, s := range p {
		if i > 0 {
			out += " "
		}
		out += s
	}
	return out
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
