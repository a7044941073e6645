package logs

import (
	"bytes"
	"io"
	"time"
)

// Timestamp format families and per-file format detection.
//
// A file's format is decided once, from its first lines (detectFormat): every family is tried at
// the start of each of the first detectLines non-empty lines and at the first few field starts
// (a level, an access log's client part, a syslog "<PRI>", a JSON or logfmt key before the time).
// The (family, position) pair that reads the most lines wins, and from then on only that family
// is tried, only at that position. A date further into a message ("built 2017-05-01 10:00:00",
// "$Id: x.c,v 1.2 2002/03/24 13:02:28 $") is therefore never read as the line's time.

// detectLines is how many non-empty lines at the head of a file decide its format.
const detectLines = 50

// detectBytes bounds how much of a file's head is read to find detectLines lines.
const detectBytes = 64 << 10

// maxAnchorField is the last field (0-based, split on spaces, tabs, commas, '|' and ';') where a
// timestamp may start.
const maxAnchorField = 6

// tsFamily is one timestamp format family.
type tsFamily struct {
	name    string
	example string
	// parse reads a timestamp at the very start of b.
	parse func(p *tsParser, b []byte) (time.Time, bool)
	// gate, when set, must accept the sampled head for the family to be considered (a W3C
	// header says the times are UTC).
	gate func(head [][]byte) bool
	// dateOnly: the family gives days, not times; the window is widened to whole days.
	dateOnly bool
	// noYear: the year is inferred from the file's modification time.
	noYear bool
	// fields, when set, is how many fields from the line start the timestamp may start in (an
	// epoch or a US date further in is more likely an id or a message).
	fields int
}

// families in order of preference: when two read the same lines, a family with a year beats one
// without, a time beats a day, then the earlier one in this list is chosen (the more specific
// shape first).
var families = []*tsFamily{
	{name: "iis-w3c", example: "2023-01-01 00:00:01 W3SVC1 192.0.2.1 GET / - 80 (after a #Fields: header; UTC)", parse: (*tsParser).w3c, gate: w3cHeader},
	{name: "windows-cbs", example: "2016-09-28 04:30:30, Info                  CBS    Loaded Servicing Stack", parse: (*tsParser).cbs},
	{name: "wevtutil-text", example: "  Date: 2026-11-27T10:38:54.1230000Z (wevtutil qe /f:text)", parse: (*tsParser).wevtutil},
	{name: "iso8601", example: "2026-11-27T10:38:54.250+01:00, 2026-11-27 10:38:54,123, 2026/11/27 10:38:54", parse: (*tsParser).iso},
	{name: "dashed-dotted", example: "2005-06-03-15.42.50.675872", parse: (*tsParser).dashDot},
	{name: "dotted", example: "2005.06.03 15:42:50", parse: (*tsParser).dotted},
	{name: "ctime", example: "[Fri Nov 27 10:38:54.123456 2026] (Apache error log)", parse: (*tsParser).ctime},
	{name: "syslog-year", example: "Nov 27 2026 10:38:54, 2026 Nov 27 10:38:54", parse: (*tsParser).syslogYear},
	{name: "weekday", example: "Thu Nov 27 10:38:54.123 <airportd[93]> (macOS wifi.log; year inferred)", parse: (*tsParser).weekday, noYear: true},
	{name: "syslog", example: "Nov 27 10:38:54 (year inferred)", parse: (*tsParser).syslog, noYear: true},
	{name: "java-util-logging", example: "Nov 27, 2026 10:38:54 PM", parse: (*tsParser).jul},
	{name: "apache-access", example: "192.0.2.7 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\"", parse: (*tsParser).clf},
	{name: "klog", example: "I1127 10:38:54.123456 (year inferred)", parse: (*tsParser).klogLetter, noYear: true},
	{name: "log4j-yy", example: "17/06/09 20:10:40 INFO executor.Executor: x", parse: (*tsParser).yySlash},
	{name: "compact", example: "081109 203615 148 INFO x, 20171223-22:15:29:606|Step|x", parse: (*tsParser).compact},
	{name: "logcat", example: "03-17 16:13:38.811  1702  2395 D WindowManager: x (year inferred)", parse: (*tsParser).logcat, noYear: true},
	{name: "bracketed-time", example: "[10.30 16:49:06] chrome.exe - x (year inferred)", parse: (*tsParser).monthDotDay, noYear: true},
	{name: "windows-event", example: "Information,11/27/2026 10:38:54 AM,Service Control Manager,7036 (Event Viewer CSV/TXT export)", parse: (*tsParser).usDate, fields: 2},
	{name: "epoch", example: "1700000000 x, 1700000000.123 x, 1700000000123 x (seconds or milliseconds)", parse: (*tsParser).epoch, fields: 2},
	{name: "dotted-date", example: "2005.06.03 (day only, read as midnight)", parse: (*tsParser).dottedDate, dateOnly: true},
}

