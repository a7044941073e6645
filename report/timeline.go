package report

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/casefile/casefile/analyze"
)

// timeline is a Gantt chart of the collectors: one bar per collector from its start for its
// duration, coloured by status.
type timeline struct {
	Width, Height int
	PlotX, PlotW  float64
	AxisY         float64
	Rows          []tlRow
	Ticks         []tick
	Pinned        bool // every duration is 0 (SOURCE_DATE_EPOCH): bars show order only
	Collectors    []collectorRun
}

type tlRow struct {
	Y, TextY, X, W, ValueX float64
	Name, Status, Value    string
	Title                  string
}

const tlRowH = 20

func buildTimeline(cs []collectorRun) *timeline {
	if len(cs) == 0 {
		return nil
	}
	runs := append([]collectorRun{}, cs...)
	sort.SliceStable(runs, func(i, j int) bool {
		if !runs[i].Start.Equal(runs[j].Start) {
			return runs[i].Start.Before(runs[j].Start)
		}
		return runs[i].Name < runs[j].Name
	})
	t0 := runs[0].Start
	var end time.Duration
	pinned := true
	for _, c := range runs {
		e := c.Start.Sub(t0) + time.Duration(c.DurationMS)*time.Millisecond
		if e > end {
			end = e
		}
		if c.DurationMS > 0 {
			pinned = false
		}
	}
	spanMS, step := niceScale(math.Max(float64(end.Milliseconds()), 1))
	t := &timeline{Width: chartW, PlotX: 200, PlotW: chartW - 200 - 110, Pinned: pinned, Collectors: runs}
	x := func(ms float64) float64 { return t.PlotX + ms/spanMS*t.PlotW }
	for i, c := range runs {
		y := float64(8 + i*tlRowH)
		off := float64(c.Start.Sub(t0).Microseconds()) / 1000
		r := tlRow{Y: y + 3, TextY: y + 14, X: x(off), W: math.Max(2, x(off+float64(c.DurationMS))-x(off)), Name: c.Name, Status: c.Status}
		r.Value = fmt.Sprintf("%s ms", trimFloat(float64(c.DurationMS)))
		if c.Status != "ok" {
			r.Value += " · " + strings.ReplaceAll(c.Status, "_", " ")
		}
		r.ValueX = r.X + r.W + 6
		r.Title = fmt.Sprintf("%s: %s, started +%s ms, ran %d ms", c.Name, c.Status, trimFloat(off), c.DurationMS)
		if c.Error != "" {
			r.Title += " — " + c.Error
		}
		t.Rows = append(t.Rows, r)
	}
	t.AxisY = float64(8 + len(runs)*tlRowH + 2)
	t.Ticks = ticks(spanMS, step, x)
	t.Height = int(t.AxisY) + 22
	return t
}

// sigSource is one log source's signatures (logs/signatures.json).
type sigSource struct {
	Source  string
	Summary string
	Rows    []sigRow
}

type sigRow struct {
	Level, Count, First, Last, Template, Example, Burst string
}

// buildSignatures reads logs/signatures.json. Its shape is read tolerantly: any list of objects
// holding a "template" is a list of signatures, named by the nearest "source" (or "name" or
// "path") on the way to it, so the section keeps working as that document grows.
func buildSignatures(src analyze.Source) []sigSource {
	var doc any
	if !readJSON(src, "logs/signatures.json", &doc) {
		return nil
	}
	bySource := map[string]*sigSource{}
	summaries := map[string]string{}
	var order []string
	var walk func(v any, source string, depth int)
	walk = func(v any, source string, depth int) {
		if depth > 6 {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			o := obj(x)
			for _, k := range []string{"source", "name", "path", "file"} {
				if s := o.str(k); s != "" {
					source = s
					break
				}
			}
			if e, ok := o.num("entries"); ok {
				errs, _ := o.num("errors")
				warns, _ := o.num("warnings")
				summaries[source] = fmt.Sprintf("%s entries, %s errors, %s warnings", trimFloat(e), trimFloat(errs), trimFloat(warns))
			}
			if _, ok := x["template"]; ok {
				s := bySource[source]
				if s == nil {
					s = &sigSource{Source: source}
					bySource[source] = s
					order = append(order, source)
				}
				s.Rows = append(s.Rows, sigRow{
					Level: firstStr(o, "level", "severity"), Count: firstStr(o, "count"),
					First: firstStr(o, "first_seen", "first"), Last: firstStr(o, "last_seen", "last"),
					Template: o.str("template"), Example: firstStr(o, "example", "example_line", "sample"),
				})
				if n, ok := o.num("burst.count"); ok {
					r := &s.Rows[len(s.Rows)-1]
					r.Burst = fmt.Sprintf("burst: %s in %s s from %s", trimFloat(n), o.str("burst.window_s"), o.str("burst.start"))
				}
				return
			}
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				switch x[k].(type) {
				case []any, map[string]any:
					// A map keyed by source name ({"app": [...]}) names the source by its key.
					s := source
					if !genericKeys[k] {
						s = k
					}
					walk(x[k], s, depth+1)
				}
			}
		case []any:
			for _, e := range x {
				walk(e, source, depth+1)
			}
		}
	}
	walk(doc, "", 0)
	var out []sigSource
	for _, s := range order {
		src := *bySource[s]
		src.Summary = summaries[s]
		out = append(out, src)
	}
	return out
}

var genericKeys = map[string]bool{"sources": true, "signatures": true, "templates": true, "results": true, "items": true, "top": true}

func firstStr(o obj, keys ...string) string {
	for _, k := range keys {
		if s := o.str(k); s != "" {
			return s
		}
	}
	return ""
}
