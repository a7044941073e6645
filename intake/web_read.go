package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/casefile/casefile/analyze"
	"github.com/casefile/casefile/bundle"
)

// A bundle comes from a customer's machine: its metadata documents may hold millions of entries
// (64 MiB of "{}," in findings.json packs into 60 KiB) or megabytes in one field. The web view
// reads them as streams and keeps a bounded part: the memory a view holds, the page it renders
// and the time it takes do not grow with what the bundle holds.
const (
	maxShownFindings   = 500     // findings kept and shown of one bundle, most severe first
	maxScannedFindings = 100_000 // findings.json entries read at all
	maxShownCollectors = 500
	maxShownRules      = 200
	maxScannedRules    = 100_000
	maxShownDropped    = 200
	maxShownEvidence   = 20
	maxText            = 2000 // bytes of one free-text field (a finding's detail, next step, title)
	maxName            = 256  // bytes of a name (host, ids, targets, rules, collectors, paths)
)

// clip cuts s to at most n bytes on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// viewSummary is what the pages show of a bundle's manifest and environment.
type viewSummary struct {
	Host, OS, CreatedAt string
	Collectors          []bundle.CollectorRow // the first maxShownCollectors
	MoreCollectors      int
}

// viewManifest is manifest.json as the view reads it: "files" is skipped by the scanner, the
// collectors are read one at a time.
type viewManifest struct {
	SchemaVersion int                     `json:"schema_version"`
	BundleID      string                  `json:"bundle_id"`
	CreatedAt     time.Time               `json:"created_at"`
	Host          string                  `json:"host"`
	Redaction     bundle.RedactionSummary `json:"redaction"`
	Collectors    collectorList           `json:"collectors"`
}

// collectorList keeps the first maxShownCollectors collectors and counts all by status.
type collectorList struct {
	rows     []bundle.CollectorRow
	more     int
	byStatus map[string]int
}

// arrayCount counts a JSON array's elements without keeping them.
type arrayCount int

func (a *arrayCount) UnmarshalJSON(data []byte) error {
	n := 0
	err := eachElement(data, func(d *json.Decoder) error {
		n++
		var skip json.RawMessage
		return d.Decode(&skip)
	})
	*a = arrayCount(n)
	return err
}

func (c *collectorList) UnmarshalJSON(data []byte) error {
	c.byStatus = map[string]int{}
	return eachElement(data, func(d *json.Decoder) error {
		var r struct {
			Name       string     `json:"name"`
			Status     string     `json:"status"`
			DurationMS int64      `json:"duration_ms"`
			Error      string     `json:"error"`
			Files      arrayCount `json:"files"`
		}
		if err := d.Decode(&r); err != nil {
			return err
		}
		st := clip(r.Status, 32)
		c.byStatus[st]++
		if len(c.rows) == maxShownCollectors {
			c.more++
			return nil
		}
		e, _, _ := strings.Cut(r.Error, "\n")
		c.rows = append(c.rows, bundle.CollectorRow{Name: clip(r.Name, maxName), Status: st, DurationMS: r.DurationMS,
			Files: int(r.Files), Error: clip(e, 200)})
		return nil
	})
}

// eachElement calls fn for each element of the JSON array data (null: none), fn decoding it.
func eachElement(data []byte, fn func(*json.Decoder) error) error {
	if string(bytes.TrimSpace(data)) == "null" {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(data))
	if err := expectDelim(d, '['); err != nil {
		return err
	}
	for d.More() {
		if err := fn(d); err != nil {
			return err
		}
	}
	_, err := d.Token()
	return err
}

func expectDelim(d *json.Decoder, want json.Delim) error {
	tok, err := d.Token()
	if err != nil {
		return err
	}
	if tok != want {
		return fmt.Errorf("want %v, found %v", want, tok)
	}
	return nil
}

// eachMember calls fn for each member of the JSON object that d is at, fn decoding the value.
func eachMember(d *json.Decoder, fn func(key string, d *json.Decoder) error) error {
	if err := expectDelim(d, '{'); err != nil {
		return err
	}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if err := fn(key, d); err != nil {
			return err
		}
	}
	_, err := d.Token()
	return err
}

func skipValue(d *json.Decoder) error {
	var skip json.RawMessage
	return d.Decode(&skip)
}

// findingsRead is what the view keeps of findings.json.
type findingsRead struct {
	shown   []analyze.Finding // most severe first, at most maxShownFindings
	counts  map[analyze.Severity]int
	total   int
	partial bool // more than maxScannedFindings, or unreadable past some point
}

// errEnough stops reading a stream once the view has what it keeps.
var errEnough = errors.New("enough")