// familyNames lists every family, for "tried: ..." notes.
func familyNames() []string {
	out := make([]string, len(families))
	for i, f := range families {
		out[i] = f.name
	}
	return out
}

// tsFormat is a file's detected format: a family read at one position of each line.
type tsFormat struct {
	fam   *tsFamily
	field int    // the timestamp starts at this field (0: the line start)
	key   string // or right after this key ("time=", "\"ts\":\""), when set
	votes int    // sampled lines read
	lines int    // sampled non-empty lines
}

// String names the format as recorded in the index: "iso8601", "apache-access@field3",
// "iso8601@key:time=".
func (f *tsFormat) String() string {
	if f == nil || f.fam == nil {
		return ""
	}
	switch {
	case f.key != "":
		return f.fam.name + "@key:" + f.key
	case f.field > 0:
		return f.fam.name + "@field" + itoa(f.field)
	}
	return f.fam.name
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// skipPRI skips a syslog "<PRI>" and an RFC 5424 version ("<34>1 ").
func skipPRI(line []byte) int {
	if len(line) == 0 || line[0] != '<' {
		return 0
	}
	j := 1
	for j < len(line) && j < 5 && isDigit(line[j]) {
		j++
	}
	if j == 1 || j >= len(line) || line[j] != '>' {
		return 0
	}
	i := j + 1
	if i+1 < len(line) && isDigit(line[i]) && line[i+1] == ' ' {
		i += 2
	}
	return i
}

func isSep(c byte) bool {
	return c == ' ' || c == '\t' || c == ',' || c == '|' || c == ';'
}

func isOpen(c byte) bool { return c == '[' || c == '(' || c == '"' || c == '\'' }

// fieldStart returns where field n of line starts (after one opening bracket or quote), or -1.
func fieldStart(line []byte, n int) int {
	i := skipPRI(line)
	for i < len(line) && isSep(line[i]) {
		i++
	}
	for f := 0; f < n; f++ {
		for i < len(line) && !isSep(line[i]) {
			i++
		}
		for i < len(line) && isSep(line[i]) {
			i++
		}
	}
	if i >= len(line) {
		return -1
	}
	if isOpen(line[i]) {
		i++
	}
	return i
}

// detect decides a file's format from its head or, when that gives none, from its tail (the
// newest part, which is what the window keeps), and records it in the index entry. A file with
// no recognised format gets unrecognised: no line of it has a timestamp.
func detect(p *tsParser, e *FileEntry, head, tail []byte) {
	p.format = detectFormat(head, p)
	if p.format == nil && len(tail) > 0 {
		p.format = detectFormat(tail, p)
	}
	if p.format == nil {
		p.format = unrecognised
		e.FormatsTried = familyNames()
		return
	}
	e.Format = p.format.String()
}

// readTail returns the last detectBytes of a file that were not in its head (read bytes), from
// its first whole line; nil when the head held the whole file.
func readTail(r io.ReaderAt, size int64, read int) []byte {
	if size <= int64(read) {
		return nil
	}
	from := max(int64(read), size-detectBytes)
	b := make([]byte, size-from)
	n, err := r.ReadAt(b, from)
	if err != nil && err != io.EOF {
		return nil
	}
	b = b[:n]
	if i := bytes.IndexByte(b, '\n'); i >= 0 && from > 0 {
		b = b[i+1:]
	}
	return b
}

// unrecognised is the format of a file whose head no family reads: no line has a timestamp.
var unrecognised = &tsFormat{}

// at parses line with the detected format only.
func (f *tsFormat) at(p *tsParser, line []byte) (time.Time, bool) {
	if f.fam == nil {
		return time.Time{}, false
	}
	if f.key != "" {
		// The first occurrence of the key as a whole key (not the end of a longer one).
		for off := 0; ; {
			k := bytes.Index(line[off:], []byte(f.key))
			if k < 0 {
				return time.Time{}, false
			}
			k += off
			if k == 0 || !isKeyChar(line[k-1]) {
				return f.fam.parse(p, line[k+len(f.key):])
			}
			off = k + 1
		}
	}
	if len(line) > tsScan {
		line = line[:tsScan]
	}
	i := fieldStart(line, f.field)
	if i < 0 {
		return time.Time{}, false
	}
	return f.fam.parse(p, line[i:])
}

type anchor struct {
	fam   int
	field int
	key   string
}

// detectFormat decides a file's format from the non-empty lines of its head (at most
// detectLines are used). It returns nil when no format reads enough of them: at least two lines
// (one when the head has at most three) and at least one line in twenty, so a lone date inside a
// message of an otherwise unstamped file does not become the file's clock.
//
// When the first detectLines lines give no format (a banner, a configuration dump at the top),
// the next detectLines lines of head are tried, and so on.
func detectFormat(head []byte, p *tsParser) *tsFormat {
	for len(head) > 0 {
		var lines [][]byte
		lines, head = nextLines(head, detectLines)
		if f := detectIn(lines, p); f != nil {
			return f
		}
	}
	return nil
}

// nextLines splits up to n non-empty lines off b.
func nextLines(head []byte, n int) (lines [][]byte, rest []byte) {
	for len(head) > 0 && len(lines) < n {
		i := bytes.IndexByte(head, '\n')
		line := head
		if i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			head = nil
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		lines = append(lines, line)
	}
	return lines, head
}

func detectIn(lines [][]byte, p *tsParser) *tsFormat {
	if len(lines) == 0 {
		return nil
	}
	gated := make([]bool, len(families))
	for i, f := range families {
		gated[i] = f.gate != nil && !f.gate(lines)
	}
	votes := map[anchor]int{}
	seen := map[anchor]bool{}
	for _, full := range lines {
		clear(seen)
		line := full[:min(len(full), tsScan)]
		for field := 0; field <= maxAnchorField; field++ {
			i := fieldStart(line, field)
			if i < 0 {
				break
			}
			for fi, fam := range families {
				if gated[fi] || fam.fields > 0 && field >= fam.fields {
					continue
				}
				if _, ok := fam.parse(p, line[i:]); ok {
					seen[anchor{fam: fi, field: field}] = true
				}
			}
		}
		// A key anywhere in the line: `"time":"2026-...` (JSON, also at the end of a Docker
		// json-file line), `time=2026-...`, `ts=1700000000` (logfmt).
		for k := 1; k < len(full); k++ {
			key, ok := keyBefore(full, k)
			if !ok {
				continue
			}
			for fi, fam := range families {
				if gated[fi] {
					continue
				}
				if _, ok := fam.parse(p, full[k:]); ok {
					seen[anchor{fam: fi, key: string(key)}] = true
				}
			}
		}
		for a := range seen {
			votes[a]++
		}
	}
	var best anchor
	bestVotes := 0
	for a, v := range votes {
		if v > bestVotes || v == bestVotes && better(a, best) {
			best, bestVotes = a, v
		}
	}
	n := len(lines)
	if bestVotes == 0 || bestVotes*20 < n || bestVotes < 2 && n > 3 {
		return nil
	}
	return &tsFormat{fam: families[best.fam], field: best.field, key: best.key, votes: bestVotes, lines: n}
}

// better orders anchors with equal votes: a full date and time first (rank), then family
// preference, then a field before a key, then the earlier field, then the shorter key.
func better(a, b anchor) bool {
	if ra, rb := rank(families[a.fam]), rank(families[b.fam]); ra != rb {
		return ra < rb
	}
	if a.fam != b.fam {
		return a.fam < b.fam
	}
	if (a.key == "") != (b.key == "") {
		return a.key == ""
	}
	if a.field != b.field {
		return a.field < b.field
	}
	if len(a.key) != len(b.key) {
		return len(a.key) < len(b.key)
	}
	return a.key < b.key
}

func isKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '@' || c == '-'
}

