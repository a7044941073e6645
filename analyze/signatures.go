package analyze

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Log signatures: the error and warning entries of each collected log grouped into templates.
const (
	// MaxSignatures is how many templates are kept per source (the most frequent).
	MaxSignatures = 50
	// BurstWindow is the span in which a burst is counted.
	BurstWindow = time.Minute
	// BurstMin is the fewest errors of one template in one window that can be a burst.
	BurstMin = 20
	// BurstFactor: the window's count must be at least this many times the file's average
	// number of errors (all templates) per window.
	BurstFactor = 10
	// BurstMinSpan: the file's timestamps must span this many windows, so it has a baseline.
	BurstMinSpan = 10
	// SignaturesPath is where collection stages the signatures document.
	SignaturesPath = "logs/signatures.json"
	maxExample     = 500
)

// SignaturesDoc is logs/signatures.json.
type SignaturesDoc struct {
	Sources []SignatureSource `json:"sources"`
	// SourcesOmitted counts logs left out of Sources: at most MaxSignatureSources are kept,
	// those with the most errors and warnings (then bursts, then entries) first.
	SourcesOmitted int `json:"sources_omitted,omitempty"`
}

// MaxSignatureSources bounds the logs signatures.json describes (a collection may hold
// thousands of small logs).
const MaxSignatureSources = 200

// keepSource adds s to the doc, dropping the least interesting source past the bound.
func (d *SignaturesDoc) keepSource(s SignatureSource) {
	d.Sources = append(d.Sources, s)
	if len(d.Sources) <= MaxSignatureSources {
		return
	}
	worst := 0
	for i := range d.Sources {
		if lessInteresting(d.Sources[i], d.Sources[worst]) {
			worst = i
		}
	}
	d.Sources = append(d.Sources[:worst], d.Sources[worst+1:]...)
	d.SourcesOmitted++
}

func lessInteresting(a, b SignatureSource) bool {
	ab, bb := hasBurst(a), hasBurst(b)
	if ab != bb {
		return !ab
	}
	if a.Errors+a.Warnings != b.Errors+b.Warnings {
		return a.Errors+a.Warnings < b.Errors+b.Warnings
	}
	return a.Entries < b.Entries
}

func hasBurst(s SignatureSource) bool {
	for _, g := range s.Signatures {
		if g.Burst != nil {
			return true
		}
	}
	return false
}

// SignatureSource is one collected log file.
type SignatureSource struct {
	// Source is the file's bundle path (logs/app/var/log/acme/app.log).
	Source string `json:"source"`
	// Entries counts log entries (a line with its continuation lines); Errors and Warnings
	// those of each level.
	Entries  int `json:"entries"`
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	// FirstSeen and LastSeen span every timestamped entry of the file.
	FirstSeen *time.Time `json:"first_seen,omitempty"`
	LastSeen  *time.Time `json:"last_seen,omitempty"`
	// Templates counts distinct templates; Signatures holds the MaxSignatures most frequent.
	Templates  int         `json:"templates"`
	Signatures []Signature `json:"signatures"`
	// BytesSkipped is the older part of the log not read (only the newest MaxSignatureScan
	// bytes are); TemplatesDropped counts error and warning entries past maxTemplates templates.
	BytesSkipped     int64 `json:"bytes_skipped,omitempty"`
	TemplatesDropped int   `json:"templates_dropped,omitempty"`
}

// Signature is one template of error or warning entries.
type Signature struct {
	Level     string     `json:"level"` // error | warning
	Template  string     `json:"template"`
	Count     int        `json:"count"`
	FirstSeen *time.Time `json:"first_seen,omitempty"`
	LastSeen  *time.Time `json:"last_seen,omitempty"`
	// FirstLine is the 1-based line of the first entry; Example that entry's first line.
	FirstLine int    `json:"first_line"`
	Example   string `json:"example"`
	Burst     *Burst `json:"burst,omitempty"`
}

