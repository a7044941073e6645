// Package report renders a bundle as one self-contained HTML page (report.html): inline CSS and
// SVG, no script, no external request, every value escaped by html/template. It reads collected
// files only (an analyze.Source), so it renders at collection time and for any bundle later.
package report

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/casefile/casefile/analyze"
)

//go:embed report.tmpl
var pageTemplate string

var tmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"f1": func(v float64) string { return fmt.Sprintf("%.1f", v) },
}).Parse(pageTemplate))

// Write renders the report for the bundle files in src with its findings. Files that are
// absent (an older bundle, a collector that did not run) leave their section out.
func Write(w io.Writer, src analyze.Source, findings analyze.Findings) error {
	p := build(src, findings)
	return tmpl.Execute(w, p)
}

// page is everything the template shows.
type page struct {
	Title    string
	Header   header
	Verdict  verdict
	Findings []finding
	History  *historyView
	Network  *network
	System   *system
	Timeline *timeline
	Logs     []sigSource
	Redact   *redaction
}

type header struct {
	Host, OS, Created, Ticket, BundleID, Tool, Spec string
}

type verdict struct {
	Class, Text                             string
	Critical, Warning, Info, FailedCollects int
}

type finding struct {
	analyze.Finding
	Evidence []string
}

// manifest holds the manifest.json fields the report shows (older bundles may lack some).
type manifest struct {
	BundleID  string    `json:"bundle_id"`
	CreatedAt time.Time `json:"created_at"`
	Ticket    string    `json:"ticket"`
	Host      string    `json:"host"`
	Tool      struct {
		Version string `json:"version"`
	} `json:"tool"`
	Spec struct {
		Name   string `json:"name"`
		Source string `json:"source"`
	} `json:"spec"`
	Collectors []collectorRun `json:"collectors"`
	Redaction  struct {
		Total   int `json:"total"`
		Files   int `json:"files"`
		Dropped int `json:"dropped"`
	} `json:"redaction"`
}

type collectorRun struct {
	Name       string    `json:"name"`
	Family     string    `json:"family"`
	Status     string    `json:"status"`
	Start      time.Time `json:"start"`
	DurationMS int64     `json:"duration_ms"`
	Error      string    `json:"error"`
}

func readJSON(src analyze.Source, p string, v any) bool {
	b, err := src.ReadFile(p)
	if err != nil {
		return false
	}
	return json.Unmarshal(b, v) == nil
}

