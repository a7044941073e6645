package analyze

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/casefile/casefile/history"
)

// Thresholds of the history analyzers (daemon/history.jsonl). Chosen so that a steady, healthy
// history (every run ok, latency jittering around its level, one answer set) gives nothing:
// history_test.go holds such a history and asserts it.
const (
	histMinFailures   = 2   // intermittent: at least this many failed runs; one failure alone is noise
	histDownRuns      = 3   // down: at least the last 3 runs failed
	histBurstGap      = 2.0 // failures within 2 × the monitor's interval belong to one burst
	histTitleBursts   = 3   // burst times named in a title; more are summarised as "from .. to .."
	histDetailBursts  = 10  // bursts described in a detail
	histEvidenceLines = 5   // evidence lines per finding
	histLatencyMinOK  = 20  // latency: successful runs needed (recent part + a baseline)
	histLatencyRecent = 0.2 // the recent part: the last 20 % of the successful runs, at least 10
	histLatencyMinRec = 10
	histLatencyX      = 2.0  // recent median above 2 × the baseline median ...
	histLatencyAddMS  = 50.0 // ... and at least 50 ms above it
	histFlapChanges   = 4    // dns flapping: the answer set changed at least 4 times
	histFlapListed    = 6    // answer sets listed in the detail
)

// histRun is one result with its line in history.jsonl.
type histRun struct {
	history.Result
	Line int
}

type histMonitor struct {
	Name, Check, Target string
	Runs                []histRun     // time order
	Interval            time.Duration // median gap between runs; 0 with one run
}

func analyzeHistory(src Source) []Finding {
	data, err := src.ReadFile(history.BundlePath)
	if err != nil {
		return nil
	}
	rs := make([]histRun, 0, bytes.Count(data, []byte("\n"))+1)
	err = history.ReadJSONLFunc(bytes.NewReader(data), func(line int, r history.Result) error {
		r.Detail = nil // not used here; a day of details would be most of the memory
		rs = append(rs, histRun{Result: r, Line: line})
		return nil
	})
	if err != nil {
		return []Finding{{
			ID: "history.unreadable", Severity: Info, Target: history.BundlePath,
			Title:    "The daemon's history in this bundle could not be read",
			Detail:   err.Error() + ". The history findings and the timeline are left out.",
			Evidence: []Evidence{{Path: history.BundlePath, Line: lineOf(err)}},
			NextStep: "Compare the casefile versions of the daemon and of this reader (`casefile version`); a damaged file points at the disk the bundle was written to.",
		}}
	}
	var out []Finding
	for _, m := range historyMonitors(rs) {
		out = append(out, historyDown(m)...)
		out = append(out, historyIntermittent(m)...)
		out = append(out, historyLatency(m)...)
		out = append(out, historyDNSFlapping(m)...)
	}
	return out
}

// lineOf reads the line number out of a ReadJSONL error ("history.jsonl line 3: ...").
func lineOf(err error) int {
	var n int
	fmt.Sscanf(err.Error(), "history.jsonl line %d:", &n)
	return n
}

