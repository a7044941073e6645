package bundle

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/internal/buildinfo"
)

// SchemaVersion of manifest.json. Additive changes keep it; a breaking change bumps it.
const SchemaVersion = 1

// Manifest is manifest.json: what the bundle holds and how it was made.
type Manifest struct {
	SchemaVersion int                 `json:"schema_version"`
	BundleID      string              `json:"bundle_id"`
	CreatedAt     time.Time           `json:"created_at"`
	Ticket        string              `json:"ticket,omitempty"`
	Host          string              `json:"host"`
	Tool          buildinfo.Info      `json:"tool"`
	Spec          SpecInfo            `json:"spec"`
	Format        string              `json:"format"`
	Limits        Limits              `json:"limits"`
	Collectors    []collectors.Result `json:"collectors"`
	Files         []FileEntry         `json:"files"`
	Redaction     RedactionSummary    `json:"redaction"`
	// RawExemptions lists files written without passing through the redactor as a stream, and why.
	// manifest.json is one: it is made of hashes and sizes, and its free text (errors, ticket) is
	// redacted value by value.
	RawExemptions []RawExemption `json:"raw_exemptions"`
}

// SpecInfo identifies the effective spec.
type SpecInfo struct {
	Name   string `json:"name"`
	Source string `json:"source"`
	SHA256 string `json:"sha256"`
}

// RedactionSummary is the manifest's copy of redaction.json's totals.
type RedactionSummary struct {
	Total   int `json:"total"`
	Files   int `json:"files"`
	Dropped int `json:"dropped"`
}

// RawExemption names a file that skipped stream redaction.
type RawExemption struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// Failed reports whether any collector failed or timed out (exit code 3).
func (m *Manifest) Failed() bool {
	for _, c := range m.Collectors {
		if c.Status == collectors.StatusFailed || c.Status == collectors.StatusTimedOut {
			return true
		}
	}
	return false
}

var nameUnsafe = regexp.MustCompile(`[^A-Za-z0-9.]+`)

// Extensions by format.
var Extensions = map[string]string{"tar.gz": ".tar.gz", "tar.zst": ".tar.zst", "zip": ".zip"}

// Name is the bundle's folder name: casefile-[<ticket>-]<host>-<UTC yyyymmddThhmmssZ>-<id8>.
func Name(ticket, host string, created time.Time, id string) string {
	parts := []string{"casefile"}
	if t := safeName(ticket); t != "" {
		parts = append(parts, t)
	}
	h := safeName(host)
	if h == "" {
		h = "host"
	}
	parts = append(parts, h, created.UTC().Format("20060102T150405Z"))
	id8 := strings.ReplaceAll(id, "-", "")
	if len(id8) > 8 {
		id8 = id8[:8]
	}
	return strings.Join(append(parts, id8), "-")
}

// NameTicket is what a ticket id becomes in a bundle's file name.
func NameTicket(ticket string) string { return safeName(ticket) }

func safeName(s string) string {
	s = strings.Trim(nameUnsafe.ReplaceAllString(s, "-"), ".-")
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

// CheckFormat validates a format name.
func CheckFormat(f string) error {
	if _, ok := Extensions[f]; !ok {
		return fmt.Errorf("unknown bundle format %q (want tar.gz, tar.zst or zip)", f)
	}
	return nil
}