func build(src analyze.Source, fs analyze.Findings) page {
	var m manifest
	readJSON(src, "manifest.json", &m)
	env := obj{}
	readJSON(src, "environment.json", (*map[string]any)(&env))

	h := header{Host: m.Host, Ticket: m.Ticket, BundleID: m.BundleID, Tool: m.Tool.Version}
	if h.Host == "" {
		h.Host = env.str("hostname")
	}
	if !m.CreatedAt.IsZero() {
		h.Created = m.CreatedAt.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	h.OS = env.str("pretty_name")
	if h.OS == "" {
		h.OS = strings.TrimSpace(env.str("platform") + " " + env.str("platform_version"))
	}
	if h.OS == "" {
		h.OS = env.str("os")
	}
	if a := env.str("arch"); a != "" && h.OS != "" {
		h.OS += " (" + a + ")"
	}
	if m.Spec.Name != "" {
		h.Spec = m.Spec.Name
		if m.Spec.Source != "" {
			h.Spec += " (" + m.Spec.Source + ")"
		}
	}

	p := page{Header: h}
	p.Title = "casefile report"
	if h.Ticket != "" {
		p.Title += " — ticket " + h.Ticket
	}
	if h.Host != "" {
		p.Title += " — " + h.Host
	}
	for _, f := range fs.Findings {
		x := finding{Finding: f}
		for _, e := range f.Evidence {
			s := e.Path
			if e.Line > 0 {
				s = fmt.Sprintf("%s:%d", e.Path, e.Line)
			}
			x.Evidence = append(x.Evidence, s)
		}
		p.Findings = append(p.Findings, x)
	}
	v := verdict{Critical: fs.Count(analyze.Critical), Warning: fs.Count(analyze.Warning), Info: fs.Count(analyze.Info)}
	for _, c := range m.Collectors {
		if c.Status == "failed" || c.Status == "timed_out" {
			v.FailedCollects++
		}
	}
	switch {
	case v.Critical > 0:
		v.Class, v.Text = "critical", plural(v.Critical, "critical problem")+" found"
	case v.Warning > 0:
		v.Class, v.Text = "warning", plural(v.Warning, "warning")+", nothing critical"
	default:
		v.Class, v.Text = "ok", "No problems found"
	}
	p.Verdict = v
	p.History = buildHistory(src)
	p.Network = buildNetwork(src)
	p.System = buildSystem(src, env)
	p.Timeline = buildTimeline(m.Collectors)
	p.Logs = buildSignatures(src)
	p.Redact = buildRedaction(src, m)
	return p
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// redaction is the redaction totals section.
type redaction struct {
	Total, Files int
	Rules        []kv
	Dropped      []kv
}

type kv struct {
	K string
	V string
}

func buildRedaction(src analyze.Source, m manifest) *redaction {
	var rep struct {
		Total   int               `json:"total"`
		Files   int               `json:"files"`
		ByRule  map[string]int    `json:"by_rule"`
		Dropped map[string]string `json:"dropped"`
	}
	if !readJSON(src, "redaction.json", &rep) {
		if m.BundleID == "" {
			return nil
		}
		rep.Total, rep.Files = m.Redaction.Total, m.Redaction.Files
	}
	r := &redaction{Total: rep.Total, Files: rep.Files}
	for k, v := range rep.ByRule {
		r.Rules = append(r.Rules, kv{k, fmt.Sprint(v)})
	}
	sort.Slice(r.Rules, func(i, j int) bool { return r.Rules[i].K < r.Rules[j].K })
	for k, v := range rep.Dropped {
		r.Dropped = append(r.Dropped, kv{k, v})
	}
	sort.Slice(r.Dropped, func(i, j int) bool { return r.Dropped[i].K < r.Dropped[j].K })
	return r
}

// obj is a decoded JSON object with tolerant accessors: a bundle from another casefile version
// may lack a field or give it another type; the report then shows less, never fails.
type obj map[string]any

func (o obj) get(path string) any {
	var cur any = map[string]any(o)
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

func (o obj) str(path string) string {
	switch v := o.get(path).(type) {
	case string:
		return v
	case float64:
		return trimFloat(v)
	case bool:
		if v {
			return "yes"
		}
		return "no"
	}
	return ""
}

func (o obj) num(path string) (float64, bool) {
	v, ok := o.get(path).(float64)
	return v, ok
}

func (o obj) list(path string) []any {
	v, _ := o.get(path).([]any)
	return v
}

func asObj(v any) obj {
	m, _ := v.(map[string]any)
	return obj(m)
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.3f", v)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

func strList(vs []any) []string {
	var out []string
	for _, v := range vs {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// humanBytes formats a byte count in binary units.
func humanBytes(n float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	i := 0
	for n >= 1024 && i < len(units)-1 {
		n /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", n)
	}
	return fmt.Sprintf("%.1f %s", n, units[i])
}

func humanDuration(sec float64) string {
	d := time.Duration(sec) * time.Second
	days := int(d.Hours()) / 24
	hours := int(d.Hours()) % 24
	mins := int(d.Minutes()) % 60
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh %dm", days, hours, mins)
	case hours > 0:
		return fmt.Sprintf("%dh %dm", hours, mins)
	}
	return fmt.Sprintf("%dm %ds", mins, int(d.Seconds())%60)
}

// BundleFindings returns the bundle's findings.json, or, for a bundle made before findings
// existed (or whose findings.json does not parse), the findings the built-in analyzers compute
// from its files now.
func BundleFindings(src analyze.Source) analyze.Findings {
	var f analyze.Findings
	if readJSON(src, "findings.json", &f) && f.Findings != nil {
		return f
	}
	return analyze.Analyze(src)
}
