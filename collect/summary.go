package collect

import (
	"time"

	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/collectors"
)

// Summary is what `casefile collect --json` prints about a run, and what a daemon that collected
// answers (with where to fetch the bundle).
type Summary struct {
	Bundle     string              `json:"bundle"`
	BundleID   string              `json:"bundle_id"`
	CreatedAt  time.Time           `json:"created_at"`
	Ticket     string              `json:"ticket,omitempty"`
	Status     string              `json:"status"` // ok | partial
	Collectors []collectors.Result `json:"collectors"`
	Files      int                 `json:"files"`
	Bytes      int64               `json:"bytes"`
	Redacted   int                 `json:"redacted"`
	RedactedIn int                 `json:"redacted_files"`
	Dropped    int                 `json:"dropped"`
	// Findings lists every finding (id, severity, title, target); findings.json has the rest.
	Findings []bundle.FindingRow `json:"findings"`
}

// Summary sums up the run; Bundle is the bundle's path.
func (r *Result) Summary() Summary {
	m, rep := r.Manifest, r.Report
	s := Summary{Bundle: r.Path, BundleID: m.BundleID, CreatedAt: m.CreatedAt, Ticket: m.Ticket, Status: "ok",
		Collectors: m.Collectors, Redacted: rep.Total, RedactedIn: rep.Files, Dropped: len(rep.Dropped),
		Findings: []bundle.FindingRow{}}
	for _, f := range m.Files {
		s.Files++
		s.Bytes += f.Size
	}
	for _, x := range r.Findings.Findings {
		s.Findings = append(s.Findings, bundle.FindingRow{ID: x.ID, Severity: string(x.Severity), Title: x.Title, Target: x.Target})
	}
	if r.Failed() {
		s.Status = "partial"
	}
	return s
}