// Burst is the busiest window of an error template, when it stands out of the file's rate.
type Burst struct {
	Count   int       `json:"count"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	WindowS int       `json:"window_s"`
	// Baseline is the file's average number of errors (all templates) per window.
	Baseline float64 `json:"baseline_per_window"`
	// Line is the 1-based line of the burst's first entry.
	Line int `json:"line"`
}

// logFiles are the collected log texts: files under logs/ except the collectors' JSON
// indexes and signatures.json.
func logFiles(src Source) []string {
	var out []string
	for _, p := range under(src, "logs") {
		if strings.Count(p, "/") < 2 || p == SignaturesPath {
			continue
		}
		out = append(out, p)
	}
	return out
}

// MaxSignatureScan bounds what signatures read of one log: its newest bytes. Collection keeps
// logs up to the caps (10 MiB a file by default, more when a spec raises them); signatures of
// the newest part say what is going on now, and analysis stays a small part of a collection.
const MaxSignatureScan = 16 << 20

// Opener is a Source that can stream a file and tell its size (a folder, the stage); signatures
// then read only a log's newest MaxSignatureScan bytes, without holding the file in memory.
type Opener interface {
	Open(p string) (io.ReadSeekCloser, int64, error)
}

// Signatures computes the signatures of every collected log in src. Timestamps without a year
// (syslog) take the year of the bundle's created_at (manifest.json).
func Signatures(src Source) SignaturesDoc {
	var man struct {
		CreatedAt time.Time `json:"created_at"`
	}
	readJSON(src, "manifest.json", &man)
	doc := SignaturesDoc{Sources: []SignatureSource{}}
	// One read buffer and one line buffer for all files: a collection can hold thousands of
	// small logs.
	br := bufio.NewReaderSize(nil, 64<<10)
	lineBuf := make([]byte, 64<<10)
	for _, p := range logFiles(src) {
		r, skipped, done := openLog(src, p)
		if r == nil {
			continue
		}
		br.Reset(r)
		if head, _ := br.Peek(8000); bytes.IndexByte(head, 0) >= 0 {
			done()
			continue
		}
		s := fileSignaturesBuf(p, br, man.CreatedAt, lineBuf)
		done()
		s.BytesSkipped = skipped
		if s.Entries > 0 {
			doc.keepSource(s)
		}
	}
	return doc
}

// openLog opens a log for reading from its newest MaxSignatureScan bytes (from a line start),
// returning how many bytes it skipped and a function that closes it.
func openLog(src Source, p string) (io.Reader, int64, func()) {
	if o, ok := src.(Opener); ok {
		f, size, err := o.Open(p)
		if err != nil {
			return nil, 0, nil
		}
		var skipped int64
		if size > MaxSignatureScan {
			if _, err := f.Seek(size-MaxSignatureScan, io.SeekStart); err != nil {
				f.Close()
				return nil, 0, nil
			}
			br := bufio.NewReader(f)
			// Start at the next line.
			line, _ := br.ReadSlice('\n')
			skipped = size - MaxSignatureScan + int64(len(line))
			return br, skipped, func() { f.Close() }
		}
		return f, 0, func() { f.Close() }
	}
	data, err := src.ReadFile(p)
	if err != nil {
		return nil, 0, nil
	}
	var skipped int64
	if len(data) > MaxSignatureScan {
		cut := len(data) - MaxSignatureScan
		if nl := bytes.IndexByte(data[cut:], '\n'); nl >= 0 {
			cut += nl + 1
		}
		skipped, data = int64(cut), data[cut:]
	}
	return bytes.NewReader(data), skipped, func() {}
}

type sigAcc struct {
	sig   Signature
	times []time.Time
	lines []int
}

// fileSignatures reads one log as a stream: an entry is a line and the continuation lines after
// it (which change nothing), so each entry is counted as soon as it starts and only the
// per-template times stay in memory.
func fileSignatures(p string, r io.Reader, ref time.Time) SignatureSource {
	return fileSignaturesBuf(p, r, ref, make([]byte, 64<<10))
}

// fileSignaturesBuf is fileSignatures with a line buffer the caller reuses.
func fileSignaturesBuf(p string, r io.Reader, ref time.Time, lineBuf []byte) SignatureSource {
	out := SignatureSource{Source: p, Signatures: []Signature{}}
	// Does the file carry timestamps? Then a line without one continues the entry before it.
	timed := false
	started := false
	accs := map[string]*sigAcc{}
	var errTimes int
	add := func(line int, first string, t time.Time, hasT bool, msg string) {
		out.Entries++
		if hasT {
			if out.FirstSeen == nil || t.Before(*out.FirstSeen) {
				t := t
				out.FirstSeen = &t
			}
			if out.LastSeen == nil || t.After(*out.LastSeen) {
				t := t
				out.LastSeen = &t
			}
		}
		level := entryLevel(first)
		switch level {
		case "error":
			out.Errors++
			if hasT {
				errTimes++
			}
		case "warning":
			out.Warnings++
		default:
			return
		}
		tmpl := Template(msg)
		k := level + "|" + tmpl
		a := accs[k]
		if a == nil {
			if len(accs) >= maxTemplates {
				out.TemplatesDropped++
				return
			}
			a = &sigAcc{sig: Signature{Level: level, Template: tmpl, FirstLine: line, Example: clip(first, maxExample)}}
			accs[k] = a
		}
		a.sig.Count++
		if hasT {
			if a.sig.FirstSeen == nil || t.Before(*a.sig.FirstSeen) {
				t := t
				a.sig.FirstSeen = &t
			}
			if a.sig.LastSeen == nil || t.After(*a.sig.LastSeen) {
				t := t
				a.sig.LastSeen = &t
			}
			a.times = append(a.times, t)
			a.lines = append(a.lines, line)
		}
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(lineBuf, 4<<20)
	ln := 0
	for sc.Scan() {
		ln++
		text := sc.Text()
		if strings.TrimSpace(text) == "" {
			continue
		}
		t, msg, ok := parseEntry(text, ref)
		if ok {
			timed = true
		}
		if started && (isContinuation(text) || timed && !ok && !looksJSON(text)) {
			continue
		}
		started = true
		add(ln, text, t, ok, msg)
	}
	out.Templates = len(accs)
	// The file's average errors per window, over the span of all its timestamps.
	var baseline float64
	spanOK := false
	if out.FirstSeen != nil {
		span := out.LastSeen.Sub(*out.FirstSeen)
		if span >= BurstMinSpan*BurstWindow {
			spanOK = true
			baseline = float64(errTimes) / (float64(span) / float64(BurstWindow))
		}
	}
	sigs := make([]*sigAcc, 0, len(accs))
	for _, a := range accs {
		if a.sig.Level == "error" && spanOK {
			a.sig.Burst = findBurst(a.times, a.lines, baseline)
		}
		sigs = append(sigs, a)
	}
	sort.Slice(sigs, func(i, j int) bool {
		if sigs[i].sig.Count != sigs[j].sig.Count {
			return sigs[i].sig.Count > sigs[j].sig.Count
		}
		if sigs[i].sig.Level != sigs[j].sig.Level {
			return sigs[i].sig.Level == "error"
		}
		return sigs[i].sig.FirstLine < sigs[j].sig.FirstLine
	})
	for i, a := range sigs {
		// A burst is kept whatever its rank: it is what the finding points at.
		if i < MaxSignatures || a.sig.Burst != nil {
			out.Signatures = append(out.Signatures, a.sig)
		}
	}
	return out
}

// maxTemplates bounds the distinct templates tracked per file (a log whose every error differs
// after masking must not grow the map without end); entries of further templates are counted
// in TemplatesDropped.
const maxTemplates = 10000

// findBurst returns the busiest BurstWindow of times (with the lines they came from) when it
// holds at least BurstMin entries and BurstFactor times the baseline.
func findBurst(times []time.Time, lines []int, baseline float64) *Burst {
	if len(times) < BurstMin {
		return nil
	}
	idx := make([]int, len(times))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return times[idx[a]].Before(times[idx[b]]) })
	best, bi, bj := 0, 0, 0
	j := 0
	for i := range idx {
		for times[idx[i]].Sub(times[idx[j]]) >= BurstWindow {
			j++
		}
		if n := i - j + 1; n > best {
			best, bi, bj = n, j, i
		}
	}
	if best < BurstMin || float64(best) < BurstFactor*baseline {
		return nil
	}
	return &Burst{Count: best, Start: times[idx[bi]], End: times[idx[bj]], WindowS: int(BurstWindow / time.Second),
		Baseline: float64(int(baseline*100+0.5)) / 100, Line: lines[idx[bi]]}
}

// isContinuation: indented lines and the cause lines of a stack trace belong to the entry
// before them.
func isContinuation(s string) bool {
	if s[0] == ' ' || s[0] == '\t' {
		return true
	}
	return strings.HasPrefix(s, "Caused by:") || strings.HasPrefix(s, "Suppressed:") || strings.HasPrefix(s, "...")
}

func looksJSON(s string) bool { return strings.HasPrefix(strings.TrimSpace(s), "{") }

var (
	errWords  = map[string]bool{"error": true, "err": true, "fatal": true, "critical": true, "crit": true, "severe": true, "panic": true, "emerg": true, "emergency": true, "alert": true}
	warnWords = map[string]bool{"warn": true, "warning": true}
	klogRE    = regexp.MustCompile(`^([IWEF])\d{4} \d{2}:\d{2}:\d{2}`)
	priRE     = regexp.MustCompile(`^<(\d{1,3})>`)
)

// entryLevel is "error", "warning" or "" for an entry's first line: a syslog <PRI>, klog's
// letter, else the first level word in its first 300 bytes that is upper case (ERROR, WARN) or,
// in any case, follows =, [, <, or a quote after : or = (level=error, "level":"warn", [error])
// or is followed by a colon, ] or > (error:, Warning:).
func entryLevel(s string) string {
	head := s
	if len(head) > 300 {
		head = head[:300]
	}
	if head != "" && head[0] == '<' {
		if m := priRE.FindStringSubmatch(head); m != nil {
			pri, _ := strconv.Atoi(m[1])
			switch sev := pri & 7; {
			case sev <= 3:
				return "error"
			case sev == 4:
				return "warning"
			}
			return ""
		}
	}
	if len(head) > 1 && strings.IndexByte("IWEF", head[0]) >= 0 && isDigitByte(head[1]) {
		if m := klogRE.FindStringSubmatch(head); m != nil {
			switch m[1] {
			case "E", "F":
				return "error"
			case "W":
				return "warning"
			}
			return ""
		}
	}
	for i := 0; i < len(head); {
		if !isLetter(head[i]) {
			i++
			continue
		}
		j := i
		for j < len(head) && isLetter(head[j]) {
			j++
		}
		w := head[i:j]
		if len(w) >= 3 && len(w) <= 9 && (j == len(head) || !isDigitByte(head[j])) && (i == 0 || !isDigitByte(head[i-1]) && head[i-1] != '_') {
			lw := strings.ToLower(w)
			isErr, isWarn := errWords[lw], warnWords[lw]
			if isErr || isWarn {
				var prev, prev2, next byte
				if i > 0 {
					prev = head[i-1]
				}
				if i > 1 {
					prev2 = head[i-2]
				}
				if j < len(head) {
					next = head[j]
				}
				if w == strings.ToUpper(w) || prev == '=' || prev == '[' || prev == '<' ||
					prev == '"' && (prev2 == ':' || prev2 == '=' || prev2 == ' ') && (next == '"') ||
					next == ':' || next == ']' || next == '>' {
					if isErr {
						return "error"
					}
					return "warning"
				}
			}
		}
		i = j
	}
	return ""
}

func isLetter(c byte) bool    { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

var (
	isoRE    = regexp.MustCompile(`(\d{4})[-/](\d{2})[-/](\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?`)
	syslogRE = regexp.MustCompile(`^(?:<\d{1,3}>)?(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})`)
	klogTRE  = regexp.MustCompile(`^[IWEF](\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?`)
	months   = map[string]time.Month{"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6, "Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12}
)

// parseEntry finds a line's timestamp and its message (for the template): JSON lines by their
// time and message keys; text lines by a leading timestamp (ISO 8601 / RFC 3339, Go's
// 2006/01/02, syslog, klog, also after a short prefix), which is cut from the message.
// Times without a zone are read as UTC; formats without a year take ref's year.
func parseEntry(s string, ref time.Time) (time.Time, string, bool) {
	if looksJSON(s) {
		var m map[string]any
		if json.Unmarshal([]byte(s), &m) == nil {
			msg := ""
			for _, k := range []string{"msg", "message", "error", "err", "event"} {
				if v, ok := m[k].(string); ok && v != "" {
					msg = v
					break
				}
			}
			if msg == "" {
				msg = s
			}
			for _, k := range []string{"time", "ts", "timestamp", "@timestamp", "t", "date"} {
				switch v := m[k].(type) {
				case string:
					if t, ok := textTime(v, ref); ok {
						return t, msg, true
					}
				case float64:
					return epoch(v), msg, true
				}
			}
			return time.Time{}, msg, false
		}
	}
	if m := syslogRE.FindStringSubmatch(s); m != nil {
		day, _ := strconv.Atoi(m[2])
		hh, _ := strconv.Atoi(m[3])
		mm, _ := strconv.Atoi(m[4])
		ss, _ := strconv.Atoi(m[5])
		t := time.Date(ref.Year(), months[m[1]], day, hh, mm, ss, 0, time.UTC)
		if !ref.IsZero() && t.After(ref.Add(48*time.Hour)) {
			t = t.AddDate(-1, 0, 0)
		}
		return t, s[len(m[0]):], true
	}
	if m := klogTRE.FindStringSubmatch(s); m != nil {
		mon, _ := strconv.Atoi(m[1])
		day, _ := strconv.Atoi(m[2])
		hh, _ := strconv.Atoi(m[3])
		mm, _ := strconv.Atoi(m[4])
		ss, _ := strconv.Atoi(m[5])
		t := time.Date(ref.Year(), time.Month(mon), day, hh, mm, ss, nanos(m[6]), time.UTC)
		return t, s[len(m[0]):], true
	}
	head := s
	if len(head) > 80 {
		head = head[:80]
	}
	if loc := isoRE.FindStringSubmatchIndex(head); loc != nil {
		if t, ok := textTime(s[loc[0]:loc[1]], ref); ok {
			// The timestamp leaves the message with its key (time=) or brackets.
			pre := tsKeyRE.ReplaceAllString(s[:loc[0]], "")
			return t, pre + strings.TrimLeft(s[loc[1]:], `]"`), true
		}
	}
	// logfmt time=... after the first 80 bytes is rare; the level and message stay as text.
	return time.Time{}, s, false
}