// keyBefore returns the key a value at line[k] follows: `"time":"`, `"ts":`, `time="`, `ts=`. The
// key is a whole word (at the line start or after a non-key character) holding a letter.
func keyBefore(line []byte, k int) ([]byte, bool) {
	e := k // the key runs up to e (exclusive), its name ends at n
	n := k
	if line[n-1] == '"' {
		n--
	}
	if n < 1 || line[n-1] != '=' && line[n-1] != ':' {
		return nil, false
	}
	n--
	quoted := n > 0 && line[n-1] == '"'
	if quoted {
		n--
	}
	s := n
	for s > 0 && isKeyChar(line[s-1]) {
		s--
	}
	if s == n || !hasLetter(line[s:n]) {
		return nil, false
	}
	if quoted {
		if s == 0 || line[s-1] != '"' {
			return nil, false
		}
		s--
	}
	if s > 0 && isKeyChar(line[s-1]) {
		return nil, false
	}
	return line[s:e], true
}

// rank: 0 for a full date and time, 1 when the year is inferred, 2 for a day only.
func rank(f *tsFamily) int {
	switch {
	case f.dateOnly:
		return 2
	case f.noYear:
		return 1
	}
	return 0
}

func hasLetter(b []byte) bool {
	for _, c := range b {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}

// w3cHeader accepts the head of a W3C extended log (IIS): a "#Fields: date time ..." or
// "#Software: Microsoft Internet Information Services" directive.
func w3cHeader(head [][]byte) bool {
	for _, l := range head {
		if bytes.HasPrefix(l, []byte("#Fields: date time")) || bytes.HasPrefix(l, []byte("#Software: Microsoft Internet Information")) {
			return true
		}
	}
	return false
}

// Parsers for the families below. Each reads a timestamp at the very start of b and checks what
// follows it ends the timestamp (not more digits), so "2005.06.03" does not read "2005.06.031".

// frac reads ".123", ",123" (and ":123" when colon) at b[i:]; it returns nanoseconds and the
// index after it.
func frac(b []byte, i int, colon bool) (int, int) {
	if i+1 >= len(b) || !(b[i] == '.' || b[i] == ',' || colon && b[i] == ':') || !isDigit(b[i+1]) {
		return 0, i
	}
	i++
	nsec, scale := 0, 100000000
	for i < len(b) && isDigit(b[i]) {
		nsec += int(b[i]-'0') * scale
		scale /= 10
		i++
	}
	return nsec, i
}

// ends reports whether a timestamp may end at b[i]: end of line or anything but a digit.
func ends(b []byte, i int) bool { return i >= len(b) || !isDigit(b[i]) }

func validClock(mon, day, hh, mm, ss int) bool {
	return mon >= 1 && mon <= 12 && day >= 1 && day <= 31 && hh <= 23 && mm <= 59 && ss <= 60
}

// nums reads the two-digit (or wider) numbers at the given offsets.
func nums(b []byte, spans ...[2]int) ([]int, bool) {
	out := make([]int, 0, len(spans))
	for _, s := range spans {
		if s[1] > len(b) {
			return nil, false
		}
		v, ok := num(b[s[0]:s[1]])
		if !ok {
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}

// w3c: "2023-01-01 00:00:01" of a W3C extended log, always UTC.
func (p *tsParser) w3c(b []byte) (time.Time, bool) {
	if len(b) < 19 || b[4] != '-' || b[10] != ' ' || !(len(b) == 19 || b[19] == ' ') {
		return time.Time{}, false
	}
	t, ok := p.iso(b[:19])
	if !ok {
		return time.Time{}, false
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC), true
}

// cbs: Windows CBS.log "2016-09-28 04:30:30, Info" (local time).
func (p *tsParser) cbs(b []byte) (time.Time, bool) {
	if len(b) < 22 || b[4] != '-' || b[10] != ' ' || b[19] != ',' || b[20] != ' ' {
		return time.Time{}, false
	}
	if c := b[21]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
		return time.Time{}, false
	}
	return p.iso(b[:19])
}

// wevtutil: the "Date: 2026-11-27T10:38:54.1230000Z" line of wevtutil's text output.
func (p *tsParser) wevtutil(b []byte) (time.Time, bool) {
	if !bytes.HasPrefix(b, []byte("Date: ")) {
		return time.Time{}, false
	}
	return p.iso(b[6:])
}

// dashDot: DB2/BlueGene "2005-06-03-15.42.50.675872".
func (p *tsParser) dashDot(b []byte) (time.Time, bool) {
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || b[10] != '-' || b[13] != '.' || b[16] != '.' {
		return time.Time{}, false
	}
	v, ok := nums(b, [2]int{0, 4}, [2]int{5, 7}, [2]int{8, 10}, [2]int{11, 13}, [2]int{14, 16}, [2]int{17, 19})
	if !ok || !validClock(v[1], v[2], v[3], v[4], v[5]) {
		return time.Time{}, false
	}
	nsec, i := frac(b, 19, false)
	if !ends(b, i) {
		return time.Time{}, false
	}
	return time.Date(v[0], time.Month(v[1]), v[2], v[3], v[4], v[5], nsec, p.loc), true
}

// dottedDay reads "YYYY.MM.DD".
func dottedDay(b []byte) (y, m, d int, ok bool) {
	if len(b) < 10 || b[4] != '.' || b[7] != '.' {
		return 0, 0, 0, false
	}
	v, ok := nums(b, [2]int{0, 4}, [2]int{5, 7}, [2]int{8, 10})
	if !ok || v[0] < 1970 || v[0] > 2199 || !validClock(v[1], v[2], 0, 0, 0) {
		return 0, 0, 0, false
	}
	return v[0], v[1], v[2], true
}

// dotted: "2005.06.03 15:42:50", "2005.06.03-15.42.50.123".
func (p *tsParser) dotted(b []byte) (time.Time, bool) {
	y, m, d, ok := dottedDay(b)
	if !ok || len(b) < 19 || !(b[10] == ' ' || b[10] == '-' || b[10] == 'T' || b[10] == '_') {
		return time.Time{}, false
	}
	if !(b[13] == ':' && b[16] == ':' || b[13] == '.' && b[16] == '.') {
		return time.Time{}, false
	}
	v, ok := nums(b, [2]int{11, 13}, [2]int{14, 16}, [2]int{17, 19})
	if !ok || !validClock(m, d, v[0], v[1], v[2]) {
		return time.Time{}, false
	}
	nsec, i := frac(b, 19, false)
	if !ends(b, i) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), d, v[0], v[1], v[2], nsec, p.loc), true
}

