package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/casefile/casefile/analyze"
	"github.com/casefile/casefile/history"
)

//go:embed history.tmpl
var historyTemplate string

func init() {
	template.Must(tmpl.New("history").Parse(historyTemplate))
}

// The history chart's geometry (SVG user units; the SVG scales to the page width). Runs are
// put into at most histBins columns of the plot, so a week at 5 s draws as fast as an hour.
const (
	histLblW  = 170
	histValW  = 150
	histRowH  = 46
	histLineH = 26 // latency line band
	histStrip = 10 // ok/failed strip
	histTop   = 6
	histBins  = 270
)

// historyView is the monitor timeline (#history): one row per monitor.
type historyView struct {
	Width, Height int
	PlotX, PlotW  float64
	LabelX        float64 // right edge of the monitor names
	ValueX        float64 // left edge of the per-row summary
	AxisY         float64
	Span          string // "2026-11-27 02:00:00 – 02:39:40 UTC (40m)"
	Rows          []histRow
	Ticks         []tick
	Monitors      []histMonitorRow
	Error         string // the file did not read; shown instead of the chart
}

type histRow struct {
	Name, Check     string
	LabelY, Y       float64 // label baseline; top of the row
	StripY          float64
	Segs            []histSeg
	Path            string  // the latency (or sample value) line, "M x y L x y ..."
	Scale           string  // what the line's top means: "top 120 ms"
	ValueY          float64 // baseline of the second text line (check kind, scale)
	Summary         string
	Failed, Partial bool
}

// histSeg is a stretch of the ok/failed strip: consecutive bins of one state.
type histSeg struct {
	X, W  float64
	Class string // ok | failed | mixed
	Title string
}

type histMonitorRow struct {
	Name, Check, Target          string
	Runs, Failed, InARow         int
	Last, LastResult, Median, OK string
	LastOK                       bool
}

// sampleChecks are monitors whose line is their value (load1, memory %, disk %, clock offset),
// not a latency.
var sampleUnits = map[string]string{"load": "", "memory": " %", "disk": " %", "clock": " ms"}