// historyMonitors groups results by monitor, in time order (file order for equal times).
func historyMonitors(rs []histRun) []*histMonitor {
	count := map[string]int{}
	for i := range rs {
		count[rs[i].Monitor]++
	}
	by := make(map[string]*histMonitor, len(count))
	names := make([]string, 0, len(count))
	for n, c := range count {
		by[n] = &histMonitor{Name: n, Runs: make([]histRun, 0, c)}
		names = append(names, n)
	}
	for i := range rs {
		m := by[rs[i].Monitor]
		m.Runs = append(m.Runs, rs[i])
	}
	sort.Strings(names)
	out := make([]*histMonitor, 0, len(names))
	for _, n := range names {
		m := by[n]
		sort.SliceStable(m.Runs, func(i, j int) bool { return m.Runs[i].Time.Before(m.Runs[j].Time) })
		last := m.Runs[len(m.Runs)-1]
		m.Check, m.Target = last.Check, last.Target
		var gaps []float64
		for i := 1; i < len(m.Runs); i++ {
			if g := m.Runs[i].Time.Sub(m.Runs[i-1].Time); g > 0 {
				gaps = append(gaps, float64(g))
			}
		}
		if len(gaps) > 0 {
			m.Interval = time.Duration(median(gaps))
		}
		out = append(out, m)
	}
	return out
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func (m *histMonitor) target() string {
	if m.Target != "" {
		return m.Target
	}
	return m.Name
}

// what names the monitor for a detail: `api (http https://api.test/health)`.
func (m *histMonitor) what() string {
	s := m.Name + " (" + m.Check
	if m.Target != "" {
		s += " " + m.Target
	}
	return s + ")"
}

// span says when the runs were and how often: "120 runs from 2026-11-27 02:00:00 to 02:09:55 UTC, about every 5s".
func (m *histMonitor) span() string {
	first, last := m.Runs[0].Time, m.Runs[len(m.Runs)-1].Time
	s := fmt.Sprintf("%d runs from %s to %s", len(m.Runs), first.Format("2006-01-02 15:04:05"), clockAfter(first, last)+" UTC")
	if m.Interval > 0 {
		s += ", about every " + shortDur(m.Interval)
	}
	return s
}

// clockAfter formats t as a time of day, with its date when it is not ref's day.
func clockAfter(ref, t time.Time) string {
	if ref.Format("2006-01-02") == t.Format("2006-01-02") {
		return t.Format("15:04:05")
	}
	return t.Format("2006-01-02 15:04:05")
}

// hhmm formats a time for a title: 02:04; 02:04:05 when the monitor's runs span less than five
// minutes; Nov 27 02:04 when they span days.
func (m *histMonitor) hhmm(t time.Time) string {
	first, last := m.Runs[0].Time, m.Runs[len(m.Runs)-1].Time
	switch {
	case last.Sub(first) < 5*time.Minute:
		return t.Format("15:04:05")
	case last.Sub(first) >= 24*time.Hour || first.Format("2006-01-02") != last.Format("2006-01-02"):
		return t.Format("Jan 2 15:04")
	}
	return t.Format("15:04")
}

func shortDur(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d >= time.Second:
		return d.Round(time.Second).String()
	}
	return d.Round(time.Millisecond).String()
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

var numberWords = []string{"no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}

func countWord(n int, what string) string {
	w := fmt.Sprint(n)
	if n < len(numberWords) {
		w = numberWords[n]
	}
	if n == 1 {
		return w + " " + what
	}
	return w + " " + what + "s"
}

// joinAnd joins "a", "b" and "c" as "a, b and c".
func joinAnd(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// topError is the most frequent error text among failed runs, with its count.
func topError(runs []histRun) (string, int) {
	count := map[string]int{}
	best, n := "", 0
	for _, r := range runs {
		if r.OK || r.Error == "" {
			continue
		}
		count[r.Error]++
		if c := count[r.Error]; c > n || (c == n && r.Error < best) {
			best, n = r.Error, c
		}
	}
	return best, n
}

// burst is a run of failures: consecutive failed runs, or failures within histBurstGap ×
// interval of each other.
type burst struct {
	Start, End time.Time
	Failed     int // failed runs in it
	Runs       int // runs from its first failure to its last
	First      int // index in Runs of its first failure
	Last       int
}

func (m *histMonitor) bursts() []burst {
	var out []burst
	gap := time.Duration(histBurstGap * float64(m.Interval))
	for i, r := range m.Runs {
		if r.OK {
			continue
		}
		if n := len(out); n > 0 {
			b := &out[n-1]
			if b.Last == i-1 || r.Time.Sub(b.End) <= gap {
				b.End, b.Last = r.Time, i
				b.Failed++
				b.Runs = i - b.First + 1
				continue
			}
		}
		out = append(out, burst{Start: r.Time, End: r.Time, Failed: 1, Runs: 1, First: i, Last: i})
	}
	return out
}

// trailingFailures is how many of the latest runs failed in a row.
func (m *histMonitor) trailingFailures() int {
	n := 0
	for i := len(m.Runs) - 1; i >= 0 && !m.Runs[i].OK; i-- {
		n++
	}
	return n
}

func (m *histMonitor) evidence(idx ...int) []Evidence {
	var out []Evidence
	seen := map[int]bool{}
	for _, i := range idx {
		if i < 0 || i >= len(m.Runs) || seen[i] || len(out) == histEvidenceLines {
			continue
		}
		seen[i] = true
		out = append(out, Evidence{Path: history.BundlePath, Line: m.Runs[i].Line})
	}
	return out
}

// checkHint is the part of a next step that depends on the kind of check.
func checkHint(m *histMonitor) string {
	t := m.target()
	switch m.Check {
	case "http":
		return fmt.Sprintf("`casefile check http %s` repeats the check now; the server's access and error logs at those times say whether the requests arrived.", t)
	case "tcp":
		return fmt.Sprintf("`casefile check tcp %s` repeats the check now; a refused connection means nothing listened at that moment (a restart, a crash loop, a full accept queue).", t)
	case "dns":
		return fmt.Sprintf("`casefile check dns %s` asks every resolver now; compare the failure times with the resolvers' logs and their upstreams.", t)
	case "ping", "trace":
		return fmt.Sprintf("`casefile check %s %s` repeats it now; loss in bursts points at a congested or flapping link on the path.", m.Check, t)
	}
	return "The monitor's results around those times are in daemon/history.jsonl, each with its detail."
}

func historyDown(m *histMonitor) []Finding {
	n := m.trailingFailures()
	if n < histDownRuns {
		return nil
	}
	first := len(m.Runs) - n
	start := m.Runs[first].Time
	errText, errN := topError(m.Runs[first:])
	title := fmt.Sprintf("%s has failed its last %d checks (since %s UTC)", m.Name, n, m.hhmm(start))
	if n == len(m.Runs) {
		title = fmt.Sprintf("%s failed all %d checks since %s UTC", m.Name, n, m.hhmm(start))
	}
	detail := fmt.Sprintf("Monitor %s: %s. Every run since %s UTC failed (%d in a row)", m.what(), m.span(), start.Format("2006-01-02 15:04:05"), n)
	if errText != "" {
		detail += fmt.Sprintf(", %d of them with %q", errN, errText)
	}
	detail += "."
	if first > 0 {
		detail += fmt.Sprintf(" The last successful run was at %s UTC.", m.Runs[first-1].Time.Format("2006-01-02 15:04:05"))
	} else {
		detail += " No run in the history succeeded."
	}
	return []Finding{{
		ID: "history.down", Severity: Critical, Target: m.target(), Title: title, Detail: detail,
		Evidence: m.evidence(first, len(m.Runs)-1),
		NextStep: "The target is down now, as far as this host can tell: check that its service runs and is reachable from here. " + checkHint(m),
	}}
}

func historyIntermittent(m *histMonitor) []Finding {
	failed := 0
	for _, r := range m.Runs {
		if !r.OK {
			failed++
		}
	}
	if failed < histMinFailures || failed == len(m.Runs) {
		return nil
	}
	bs := m.bursts()
	trailing := m.trailingFailures()
	if trailing >= histDownRuns && len(bs) == 1 {
		return nil // one outage that is still going on: history.down says it
	}
	latestFailed := !m.Runs[len(m.Runs)-1].OK
	sev := Warning
	if latestFailed {
		sev = Critical
	}
	var when string
	if len(bs) <= histTitleBursts {
		var ts []string
		for _, b := range bs {
			ts = append(ts, m.hhmm(b.Start))
		}
		when = fmt.Sprintf("in %s at %s UTC", countWord(len(bs), "burst"), joinAnd(ts))
	} else {
		when = fmt.Sprintf("in %d bursts from %s to %s UTC", len(bs), m.hhmm(bs[0].Start), m.hhmm(bs[len(bs)-1].Start))
	}
	title := fmt.Sprintf("%s failed %d of the last %d checks, %s", m.Name, failed, len(m.Runs), when)

	var parts []string
	var lines []int
	for i, b := range bs {
		if i == histDetailBursts {
			parts = append(parts, fmt.Sprintf("and %d more", len(bs)-i))
			break
		}
		s := fmt.Sprintf("%s UTC: %s", clockAfter(m.Runs[0].Time, b.Start), plural(b.Failed, "failed run"))
		if b.Runs > b.Failed {
			s += fmt.Sprintf(" of %d", b.Runs)
		}
		if d := b.End.Sub(b.Start); d > 0 {
			s += " over " + shortDur(d)
		}
		parts = append(parts, s)
		lines = append(lines, b.First)
	}
	detail := fmt.Sprintf("Monitor %s: %s; %d failed", m.what(), m.span(), failed)
	if e, n := topError(m.Runs); e != "" {
		detail += fmt.Sprintf(", most often with %q (%d)", e, n)
	}
	detail += ". Bursts (consecutive failures, or failures within 2 × the interval of each other): " + strings.Join(parts, "; ") + "."
	if latestFailed {
		detail += fmt.Sprintf(" The latest run, at %s UTC, failed.", m.Runs[len(m.Runs)-1].Time.Format("15:04:05"))
	} else {
		detail += fmt.Sprintf(" The latest run, at %s UTC, succeeded.", m.Runs[len(m.Runs)-1].Time.Format("15:04:05"))
	}
	if len(bs) >= 3 {
		if p, ok := burstPeriod(bs); ok {
			detail += fmt.Sprintf(" The bursts recur about every %s: look for something on that schedule (a cron job, a health-check restart loop, a rotating backend).", shortDur(p))
		}
	}
	return []Finding{{
		ID: "history.intermittent", Severity: sev, Target: m.target(), Title: title, Detail: detail,
		Evidence: m.evidence(lines...),
		NextStep: "The failures come and go, so a check run now may pass: compare the burst times with the target's logs, deploys, restarts and load at those moments, and with other monitors that failed at the same times (a shared cause: network, DNS, proxy). " + checkHint(m),
	}}
}

// burstPeriod reports the median spacing of burst starts when it is regular (every spacing
// within 25 % of the median).
func burstPeriod(bs []burst) (time.Duration, bool) {
	var gaps []float64
	for i := 1; i < len(bs); i++ {
		gaps = append(gaps, float64(bs[i].Start.Sub(bs[i-1].Start)))
	}
	med := median(gaps)
	if med <= 0 {
		return 0, false
	}
	for _, g := range gaps {
		if math.Abs(g-med) > 0.25*med {
			return 0, false
		}
	}
	return time.Duration(med).Round(time.Second), true
}

// latencyChecks are the checks whose latency_ms is a network round trip.
var latencyChecks = []string{"dns", "ping", "tcp", "http", "trace"}

func historyLatency(m *histMonitor) []Finding {
	if !slices.Contains(latencyChecks, m.Check) {
		return nil
	}
	var lat []float64 // successful runs' latencies, and their indexes in m.Runs
	var idx []int
	for i := range m.Runs {
		if r := &m.Runs[i]; r.OK && r.LatencyMS > 0 {
			lat = append(lat, r.LatencyMS)
			idx = append(idx, i)
		}
	}
	if len(lat) < histLatencyMinOK {
		return nil
	}
	nRecent := max(histLatencyMinRec, int(math.Ceil(histLatencyRecent*float64(len(lat)))))
	if len(lat)-nRecent < histLatencyMinRec {
		return nil
	}
	cut := len(lat) - nRecent
	base, recent := lat[:cut], lat[cut:]
	mb, mr := median(base), median(recent)
	if mr <= histLatencyX*mb || mr-mb < histLatencyAddMS {
		return nil
	}
	first := idx[cut]
	since := m.Runs[first].Time
	title := fmt.Sprintf("%s became slower: median %s now, %s before %s UTC", m.Name, msText(mr), msText(mb), m.hhmm(since))
	detail := fmt.Sprintf("Monitor %s: %s. The median latency of the last %d successful runs (since %s UTC) is %s, against %s over the %d successful runs before (baseline from %s UTC): %.1f × and +%s. Slowest recent run: %s.",
		m.what(), m.span(), len(recent), since.Format("2006-01-02 15:04:05"), msText(mr), msText(mb), len(base),
		m.Runs[idx[0]].Time.Format("2006-01-02 15:04:05"), mr/mb, msText(mr-mb), msText(slices.Max(recent)))
	return []Finding{{
		ID: "history.latency", Severity: Warning, Target: m.target(), Title: title, Detail: detail,
		Evidence: m.evidence(first, len(m.Runs)-1),
		NextStep: fmt.Sprintf("Look for what changed at about %s UTC: a deploy or configuration change on the target, its load, the network path (a new route, a VPN or proxy), DNS resolution time. The check's detail in daemon/history.jsonl splits the time (DNS, connect, TLS, first byte) where the check records it.", since.Format("15:04")),
	}}
}

func msText(v float64) string {
	switch {
	case v >= 10000:
		return fmt.Sprintf("%.1f s", v/1000)
	case v >= 100:
		return fmt.Sprintf("%.0f ms", v)
	}
	return fmt.Sprintf("%.1f ms", v)
}

// answerSet splits a joined answer into its values. The daemon writes one group per record
// type, "A=10.0.0.1,10.0.0.2 AAAA=" (sorted, comma-joined); plain "10.0.0.1,10.0.0.2" is read
// too. A type with no records gives no value.
func answerSet(a string) []string {
	var out []string
	for _, g := range strings.Fields(a) {
		typ, vals, ok := strings.Cut(g, "=")
		if !ok {
			typ, vals = "", g
		}
		for _, v := range strings.FieldsFunc(vals, func(r rune) bool { return r == ',' || r == ';' }) {
			out = append(out, typ+"="+v)
		}
	}
	return out
}

func historyDNSFlapping(m *histMonitor) []Finding {
	if m.Check != "dns" {
		return nil
	}
	type set struct {
		Answer      string
		Count       int
		First, Last time.Time
	}
	var sets []*set
	by := map[string]*set{}
	changes, prev := 0, ""
	firstChange, lastIdx := -1, -1
	for i, r := range m.Runs {
		if !r.OK || r.Answer == "" {
			continue
		}
		s := by[r.Answer]
		if s == nil {
			s = &set{Answer: r.Answer, First: r.Time}
			by[r.Answer] = s
			sets = append(sets, s)
		}
		s.Count++
		s.Last = r.Time
		if prev != "" && r.Answer != prev {
			changes++
			if firstChange < 0 {
				firstChange = i
			}
			lastIdx = i
		}
		prev = r.Answer
	}
	if changes < histFlapChanges || len(sets) < 2 {
		return nil
	}
	// Disjoint sets (no address in common) mean the name points at different places; sets that
	// share addresses are a pool answered in parts (load balancing).
	disjoint := false
	for i := range sets {
		for j := i + 1; j < len(sets); j++ {
			a := answerSet(sets[i].Answer)
			if !slices.ContainsFunc(answerSet(sets[j].Answer), func(x string) bool { return slices.Contains(a, x) }) {
				disjoint = true
			}
		}
	}
	sev := Info
	if disjoint {
		sev = Warning
	}
	sort.SliceStable(sets, func(i, j int) bool { return sets[i].Count > sets[j].Count })
	var parts []string
	for i, s := range sets {
		if i == histFlapListed {
			parts = append(parts, fmt.Sprintf("and %d more", len(sets)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%s, %s to %s UTC)", s.Answer, plural(s.Count, "run"), clockAfter(m.Runs[0].Time, s.First), clockAfter(m.Runs[0].Time, s.Last)))
	}
	title := fmt.Sprintf("DNS answers for %s changed %d times (%d different answer sets)", m.target(), changes, len(sets))
	detail := fmt.Sprintf("Monitor %s: %s. Between successful runs the answer changed %d times. Answer sets, most frequent first: %s.", m.what(), m.span(), changes, strings.Join(parts, "; "))
	next := "The sets share addresses: the name is load-balanced over a pool and answered in parts; that is normal unless some of those addresses are not meant to serve this host."
	if disjoint {
		next = "Some answer sets have no address in common: find which resolver gives which (`casefile check dns " + m.target() + "` asks each), and whether a record was changed, a split-horizon or VPN resolver takes over at times, or a stale secondary serves an old zone."
	}
	return []Finding{{
		ID: "history.dns-flapping", Severity: sev, Target: m.target(), Title: title, Detail: detail,
		Evidence: m.evidence(firstChange, lastIdx),
		NextStep: next,
	}}
}