// dottedDate: "2005.06.03" alone, read as that day's midnight.
func (p *tsParser) dottedDate(b []byte) (time.Time, bool) {
	y, m, d, ok := dottedDay(b)
	if !ok || len(b) > 10 && (isDigit(b[10]) || b[10] == '.') {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, p.loc), true
}

// clock reads "hh:mm:ss[.frac]" at b[i:], returning the index after it.
func clock(b []byte, i int) (hh, mm, ss, nsec, j int, ok bool) {
	if i+8 > len(b) || b[i+2] != ':' || b[i+5] != ':' {
		return 0, 0, 0, 0, 0, false
	}
	v, ok := nums(b, [2]int{i, i + 2}, [2]int{i + 3, i + 5}, [2]int{i + 6, i + 8})
	if !ok || v[0] > 23 || v[1] > 59 || v[2] > 60 {
		return 0, 0, 0, 0, 0, false
	}
	nsec, j = frac(b, i+8, false)
	if !ends(b, j) {
		return 0, 0, 0, 0, 0, false
	}
	return v[0], v[1], v[2], nsec, j, true
}

// monthDay reads "Mmm dd" or "Mmm  d" or "Mmm d" and returns the index after the day.
func monthDay(b []byte) (mon, day, i int, ok bool) {
	if len(b) < 6 || b[3] != ' ' {
		return 0, 0, 0, false
	}
	mon = month(b)
	if mon == 0 {
		return 0, 0, 0, false
	}
	i = 4
	if b[i] == ' ' {
		i++
	}
	day, j := readNum(b, i)
	if j == i || j-i > 2 || day < 1 || day > 31 || j >= len(b) || b[j] != ' ' {
		return 0, 0, 0, false
	}
	return mon, day, j + 1, true
}

