package bundle

import (
	"errors"
	"io"
	"strings"

	"github.com/casefile/casefile/redact"
)

// Bounds on what Read keeps of the metadata documents. A bundle casefile writes stays far
// inside them; a hostile one cannot make the reader's memory grow with the document (64 MiB of
// "{}," as findings.json decoded to 3.6 GiB of heap through json.Unmarshal).
const (
	// DefaultMaxFindings bounds findings.json's entries: analyze writes one per problem found
	// (dozens); more is refused as a hostile bundle. All are counted (FindingCounts), the first
	// maxFindingRows kept.
	DefaultMaxFindings = 1_000_000
	maxFindingRows     = 10_000
	// maxCollectors bounds manifest.json's collectors[] (a spec runs a few dozen).
	maxCollectors = 10000
	// Kept text of one finding's fields; longer text is cut with "…".
	maxFindingID       = 128
	maxFindingSeverity = 32
	maxFindingText     = 512
	// environment.json: top-level strings kept (nested values are skipped).
	maxEnvKeys  = 1000
	maxEnvValue = 4096
	// redaction.json: rules kept in by_rule.
	maxRules    = 10000
	maxRuleName = 256
)

func (l ReadLimits) maxFindings() int {
	if l.MaxFindings > 0 {
		return l.MaxFindings
	}
	return DefaultMaxFindings
}

// jsonErr separates a document that is not (the expected) JSON, which reads as absent, from a
// failure of the archive underneath or a bound, which is returned.
func jsonErr(err error) (fatal error) {
	if err == nil || errors.Is(err, errJSONSyntax) {
		return nil
	}
	return err
}

// readFindings streams findings.json, counting every finding by severity and keeping the
// first maxFindingRows findings' id, severity, title and target (cut to bounds). A document
// that is not a findings object gives nil, as json.Unmarshal's failure did; more than max
// findings is an ErrUnsafe refusal.
func readFindings(r io.Reader, max int) ([]FindingRow, FindingCounts, error) {
	s := newJSONStream(r)
	var rows []FindingRow
	var n FindingCounts
	err := s.object(func(key string) error {
		if !strings.EqualFold(key, "findings") {
			return s.skip()
		}
		rows, n = rows[:0], FindingCounts{}
		return s.array(func() error {
			if n.Total++; n.Total > max {
				return unsafef("findings.json holds more than %d findings", max)
			}
			// A finding past the kept ones is only counted: its strings are not copied.
			keep := len(rows) < maxFindingRows
			text := func(max int) (string, error) {
				if !keep {
					max = 0
				}
				return s.stringValue(max)
			}
			var f FindingRow
			var sev int
			err := s.object(func(key string) error {
				var err error
				switch strings.ToLower(key) {
				case "id":
					f.ID, err = text(maxFindingID)
				case "severity":
					var b []byte
					b, err = s.stringBytes(maxFindingSeverity)
					switch {
					case string(b) == "critical":
						sev, f.Severity = 1, "critical"
					case string(b) == "warning":
						sev, f.Severity = 2, "warning"
					case string(b) == "info":
						sev, f.Severity = 3, "info"
					default:
						sev = 0
						if keep {
							f.Severity = string(b)
						}
					}
				case "title":
					f.Title, err = text(maxFindingText)
				case "target":
					f.Target, err = text(maxFindingText)
				default:
					err = s.skip()
				}
				return err
			})
			switch sev {
			case 1:
				n.Critical++
			case 2:
				n.Warning++
			case 3:
				n.Info++
			}
			if keep {
				rows = append(rows, f)
			}
			return err
		})
	})
	if err == nil {
		err = s.end()
	}
	if err != nil || s.mismatch {
		return nil, FindingCounts{}, jsonErr(err)
	}
	if rows == nil {
		rows = []FindingRow{}
	}
	return rows, n, nil
}

// readEnvironment streams environment.json, keeping its top-level string values (what a
// summary shows: platform, os, kernel, arch); nested values are read past.
func readEnvironment(r io.Reader) (map[string]any, error) {
	s := newJSONStream(r)
	env := map[string]any{}
	null, err := s.isNull()
	if err == nil && !null {
		err = s.object(func(key string) error {
			c, err := s.peek()
			if err != nil {
				return s.readErr(err)
			}
			if c != '"' || len(env) >= maxEnvKeys {
				return s.skip()
			}
			v, err := s.stringValue(maxEnvValue)
			env[key] = v
			return err
		})
	}
	if err == nil {
		err = s.end()
	}
	if err != nil || s.mismatch || null {
		return nil, jsonErr(err)
	}
	return env, nil
}

// readRedaction streams redaction.json, keeping total, files and by_rule (at most maxRules
// rules); by_file and dropped are read past: no caller shows them.
func readRedaction(r io.Reader) (*redact.Report, error) {
	s := newJSONStream(r)
	var rep redact.Report
	err := s.object(func(key string) error {
		var err error
		switch strings.ToLower(key) {
		case "total":
			rep.Total, err = s.intValue()
		case "files":
			rep.Files, err = s.intValue()
		case "by_rule":
			null, err := s.isNull()
			if err != nil || null {
				rep.ByRule = nil
				return err
			}
			if rep.ByRule == nil {
				rep.ByRule = map[string]int{}
			}
			return s.object(func(rule string) error {
				n, err := s.intValue()
				if len(rep.ByRule) < maxRules || rep.ByRule[rule] != 0 {
					rep.ByRule[rule] = n
				}
				return err
			})
		default:
			err = s.skip()
		}
		return err
	})
	if err == nil {
		err = s.end()
	}
	if err != nil || s.mismatch {
		return nil, jsonErr(err)
	}
	return &rep, nil
}

// checkManifestCounts bounds the lists manifest.json decodes into before it is decoded: a
// manifest of "{}," decodes every 3 bytes into a 100-byte FileEntry. files[], raw_exemptions[]
// and all collectors' files[] together may each name at most lim.MaxEntries entries (the
// archive holds no more), collectors[] at most maxCollectors. A document that is not JSON is
// left to json.Unmarshal's error.
func checkManifestCounts(r io.Reader, lim ReadLimits) error {
	s := newJSONStream(r)
	count := func(what string, n *int, max int) error {
		return s.array(func() error {
			if *n++; *n > max {
				return unsafef("manifest.json lists more than %d %s", max, what)
			}
			return s.skip()
		})
	}
	var collectorFiles int
	err := s.object(func(key string) error {
		var n int
		switch strings.ToLower(key) {
		case "files":
			return count("files", &n, lim.MaxEntries)
		case "raw_exemptions":
			return count("raw exemptions", &n, lim.MaxEntries)
		case "collectors":
			return s.array(func() error {
				if n++; n > maxCollectors {
					return unsafef("manifest.json lists more than %d collectors", maxCollectors)
				}
				return s.object(func(key string) error {
					if strings.EqualFold(key, "files") {
						return count("files in its collectors", &collectorFiles, lim.MaxEntries)
					}
					return s.skip()
				})
			})
		}
		return s.skip()
	})
	return jsonErr(err)
}

// metaReader bounds a metadata document to lim.MaxMetaSize bytes and counts them.
type metaReader struct {
	r    io.Reader
	name string
	max  int64
	n    int64
}

func (m *metaReader) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	m.n += int64(n)
	if m.n > m.max {
		return n, unsafef("%s is larger than %d bytes", m.name, m.max)
	}
	return n, err
}