func textTime(v string, ref time.Time) (time.Time, bool) {
	m := isoRE.FindStringSubmatch(v)
	if m == nil {
		return time.Time{}, false
	}
	n := func(i int) int { x, _ := strconv.Atoi(m[i]); return x }
	loc := time.UTC
	if z := m[8]; z != "" && z != "Z" {
		z = strings.ReplaceAll(z, ":", "")
		h, _ := strconv.Atoi(z[1:3])
		mi, _ := strconv.Atoi(z[3:5])
		off := h*3600 + mi*60
		if z[0] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	if n(2) < 1 || n(2) > 12 || n(3) < 1 || n(3) > 31 || n(4) > 23 || n(5) > 59 || n(6) > 60 {
		return time.Time{}, false
	}
	return time.Date(n(1), time.Month(n(2)), n(3), n(4), n(5), n(6), nanos(m[7]), loc).UTC(), true
}

func nanos(frac string) int {
	if frac == "" {
		return 0
	}
	for len(frac) < 9 {
		frac += "0"
	}
	x, _ := strconv.Atoi(frac[:9])
	return x
}

func epoch(v float64) time.Time {
	switch {
	case v > 1e17: // nanoseconds
		return time.Unix(0, int64(v)).UTC()
	case v > 1e14: // microseconds
		return time.UnixMicro(int64(v)).UTC()
	case v > 1e11: // milliseconds
		return time.UnixMilli(int64(v)).UTC()
	}
	sec := int64(v)
	return time.Unix(sec, int64((v-float64(sec))*1e9)).UTC()
}

var (
	quotedRE = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'[^']*'`)
	uuidRE   = regexp.MustCompile(`(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`)
	ipv4RE   = regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?::\d+)?\b`)
	ipv6RE   = regexp.MustCompile(`\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:%[A-Za-z0-9]+)?\]?(?::\d+)?`)
	pathRE   = regexp.MustCompile(`(?:^|[\s=(:])((?:/[^\s/"'()<>,;:]+){2,}/?)`)
	unitRE   = regexp.MustCompile(`^\d+(?:\.\d+)?[A-Za-z]{1,3}$|^[A-Za-z]{1,3}\d+$`)
	tsKeyRE  = regexp.MustCompile(`(?:\b(?:time|ts|timestamp|date|t)=)?["\[]?$`)
	markerRE = regexp.MustCompile(`\[REDACTED:[a-z0-9._-]+\]`)
)

// Template masks what varies between entries of one kind: quoted values, UUIDs, IP addresses
// (with ports), hex numbers and hashes, the variable segments of paths (those with digits),
// identifiers mixing letters and digits, and numbers. Redaction markers stay as they are.
func Template(msg string) string {
	s := strings.TrimSpace(msg)
	if len(s) > 2000 {
		s = s[:2000]
	}
	// Markers are set aside first so their rule names survive.
	var markers []string
	if strings.Contains(s, "[REDACTED:") {
		s = markerRE.ReplaceAllStringFunc(s, func(m string) string {
			markers = append(markers, m)
			return "\x00"
		})
	}
	if strings.ContainsAny(s, `"'`) {
		s = quotedRE.ReplaceAllString(s, `"<*>"`)
	}
	if strings.Count(s, "-") >= 4 {
		s = uuidRE.ReplaceAllString(s, "<uuid>")
	}
	if strings.Count(s, ".") >= 3 {
		s = ipv4RE.ReplaceAllString(s, "<ip>")
	}
	if strings.Count(s, ":") >= 2 {
		s = ipv6ReplaceAll(s)
	}
	if strings.Contains(s, "/") {
		s = pathRE.ReplaceAllStringFunc(s, maskPath)
	}
	s = maskTokens(s)
	s = strings.Join(strings.Fields(s), " ")
	for _, m := range markers {
		s = strings.Replace(s, "\x00", m, 1)
	}
	return s
}

func ipv6ReplaceAll(s string) string {
	return ipv6RE.ReplaceAllStringFunc(s, func(m string) string {
		h := m
		if strings.HasPrefix(h, "[") {
			if i := strings.IndexByte(h, ']'); i > 0 {
				h = h[1:i]
			}
		}
		h, _, _ = strings.Cut(h, "%")
		if ip := net.ParseIP(h); ip != nil && strings.Contains(h, ":") {
			return "<ip>"
		}
		return m
	})
}

func maskPath(m string) string {
	i := strings.IndexByte(m, '/')
	segs := strings.Split(m[i:], "/")
	for j, seg := range segs {
		if strings.ContainsAny(seg, "0123456789") {
			segs[j] = "<*>"
		}
	}
	return m[:i] + strings.Join(segs, "/")
}

// analyzeLogBursts turns the bursts of logs/signatures.json (computed from the logs when the
// bundle has no signatures.json) into log.burst findings.
func analyzeLogBursts(src Source) []Finding {
	var doc SignaturesDoc
	fromFile := readJSON(src, SignaturesPath, &doc)
	if !fromFile {
		doc = Signatures(src)
	}
	var out []Finding
	for _, s := range doc.Sources {
		for _, g := range s.Signatures {
			b := g.Burst
			if b == nil {
				continue
			}
			ev := []Evidence{{Path: s.Source, Line: b.Line}}
			if fromFile {
				sb, _ := src.ReadFile(SignaturesPath)
				ev = append(ev, Evidence{Path: SignaturesPath, Line: jsonLine(sb, jsonLine(sb, 0, "source", s.Source), "template", g.Template)})
			}
			out = append(out, Finding{ID: "log.burst", Severity: Warning, Target: s.Source,
				Title: fmt.Sprintf("Burst of %d errors in %ds in %s: %s", b.Count, b.WindowS, s.Source, clip(g.Template, 120)),
				Detail: fmt.Sprintf("%d entries of this template between %s and %s, against an average of %.2f errors (all templates) per %ds in this log; %d of this template in all (first seen %s). Example: %s",
					b.Count, b.Start.Format(time.RFC3339), b.End.Format(time.RFC3339), b.Baseline, b.WindowS, g.Count, fmtTime(g.FirstSeen), clip(g.Example, 300)),
				Evidence: ev,
				NextStep: fmt.Sprintf("Read %s around line %d (%s): what started then — a deployment, a dependency going down, a full disk? The other findings and logs at that time usually name the cause.", s.Source, b.Line, b.Start.Format(time.RFC3339)),
			})
		}
	}
	return out
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "unknown"
	}
	return t.Format(time.RFC3339)
}

// maskTokens masks the word tokens ([A-Za-z0-9_] runs) that vary: 0x… and hex strings of 8 or
// more characters with a digit → <hex>; tokens of 6 or more mixing letters and digits, other
// than a number with a unit (5000ms) or a short name with a number (sda1) → <id>; the digit
// runs of the others (with a decimal part) → <n>.
func maskTokens(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if !isWord(s[i]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		digits, letters, hexOnly := 0, 0, true
		for j < len(s) && isWord(s[j]) {
			c := s[j]
			switch {
			case isDigitByte(c):
				digits++
			default:
				letters++
				if !(c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
					hexOnly = false
				}
			}
			j++
		}
		tok := s[i:j]
		switch {
		case digits == 0:
			b.WriteString(tok)
		case len(tok) > 2 && (tok[:2] == "0x" || tok[:2] == "0X") && isHex(tok[2:]):
			b.WriteString("<hex>")
		case hexOnly && len(tok) >= 8:
			b.WriteString("<hex>")
		case letters > 0 && len(tok) >= 6 && !unitRE.MatchString(tok):
			b.WriteString("<id>")
		default:
			// Digit runs become <n>; "1.5" is one number.
			for k := 0; k < len(tok); {
				if !isDigitByte(tok[k]) {
					b.WriteByte(tok[k])
					k++
					continue
				}
				for k < len(tok) && isDigitByte(tok[k]) {
					k++
				}
				b.WriteString("<n>")
			}
			// A decimal part: ".5" after a number.
			if j+1 < len(s) && s[j] == '.' && isDigitByte(s[j+1]) && isDigitByte(tok[len(tok)-1]) {
				j++
				for j < len(s) && isDigitByte(s[j]) {
					j++
				}
				// A unit glued to the decimals (1.5s) stays.
			}
		}
		i = j
	}
	return b.String()
}

func isWord(c byte) bool { return isLetter(c) || isDigitByte(c) || c == '_' }

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isDigitByte(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return s != ""
}
