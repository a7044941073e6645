package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/casefile/casefile/redact"
)

// Problem is one way a bundle does not match its manifest.
type Problem struct {
	Path string `json:"path"`
	Kind string `json:"kind"` // missing | extra | altered | size
	Want string `json:"want,omitempty"`
	Got  string `json:"got,omitempty"`
}

func (p Problem) String() string {
	switch p.Kind {
	case "missing":
		return fmt.Sprintf("%s: listed in the manifest but not in the archive", p.Path)
	case "extra":
		return fmt.Sprintf("%s: in the archive but not in the manifest", p.Path)
	default:
		return fmt.Sprintf("%s: %s (manifest %s, archive %s)", p.Path, p.Kind, p.Want, p.Got)
	}
}

// Contents is what a single read of a bundle gathers: its metadata documents and every file's
// hash. Of the metadata it keeps what callers use, within bounds (meta.go).
type Contents struct {
	Top      string
	Manifest *Manifest
	// Environment holds environment.json's top-level string values (at most 1,000, each cut
	// at 4 KiB); nil when the document is absent or not a JSON object.
	Environment map[string]any
	// Redaction holds redaction.json's total, files and by_rule (at most 10,000 rules); by_file
	// and dropped are not read. nil when absent or not of that shape.
	Redaction *redact.Report
	// Findings are findings.json's first 10,000 entries, each field cut (at most
	// ReadLimits.MaxFindings are read; more refuses the bundle); nil when the bundle has none
	// (an older casefile) or it is not a findings document.
	Findings []FindingRow
	// FindingCounts counts all of findings.json's entries, kept or not.
	FindingCounts FindingCounts
	Hashes        map[string]FileEntry // by path, as found in the archive
}

// FindingCounts counts findings by severity.
type FindingCounts struct {
	Total, Critical, Warning, Info int
}

// FindingRow is what a summary shows of one finding (findings.json holds more: detail,
// evidence, next step; see package analyze).
type FindingRow struct {
	ID       string `json:"id"`
	Severity string `json:"severity"`
	Title    string `json:"title"`
	Target   string `json:"target,omitempty"`
}

// Read reads a bundle once: every file hashed, the metadata documents read as streams into
// what callers use, within bounds (see meta.go): the manifest whole (its lists counted before it
// is decoded), findings.json's rows, environment.json's top-level strings and redaction.json's
// totals. No metadata document is held whole in memory except manifest.json.
func Read(p string, lim ReadLimits) (*Contents, error) {
	c := &Contents{Hashes: map[string]FileEntry{}}
	var manErr error
	top, err := Walk(p, lim, func(e Entry, r io.Reader) error {
		if _, dup := c.Hashes[e.Name]; dup {
			return unsafef("%s appears twice", e.Name)
		}
		h := sha256.New()
		isMeta := e.Name == "manifest.json" || e.Name == "environment.json" || e.Name == "redaction.json" || e.Name == "findings.json"
		if !isMeta {
			n, err := io.Copy(h, r)
			if err != nil {
				return err
			}
			c.Hashes[e.Name] = FileEntry{Path: e.Name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
			return nil
		}
		if e.Size > lim.MaxMetaSize {
			return unsafef("%s is larger than %d bytes", e.Name, lim.MaxMetaSize)
		}
		mr := &metaReader{r: r, name: e.Name, max: lim.MaxMetaSize}
		// Everything the parser reads is hashed on the way; the rest is hashed below.
		tee := io.TeeReader(mr, h)
		var err error
		switch e.Name {
		case "manifest.json":
			c.Manifest, manErr, err = readManifestDoc(tee, lim)
		case "environment.json":
			c.Environment, err = readEnvironment(tee)
		case "findings.json":
			c.Findings, c.FindingCounts, err = readFindings(tee, lim.maxFindings())
		case "redaction.json":
			c.Redaction, err = readRedaction(tee)
		}
		if err == nil {
			_, err = io.Copy(io.Discard, tee)
		}
		if err != nil {
			return err
		}
		c.Hashes[e.Name] = FileEntry{Path: e.Name, Size: mr.n, SHA256: hex.EncodeToString(h.Sum(nil))}
		return nil
	})
	c.Top = top
	if err != nil {
		return nil, err
	}
	if manErr != nil {
		if errors.Is(manErr, ErrUnsafe) {
			return nil, manErr
		}
		return nil, unsafef("%v", manErr)
	}
	if c.Manifest == nil {
		return nil, unsafef("no manifest.json in %s", p)
	}
	return c, nil
}

// readManifestDoc reads manifest.json, counting its lists as it comes (checkManifestCounts)
// so that a hostile one is refused before it is held or decoded. bad is the manifest's own
// fault (not JSON, another schema); fatal is a refusal or a failure of the archive.
func readManifestDoc(r io.Reader, lim ReadLimits) (m *Manifest, bad, fatal error) {
	var buf bytes.Buffer
	tee := io.TeeReader(r, &buf)
	if err := checkManifestCounts(tee, lim); err != nil {
		return nil, nil, err
	}
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return nil, nil, err
	}
	m, bad = parseManifest(buf.Bytes())
	return m, bad, nil
}

// parseManifest reads manifest.json: an object of the schema this casefile reads. A newer
// schema is refused with a clear message rather than read half right; null or a manifest
// without id and time is refused as malformed.
func parseManifest(data []byte) (*Manifest, error) {
	var m *Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("manifest.json: %v", err)
	}
	switch {
	case m == nil:
		return nil, fmt.Errorf("manifest.json is null, not an object")
	case m.SchemaVersion > SchemaVersion:
		return nil, fmt.Errorf("manifest.json has schema_version %d; this casefile reads version %d (made by a newer casefile: upgrade to read it)", m.SchemaVersion, SchemaVersion)
	case m.SchemaVersion < 1:
		return nil, fmt.Errorf("manifest.json has no valid schema_version (got %d)", m.SchemaVersion)
	case m.BundleID == "" || m.CreatedAt.IsZero():
		return nil, fmt.Errorf("manifest.json lacks bundle_id or created_at")
	}
	return m, nil
}

// Verify compares every file in the archive with the manifest. An empty result means all match.
func (c *Contents) Verify() []Problem {
	var probs []Problem
	listed := map[string]bool{"manifest.json": true}
	for _, f := range c.Manifest.Files {
		listed[f.Path] = true
		got, ok := c.Hashes[f.Path]
		switch {
		case !ok:
			probs = append(probs, Problem{Path: f.Path, Kind: "missing"})
		case got.Size != f.Size:
			probs = append(probs, Problem{Path: f.Path, Kind: "size", Want: fmt.Sprint(f.Size), Got: fmt.Sprint(got.Size)})
		case got.SHA256 != f.SHA256:
			probs = append(probs, Problem{Path: f.Path, Kind: "altered", Want: f.SHA256, Got: got.SHA256})
		}
	}
	for p := range c.Hashes {
		if !listed[p] {
			probs = append(probs, Problem{Path: p, Kind: "extra"})
		}
	}
	want := Name(c.Manifest.Ticket, c.Manifest.Host, c.Manifest.CreatedAt, c.Manifest.BundleID)
	if c.Top != want {
		probs = append(probs, Problem{Path: c.Top + "/", Kind: "top folder", Want: want, Got: c.Top})
	}
	sort.Slice(probs, func(i, j int) bool { return probs[i].Path < probs[j].Path })
	return probs
}