// syslog: RFC 3164 "Nov 27 10:38:54", "Nov  3 01:02:03", "Nov 9 12:01:01" (year inferred).
func (p *tsParser) syslog(b []byte) (time.Time, bool) {
	mon, day, i, ok := monthDay(b)
	if !ok {
		return time.Time{}, false
	}
	hh, mm, ss, nsec, _, ok := clock(b, i)
	if !ok {
		return time.Time{}, false
	}
	return p.withYear(mon, day, hh, mm, ss, nsec), true
}

// weekday: "Thu Nov 27 10:38:54.123" followed by something other than a year (macOS wifi.log;
// year inferred).
func (p *tsParser) weekday(b []byte) (time.Time, bool) {
	if len(b) < 19 || b[3] != ' ' || !isWeekday(b[:3]) {
		return time.Time{}, false
	}
	return p.syslog(b[4:])
}

func isWeekday(b []byte) bool {
	for _, d := range weekdays {
		if string(b) == d {
			return true
		}
	}
	return false
}

// syslogYear: "Nov 27 2026 10:38:54" and "2026 Nov 27 10:38:54".
func (p *tsParser) syslogYear(b []byte) (time.Time, bool) {
	var year, mon, day, i int
	var ok bool
	if len(b) > 5 && isDigit(b[0]) && b[4] == ' ' {
		y, yok := num(b[:4])
		mon, day, i, ok = monthDay(b[5:])
		year, ok, i = y, ok && yok, i+5
	} else {
		mon, day, i, ok = monthDay(b)
		if ok && i+5 <= len(b) && b[i+4] == ' ' {
			year, ok = num(b[i : i+4])
			i += 5
		} else {
			ok = false
		}
	}
	if !ok || year < 1970 {
		return time.Time{}, false
	}
	hh, mm, ss, nsec, _, ok := clock(b, i)
	if !ok {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(mon), day, hh, mm, ss, nsec, p.loc), true
}