// readFindings reads findings.json as a stream: every severity keeps its first
// maxShownFindings entries, at most maxScannedFindings are read.
func readFindings(r io.Reader) findingsRead {
	out := findingsRead{counts: map[analyze.Severity]int{}}
	var kept [3][]analyze.Finding
	d := json.NewDecoder(r)
	err := eachMember(d, func(key string, d *json.Decoder) error {
		if key != "findings" {
			return skipValue(d)
		}
		if tok, err := d.Token(); err != nil || tok == nil {
			return err // null: no findings
		} else if tok != json.Delim('[') {
			return fmt.Errorf("findings is not an array")
		}
		for d.More() {
			if out.total == maxScannedFindings {
				return errEnough
			}
			var f analyze.Finding
			if err := d.Decode(&f); err != nil {
				return err
			}
			out.total++
			out.counts[f.Severity]++
			i := rank(f.Severity)
			if len(kept[i]) < maxShownFindings {
				kept[i] = append(kept[i], clipFinding(f))
			}
		}
		_, err := d.Token()
		return err
	})
	out.partial = err != nil
	for _, k := range kept {
		out.shown = append(out.shown, k...)
	}
	analyze.Sort(out.shown)
	if len(out.shown) > maxShownFindings {
		out.shown = out.shown[:maxShownFindings]
	}
	return out
}

func rank(s analyze.Severity) int {
	switch s {
	case analyze.Critical:
		return 0
	case analyze.Warning:
		return 1
	}
	return 2
}

func clipFinding(f analyze.Finding) analyze.Finding {
	f.ID, f.Severity, f.Target = clip(f.ID, maxName), analyze.Severity(clip(string(f.Severity), 32)), clip(f.Target, maxName)
	f.Title, f.Detail, f.NextStep = clip(f.Title, maxText), clip(f.Detail, maxText), clip(f.NextStep, maxText)
	if len(f.Evidence) > maxShownEvidence {
		f.Evidence = f.Evidence[:maxShownEvidence]
	}
	ev := make([]analyze.Evidence, len(f.Evidence))
	for i, e := range f.Evidence {
		ev[i] = e
		ev[i].Path = clip(e.Path, maxName)
	}
	f.Evidence = ev
	return f
}

// redactionRead is what the view keeps of redaction.json: the totals, the rules with the most
// values (at most maxShownRules) and the first files left out.
type redactionRead struct {
	ok           bool
	total, files int
	rules        []ruleCount
	moreRules    int
	dropped      []string
	moreDropped  int
}

func readRedaction(r io.Reader) redactionRead {
	var out redactionRead
	d := json.NewDecoder(r)
	err := eachMember(d, func(key string, d *json.Decoder) error {
		switch key {
		case "total":
			return d.Decode(&out.total)
		case "files":
			return d.Decode(&out.files)
		case "by_rule":
			scanned := 0
			return eachMember(d, func(rule string, d *json.Decoder) error {
				var n int
				if err := d.Decode(&n); err != nil {
					return err
				}
				if scanned++; scanned > maxScannedRules {
					out.moreRules++
					return nil
				}
				out.keepRule(ruleCount{clip(rule, maxName), n})
				return nil
			})
		case "dropped":
			return eachMember(d, func(p string, d *json.Decoder) error {
				var why string
				if err := d.Decode(&why); err != nil {
					return err
				}
				if len(out.dropped) == maxShownDropped {
					out.moreDropped++
					return nil
				}
				out.dropped = append(out.dropped, clip(p, maxName)+": "+clip(why, maxText))
				return nil
			})
		}
		return skipValue(d)
	})
	out.ok = err == nil
	return out
}

// keepRule keeps the maxShownRules rules with the most values.
func (r *redactionRead) keepRule(rc ruleCount) {
	if len(r.rules) < maxShownRules {
		r.rules = append(r.rules, rc)
		return
	}
	r.moreRules++
	low := 0
	for i, x := range r.rules {
		if x.Count < r.rules[low].Count {
			low = i
		}
	}
	if rc.Count > r.rules[low].Count {
		r.rules[low] = rc
	}
}

// viewEnvironment is what the view reads of environment.json.
type viewEnvironment struct {
	Platform        string `json:"platform"`
	PlatformVersion string `json:"platform_version"`
	OS              string `json:"os"`
	KernelVersion   string `json:"kernel_version"`
	Arch            string `json:"arch"`
}

func (e viewEnvironment) line() string {
	var parts []string
	for _, v := range []string{e.Platform, e.PlatformVersion, e.OS, e.KernelVersion, e.Arch} {
		if v != "" {
			parts = append(parts, clip(v, maxName))
		}
	}
	return strings.Join(parts, " ")
}

// size estimates the memory a view holds, for the cache's budget.
func (v *bundleView) size() int64 {
	n := int64(1024 + len(v.report))
	n += int64(len(v.Summary.Host) + len(v.Summary.OS))
	for _, c := range v.Summary.Collectors {
		n += int64(64 + len(c.Name) + len(c.Status) + len(c.Error))
	}
	for _, f := range v.Findings {
		n += int64(128 + len(f.ID) + len(f.Title) + len(f.Detail) + len(f.Target) + len(f.NextStep))
		for _, e := range f.Evidence {
			n += int64(32 + len(e.Path))
		}
	}
	for _, r := range v.Redaction.Rules {
		n += int64(32 + len(r.Rule))
	}
	for _, s := range v.Redaction.Dropped {
		n += int64(16 + len(s))
	}
	return n
}