func buildHistory(src analyze.Source) *historyView {
	data, err := src.ReadFile(history.BundlePath)
	if err != nil {
		return nil
	}
	rs := make([]history.Result, 0, bytes.Count(data, []byte("\n"))+1)
	err = history.ReadJSONLFunc(bytes.NewReader(data), func(_ int, r history.Result) error {
		r.Detail = nil // the chart does not show it
		rs = append(rs, r)
		return nil
	})
	if err != nil {
		return &historyView{Error: err.Error()}
	}
	if len(rs) == 0 {
		return nil
	}
	count := map[string]int{}
	for i := range rs {
		count[rs[i].Monitor]++
	}
	by := make(map[string][]history.Result, len(count))
	names := make([]string, 0, len(count))
	for n, c := range count {
		by[n] = make([]history.Result, 0, c)
		names = append(names, n)
	}
	t0, t1 := rs[0].Time, rs[0].Time
	for _, r := range rs {
		by[r.Monitor] = append(by[r.Monitor], r)
		if r.Time.Before(t0) {
			t0 = r.Time
		}
		if r.Time.After(t1) {
			t1 = r.Time
		}
	}
	rs = nil
	sort.Strings(names)
	span := t1.Sub(t0)
	if span <= 0 {
		span = time.Second
	}
	v := &historyView{Width: chartW, PlotX: histLblW, PlotW: chartW - histLblW - histValW}
	v.LabelX, v.ValueX = v.PlotX-8, v.PlotX+v.PlotW+8
	v.Span = fmt.Sprintf("%s – %s UTC (%s)", t0.UTC().Format("2006-01-02 15:04:05"), endClock(t0, t1), roundDur(t1.Sub(t0)))
	binW := v.PlotW / histBins
	x := func(t time.Time) float64 { return v.PlotX + float64(t.Sub(t0))/float64(span)*v.PlotW }
	bin := func(t time.Time) int {
		b := int(float64(t.Sub(t0)) / float64(span) * histBins)
		return min(max(b, 0), histBins-1)
	}
	binStart := func(b int) time.Time { return t0.Add(time.Duration(float64(span) * float64(b) / histBins)) }

	for i, name := range names {
		runs := by[name]
		sort.SliceStable(runs, func(a, b int) bool { return runs[a].Time.Before(runs[b].Time) })
		last := runs[len(runs)-1]
		y := float64(histTop + i*histRowH)
		row := histRow{Name: name, Check: last.Check, Y: y, LabelY: y + 20, StripY: y + histLineH + 4}
		row.ValueY = y + 34

		// Bins: counts and the line's values.
		type binT struct {
			ok, failed  int
			first, last time.Time
			vals        []float64
			errs        map[string]int
		}
		bins := make([]binT, histBins)
		unit, sample := sampleUnits[last.Check]
		var all []float64
		failed := 0
		for _, r := range runs {
			b := &bins[bin(r.Time)]
			if b.first.IsZero() {
				b.first = r.Time
			}
			b.last = r.Time
			if r.OK {
				b.ok++
			} else {
				b.failed++
				failed++
				if b.errs == nil {
					b.errs = map[string]int{}
				}
				b.errs[r.Error]++
			}
			val, has := r.LatencyMS, r.OK && r.LatencyMS > 0
			if sample {
				val, has = r.Value, true
			}
			if has {
				b.vals = append(b.vals, val)
				all = append(all, val)
			}
		}
		// A bin without a run inside the monitor's cadence (the runs are sparser than the bins)
		// carries on the state of the bin before it, so the strip and the line are continuous;
		// a gap longer than twice the interval (the daemon was not running) stays empty.
		var gaps []float64
		for k := 1; k < len(runs); k++ {
			gaps = append(gaps, float64(runs[k].Time.Sub(runs[k-1].Time)))
		}
		reach := time.Duration(0)
		if len(gaps) > 0 {
			reach = 2 * time.Duration(percentile(gaps, 0.5))
		}
		states := make([]string, histBins)
		covered := make([]bool, histBins)
		lastState, lastEnd := "", time.Time{}
		for b := range bins {
			if n := bins[b].ok + bins[b].failed; n > 0 {
				switch {
				case bins[b].failed == 0:
					states[b] = "ok"
				case bins[b].ok == 0:
					states[b] = "failed"
				default:
					states[b] = "mixed"
				}
				covered[b] = true
				lastState, lastEnd = states[b], bins[b].last
				continue
			}
			if lastState != "" && binStart(b).Sub(lastEnd) <= reach {
				states[b], covered[b] = lastState, true
			}
		}
		// The strip: consecutive bins of one state make one mark.
		for b := 0; b < histBins; {
			st := states[b]
			e := b + 1
			for e < histBins && states[e] == st {
				e++
			}
			if st != "" {
				okN, failN := 0, 0
				errs := map[string]int{}
				var from, to time.Time
				for k := b; k < e; k++ {
					if from.IsZero() {
						from = bins[k].first
					}
					if !bins[k].last.IsZero() {
						to = bins[k].last
					}
					okN += bins[k].ok
					failN += bins[k].failed
					for m, n := range bins[k].errs {
						errs[m] += n
					}
				}
				title := fmt.Sprintf("%s – %s UTC: ", from.UTC().Format("15:04:05"), to.UTC().Format("15:04:05"))
				if failN == 0 {
					title += plural(okN, "run") + " ok"
				} else {
					title += fmt.Sprintf("%d of %d runs failed", failN, okN+failN)
					if m := topErr(errs); m != "" {
						title += " (" + m + ")"
					}
				}
				row.Segs = append(row.Segs, histSeg{X: v.PlotX + float64(b)*binW, W: math.Max(float64(e-b)*binW, 1.5), Class: st, Title: title})
			}
			b = e
		}
		// The line: each bin's median, scaled to the row's 98th percentile (one spike does not
		// flatten the rest; higher values are drawn at the top).
		if len(all) > 0 {
			top := percentile(all, 0.98)
			if top <= 0 {
				top = math.Max(slices.Max(all), 1)
			}
			var sb strings.Builder
			pen := false
			for b := 0; b < histBins; b++ {
				if len(bins[b].vals) == 0 {
					pen = pen && covered[b] && states[b] == "ok"
					continue
				}
				m := percentile(bins[b].vals, 0.5)
				px := v.PlotX + (float64(b)+0.5)*binW
				py := y + histLineH - math.Min(m/top, 1)*(histLineH-4)
				if pen {
					fmt.Fprintf(&sb, " L%.1f %.1f", px, py)
				} else {
					fmt.Fprintf(&sb, " M%.1f %.1f", px, py)
				}
				pen = true
			}
			row.Path = strings.TrimSpace(sb.String())
			if sample {
				row.Scale = "top " + trimFloat(top) + unit
			} else {
				row.Scale = "top " + msShort(top)
			}
		}
		row.Summary = fmt.Sprintf("%d/%d ok", len(runs)-failed, len(runs))
		row.Failed = !last.OK
		row.Partial = failed > 0
		v.Rows = append(v.Rows, row)

		mr := histMonitorRow{Name: name, Check: last.Check, Target: last.Target, Runs: len(runs), Failed: failed,
			Last: last.Time.UTC().Format("2006-01-02 15:04:05"), LastOK: last.OK}
		for k := len(runs) - 1; k >= 0 && !runs[k].OK; k-- {
			mr.InARow++
		}
		if last.OK {
			mr.LastResult = "ok"
		} else {
			mr.LastResult = "failed"
			if last.Error != "" {
				mr.LastResult += ": " + last.Error
			}
		}
		if len(all) > 0 {
			if sample {
				mr.Median = trimFloat(percentile(all, 0.5)) + unit
			} else {
				mr.Median = msShort(percentile(all, 0.5))
			}
		}
		v.Monitors = append(v.Monitors, mr)
	}
	v.AxisY = float64(histTop + len(names)*histRowH)
	v.Height = int(v.AxisY) + 24
	v.Ticks = timeTicks(t0, t1, x)
	return v
}

