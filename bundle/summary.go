package bundle

import "strings"

// Summary is what `casefile inspect` shows of a bundle (and its --json output); the intake
// server shows the same.
type Summary struct {
	Bundle     string         `json:"bundle"`
	BundleID   string         `json:"bundle_id"`
	CreatedAt  string         `json:"created_at"`
	Ticket     string         `json:"ticket,omitempty"`
	Host       string         `json:"host"`
	OS         string         `json:"os,omitempty"`
	Tool       string         `json:"tool_version"`
	Spec       string         `json:"spec"`
	Collectors []CollectorRow `json:"collectors"`
	Files      int            `json:"files"`
	Bytes      int64          `json:"bytes"`
	Truncated  int            `json:"truncated_files"`
	Redacted   int            `json:"redacted"`
	ByRule     map[string]int `json:"redacted_by_rule,omitempty"`
	Dropped    int            `json:"dropped_files"`
	// Findings: null when the bundle has no findings.json (made by an older casefile).
	Findings []FindingRow `json:"findings"`
}

// CollectorRow is one collector in a Summary; Error holds the first line of its error.
type CollectorRow struct {
	Name       string `json:"name"`
	Status     string `json:"status"`
	DurationMS int64  `json:"duration_ms"`
	Files      int    `json:"files"`
	Error      string `json:"error,omitempty"`
}

// maxSummaryError bounds one collector's error text in a summary: a collector error can be a
// long list of problems, and a summary is read on a terminal.
const maxSummaryError = 200

// Summarize summarises a bundle that was read.
func Summarize(b *Contents) Summary {
	m := b.Manifest
	s := Summary{Bundle: b.Top, BundleID: m.BundleID, CreatedAt: m.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"),
		Ticket: m.Ticket, Host: m.Host, Tool: m.Tool.Version, Spec: m.Spec.Name + " (" + m.Spec.Source + ")",
		Redacted: m.Redaction.Total, Dropped: m.Redaction.Dropped, Collectors: []CollectorRow{}}
	if b.Environment != nil {
		var parts []string
		for _, k := range []string{"platform", "platform_version", "os", "kernel_version", "arch"} {
			if v, ok := b.Environment[k].(string); ok && v != "" {
				parts = append(parts, v)
			}
		}
		s.OS = strings.Join(parts, " ")
	}
	for _, c := range m.Collectors {
		s.Collectors = append(s.Collectors, CollectorRow{Name: c.Name, Status: string(c.Status), DurationMS: c.DurationMS, Files: len(c.Files), Error: shortError(c.Error)})
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
	s.Findings = b.Findings
	return s
}

func shortError(e string) string {
	e, _, _ = strings.Cut(e, "\n")
	if len(e) > maxSummaryError {
		// Cut on a rune boundary.
		cut := maxSummaryError
		for cut > 0 && e[cut]&0xC0 == 0x80 {
			cut--
		}
		e = e[:cut] + "…"
	}
	return e
}