// clf: the access-log time after the "[": "10/Oct/2000:13:55:36 -0700".
func (p *tsParser) clf(b []byte) (time.Time, bool) { return parseCLF(b) }

// klogLetter: glog/klog "I1127 10:38:54.123456" (year inferred).
func (p *tsParser) klogLetter(b []byte) (time.Time, bool) {
	if len(b) < 14 || !(b[0] == 'I' || b[0] == 'W' || b[0] == 'E' || b[0] == 'F') {
		return time.Time{}, false
	}
	return p.klog(b[1:])
}

// yySlash: log4j/Spark "17/06/09 20:10:40" (yy/MM/dd).
func (p *tsParser) yySlash(b []byte) (time.Time, bool) {
	if len(b) < 17 || b[2] != '/' || b[5] != '/' || b[8] != ' ' {
		return time.Time{}, false
	}
	v, ok := nums(b, [2]int{0, 2}, [2]int{3, 5}, [2]int{6, 8})
	if !ok {
		return time.Time{}, false
	}
	hh, mm, ss, nsec, _, ok := clock(b, 9)
	if !ok || !validClock(v[1], v[2], hh, mm, ss) {
		return time.Time{}, false
	}
	return time.Date(century(v[0]), time.Month(v[1]), v[2], hh, mm, ss, nsec, p.loc), true
}

func century(yy int) int {
	if yy < 70 {
		return 2000 + yy
	}
	return 1900 + yy
}

// compact: HDFS "081109 203615" (yyMMdd HHmmss), "20171223-22:15:29:606" (yyyyMMdd-HH:mm:ss:SSS),
// "20171223 221529", "20171223T22:15:29.5".
func (p *tsParser) compact(b []byte) (time.Time, bool) {
	n := 0
	for n < len(b) && n < 9 && isDigit(b[n]) {
		n++
	}
	var y, m, d int
	switch n {
	case 6:
		v, _ := nums(b, [2]int{0, 2}, [2]int{2, 4}, [2]int{4, 6})
		y, m, d = century(v[0]), v[1], v[2]
	case 8:
		v, _ := nums(b, [2]int{0, 4}, [2]int{4, 6}, [2]int{6, 8})
		y, m, d = v[0], v[1], v[2]
		if y < 1970 || y > 2199 {
			return time.Time{}, false
		}
	default:
		return time.Time{}, false
	}
	if n >= len(b) || !(b[n] == ' ' || b[n] == '-' || b[n] == 'T' || b[n] == '_') {
		return time.Time{}, false
	}
	i := n + 1
	var hh, mm, ss int
	if i+8 <= len(b) && b[i+2] == ':' && b[i+5] == ':' {
		v, ok := nums(b, [2]int{i, i + 2}, [2]int{i + 3, i + 5}, [2]int{i + 6, i + 8})
		if !ok {
			return time.Time{}, false
		}
		hh, mm, ss, i = v[0], v[1], v[2], i+8
	} else {
		v, ok := nums(b, [2]int{i, i + 2}, [2]int{i + 2, i + 4}, [2]int{i + 4, i + 6})
		if !ok {
			return time.Time{}, false
		}
		hh, mm, ss, i = v[0], v[1], v[2], i+6
	}
	if !validClock(m, d, hh, mm, ss) {
		return time.Time{}, false
	}
	nsec, i := frac(b, i, true)
	if !ends(b, i) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), d, hh, mm, ss, nsec, p.loc), true
}

