package desk

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/casefile/casefile/bundle"
)

// Summary is what the comment says about a bundle.
type Summary struct {
	Bundle    string    `json:"bundle"` // the bundle's top folder name
	BundleID  string    `json:"bundle_id,omitempty"`
	Host      string    `json:"host"` // the host name, or its pseudonym when the bundle was anonymized
	OS        string    `json:"os,omitempty"`
	CreatedAt string    `json:"created_at"`
	Tool      string    `json:"tool_version,omitempty"`
	Verdict   string    `json:"verdict"`
	Critical  int       `json:"critical"`
	Warning   int       `json:"warning"`
	Info      int       `json:"info"`
	Findings  []Finding `json:"findings,omitempty"` // the critical and warning ones, at most maxFindings
	// FailedCollectors counts collectors that failed or timed out.
	FailedCollectors int `json:"failed_collectors,omitempty"`
}

// Finding is one critical or warning finding in a Summary.
type Finding struct {
	ID       string `json:"id"`
	Severity string `json:"severity"`
	Title    string `json:"title"`
	Target   string `json:"target,omitempty"`
}

const maxFindings = 25

// maxHost bounds the host name in a comment (a DNS name has at most 253 bytes).
const maxHost = 255

// Summarize reads what the comment needs from a bundle that was read and verified.
func Summarize(c *bundle.Contents) Summary {
	b := bundle.Summarize(c)
	s := Summary{Bundle: short(b.Bundle, 200), BundleID: short(b.BundleID, 80), Host: short(b.Host, maxHost), OS: short(b.OS, 200),
		CreatedAt: short(b.CreatedAt, 40), Tool: short(b.Tool, 80)}
	for _, f := range b.Findings {
		switch f.Severity {
		case "critical":
			s.Critical++
		case "warning":
			s.Warning++
		case "info":
			s.Info++
		}
	}
	for _, sev := range []string{"critical", "warning"} {
		for _, f := range b.Findings {
			if f.Severity == sev && len(s.Findings) < maxFindings {
				s.Findings = append(s.Findings, Finding{ID: short(f.ID, 80), Severity: sev, Title: short(f.Title, 200), Target: short(f.Target, 200)})
			}
		}
	}
	for _, c := range b.Collectors {
		if c.Status == "failed" || c.Status == "timed_out" {
			s.FailedCollectors++
		}
	}
	// The same words as report.html's verdict.
	switch {
	case c.Findings == nil:
		s.Verdict = "no findings (the bundle has no findings.json)"
	case s.Critical > 0:
		s.Verdict = plural(s.Critical, "critical problem") + " found"
	case s.Warning > 0:
		s.Verdict = plural(s.Warning, "warning") + ", nothing critical"
	default:
		s.Verdict = "No problems found"
	}
	return s
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// short bounds text from the bundle (it is the customer's) and keeps it on one line: every
// run of white space (line and paragraph separators included) becomes one space, and control
// characters and bidirectional overrides (which could make the text read otherwise than it is)
// are dropped.
func short(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) {
			if unicode.IsSpace(r) {
				return ' '
			}
			return -1
		}
		if (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') || r == '\u200e' || r == '\u200f' {
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// Subject is the comment's subject line (RT) or first line.
func Subject(d *Delivery) string {
	return "casefile bundle for ticket " + d.Ticket + ": " + short(d.Summary.Verdict, 200)
}

// Lines is the comment's text, one entry per line; "" separates paragraphs. The bundle's text
// is cleaned here as well as in Summarize, since a summary may have been persisted (in the
// delivery state) by an earlier version: no customer text can start a line of its own.
func Lines(d *Delivery) []string {
	s := d.Summary
	s.Host, s.OS, s.CreatedAt, s.Verdict = short(s.Host, maxHost), short(s.OS, 200), short(s.CreatedAt, 40), short(s.Verdict, 200)
	fs := make([]Finding, 0, len(s.Findings))
	for _, f := range s.Findings {
		fs = append(fs, Finding{ID: short(f.ID, 80), Severity: f.Severity, Title: short(f.Title, 200), Target: short(f.Target, 200)})
	}
	s.Findings = fs
	l := []string{
		"casefile bundle received by the intake.",
		"",
		"Host: " + s.Host,
		"OS: " + orDash(s.OS),
		"Created at: " + s.CreatedAt,
		fmt.Sprintf("Verdict: %s (%d critical, %d warning, %d info)", s.Verdict, s.Critical, s.Warning, s.Info),
	}
	if s.FailedCollectors > 0 {
		l = append(l, fmt.Sprintf("Collectors failed: %d", s.FailedCollectors))
	}
	for _, sev := range []string{"critical", "warning"} {
		first := true
		for _, f := range s.Findings {
			if f.Severity != sev {
				continue
			}
			if first {
				l = append(l, "", map[string]string{"critical": "Critical:", "warning": "Warnings:"}[sev])
				first = false
			}
			line := "- " + f.Title + " [" + f.ID + "]"
			if f.Target != "" && !strings.Contains(f.Title, f.Target) {
				line += " (" + f.Target + ")"
			}
			l = append(l, line)
		}
	}
	if shown := len(s.Findings); shown < s.Critical+s.Warning {
		l = append(l, fmt.Sprintf("(and %d more)", s.Critical+s.Warning-shown))
	}
	l = append(l, "", fmt.Sprintf("Bundle: %s, %d bytes, sha256 %s", d.FileName, d.Size, d.SHA256))
	switch {
	case d.Attach:
		l = append(l, "Attached to this comment.")
	case d.Link != "":
		l = append(l, fmt.Sprintf("Not attached: larger than the desk's attachment limit (%d bytes). On the intake: %s", d.Limit, d.Link))
	default:
		l = append(l, fmt.Sprintf("Not attached: larger than the desk's attachment limit (%d bytes). It is on the intake server (no public_url configured to link it).", d.Limit))
	}
	return l
}

// Text is the comment as plain text.
func Text(d *Delivery) string { return strings.Join(Lines(d), "\n") + "\n" }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
