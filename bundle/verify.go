package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
// hash.
type Contents struct {
	Top         string
	Manifest    *Manifest
	Environment map[string]any
	Redaction   *redact.Report
	// Findings are findings.json's entries; nil when the bundle has none (an older casefile).
	Findings []FindingRow
	Hashes   map[string]FileEntry // by path, as found in the archive
}

// FindingRow is what a summary shows of one finding (findings.json holds more: detail,
// evidence, next step; see package analyze).
type FindingRow struct {
	ID       string `json:"id"`
	Severity string `json:"severity"`
	Title    string `json:"title"`
	Target   string `json:"target,omitempty"`
}

// Read reads a bundle once: metadata documents into memory (bounded), every file hashed.
func Read(p string, lim ReadLimits) (*Contents, error) {
	c := &Contents{Hashes: map[string]FileEntry{}}
	var manErr error
	top, err := Walk(p, lim, func(e Entry, r io.Reader) error {
		h := sha256.New()
		var meta []byte
		var dst io.Writer = h
		isMeta := e.Name == "manifest.json" || e.Name == "environment.json" || e.Name == "redaction.json" || e.Name == "findings.json"
		if isMeta {
			if e.Size > lim.MaxMetaSize {
				return unsafef("%s is larger than %d bytes", e.Name, lim.MaxMetaSize)
			}
			buf := &limitedBuf{max: lim.MaxMetaSize}
			dst = io.MultiWriter(h, buf)
			n, err := io.Copy(dst, r)
			if err != nil {
				return err
			}
			meta = buf.b
			c.Hashes[e.Name] = FileEntry{Path: e.Name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
			switch e.Name {
			case "manifest.json":
				m, err := parseManifest(meta)
				if err != nil {
					manErr = err
				} else {
					c.Manifest = m
				}
			case "environment.json":
				json.Unmarshal(meta, &c.Environment)
			case "findings.json":
				var f struct {
					Findings []FindingRow `json:"findings"`
				}
				if json.Unmarshal(meta, &f) == nil {
					c.Findings = f.Findings
					if c.Findings == nil {
						c.Findings = []FindingRow{}
					}
				}
			case "redaction.json":
				var rep redact.Report
				if json.Unmarshal(meta, &rep) == nil {
					c.Redaction = &rep
				}
			}
			return nil
		}
		if _, dup := c.Hashes[e.Name]; dup {
			return unsafef("%s appears twice", e.Name)
		}
		n, err := io.Copy(dst, r)
		if err != nil {
			return err
		}
		c.Hashes[e.Name] = FileEntry{Path: e.Name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
		return nil
	})
	c.Top = top
	if err != nil {
		return nil, err
	}
	if manErr != nil {
		return nil, unsafef("%v", manErr)
	}
	if c.Manifest == nil {
		return nil, unsafef("no manifest.json in %s", p)
	}
	return c, nil
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

type limitedBuf struct {
	b   []byte
	max int64
}

func (l *limitedBuf) Write(p []byte) (int, error) {
	if int64(len(l.b)+len(p)) > l.max {
		return 0, unsafef("metadata file larger than %d bytes", l.max)
	}
	l.b = append(l.b, p...)
	return len(p), nil
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