// logcat: Android "03-17 16:13:38.811" (MM-dd, year inferred).
func (p *tsParser) logcat(b []byte) (time.Time, bool) { return p.monthDaySep(b, '-') }

// monthDotDay: bracketed "10.30 16:49:06" (MM.dd, year inferred; the "[" is skipped as an opening
// bracket).
func (p *tsParser) monthDotDay(b []byte) (time.Time, bool) { return p.monthDaySep(b, '.') }

func (p *tsParser) monthDaySep(b []byte, sep byte) (time.Time, bool) {
	if len(b) < 14 || b[2] != sep || b[5] != ' ' {
		return time.Time{}, false
	}
	v, ok := nums(b, [2]int{0, 2}, [2]int{3, 5})
	if !ok {
		return time.Time{}, false
	}
	hh, mm, ss, nsec, _, ok := clock(b, 6)
	if !ok || !validClock(v[0], v[1], hh, mm, ss) {
		return time.Time{}, false
	}
	return p.withYear(v[0], v[1], hh, mm, ss, nsec), true
}

// usDate: Windows Event Viewer exports and Get-WinEvent "11/27/2026 10:38:54 AM" (M/d/yyyy,
// 12-hour with AM/PM or 24-hour).
func (p *tsParser) usDate(b []byte) (time.Time, bool) {
	m, i := readNum(b, 0)
	if i == 0 || i > 2 || i >= len(b) || b[i] != '/' {
		return time.Time{}, false
	}
	d, j := readNum(b, i+1)
	if j == i+1 || j-i-1 > 2 || j >= len(b) || b[j] != '/' {
		return time.Time{}, false
	}
	y, k := readNum(b, j+1)
	if k-j-1 != 4 || k >= len(b) || b[k] != ' ' {
		return time.Time{}, false
	}
	hh, l := readNum(b, k+1)
	if l == k+1 || l-k-1 > 2 || l+6 > len(b) || b[l] != ':' || b[l+3] != ':' {
		return time.Time{}, false
	}
	mm, ok1 := num(b[l+1 : l+3])
	ss, ok2 := num(b[l+4 : l+6])
	if !ok1 || !ok2 || !ends(b, l+6) {
		return time.Time{}, false
	}
	if r := b[l+6:]; len(r) >= 3 && r[0] == ' ' && (r[1] == 'A' || r[1] == 'P') && r[2] == 'M' {
		if hh < 1 || hh > 12 {
			return time.Time{}, false
		}
		switch {
		case r[1] == 'P' && hh < 12:
			hh += 12
		case r[1] == 'A' && hh == 12:
			hh = 0
		}
	}
	if !validClock(m, d, hh, mm, ss) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), d, hh, mm, ss, 0, p.loc), true
}

// Epoch times as a first field: seconds (10 digits, optional fraction) or milliseconds (13
// digits), between 2000 and 2100.
const (
	epochMin = 946684800  // 2000-01-01
	epochMax = 4102444800 // 2100-01-01
)

func (p *tsParser) epoch(b []byte) (time.Time, bool) {
	n := 0
	for n < len(b) && n < 14 && isDigit(b[n]) {
		n++
	}
	switch n {
	case 10:
		s := num64(b[:10])
		if s < epochMin || s >= epochMax {
			return time.Time{}, false
		}
		nsec, i := frac(b, 10, false)
		if i < len(b) && !isSep(b[i]) && b[i] != ']' && b[i] != ')' && b[i] != '"' {
			return time.Time{}, false
		}
		return time.Unix(s, int64(nsec)).UTC(), true
	case 13:
		ms := num64(b[:13])
		if ms/1000 < epochMin || ms/1000 >= epochMax {
			return time.Time{}, false
		}
		if n < len(b) && !isSep(b[n]) && b[n] != ']' && b[n] != ')' && b[n] != '"' {
			return time.Time{}, false
		}
		return time.UnixMilli(ms).UTC(), true
	}
	return time.Time{}, false
}

// num64 reads the decimal digits of b (all digits, checked by the caller).
func num64(b []byte) int64 {
	var n int64
	for _, c := range b {
		n = n*10 + int64(c-'0')
	}
	return n
}