func topErr(errs map[string]int) string {
	best, n := "", 0
	for m, c := range errs {
		if c > n || c == n && m < best {
			best, n = m, c
		}
	}
	return best
}

func percentile(xs []float64, p float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func msShort(v float64) string {
	if v >= 1000 {
		return trimFloat(math.Round(v/10)/100) + " s"
	}
	if v >= 10 {
		return fmt.Sprintf("%.0f ms", v)
	}
	return trimFloat(math.Round(v*10)/10) + " ms"
}

func endClock(t0, t1 time.Time) string {
	if t0.UTC().Format("2006-01-02") == t1.UTC().Format("2006-01-02") {
		return t1.UTC().Format("15:04:05")
	}
	return t1.UTC().Format("2006-01-02 15:04:05")
}

func roundDur(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
	case d >= time.Minute:
		return d.Round(time.Second).String()
	}
	return d.Round(time.Millisecond).String()
}

// timeSteps are the axis steps, from which the first giving at most 7 ticks is taken.
var timeSteps = []time.Duration{
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 48 * time.Hour, 7 * 24 * time.Hour,
}

// timeTicks labels the time axis in UTC at whole steps (every 10 minutes at 10:00, 10:10, ...).
func timeTicks(t0, t1 time.Time, x func(time.Time) float64) []tick {
	span := t1.Sub(t0)
	step := timeSteps[len(timeSteps)-1]
	for _, s := range timeSteps {
		if span/s <= 6 {
			step = s
			break
		}
	}
	layout := "15:04"
	switch {
	case step < time.Minute:
		layout = "15:04:05"
	case step >= 24*time.Hour:
		layout = "Jan 2"
	case span >= 24*time.Hour:
		layout = "Jan 2 15:04"
	}
	var out []tick
	for t := t0.UTC().Truncate(step); !t.After(t1); t = t.Add(step) {
		if t.Before(t0) {
			continue
		}
		out = append(out, tick{X: x(t), Label: t.Format(layout)})
	}
	return out
}
