package logs

import (
	"time"
)

// tsScan is how far into a line timestamps are looked for. Prefixes such as a log level, a
// syslog priority, a JSON key or an access log's client address fit well within it.
const tsScan = 160

// tsParser reads the timestamp at or near the start of a log line. Formats without a year
// (syslog, klog, logcat) take it from ref: the year that puts the time at or before ref (plus a
// day of slack for clock skew), so a file written on January 2nd reads "Dec 31" as last year.
// Formats without a zone are read in loc.
//
// When format is set (detected per file by detectFormat), only that format is tried, only at its
// position in the line: a date inside a message is never taken for the line's time. Without it
// (command output filtered as it streams) parse tries the common formats at the start of the line
// and a little further in.
type tsParser struct {
	ref    time.Time
	loc    *time.Location
	format *tsFormat
}

// parse returns the line's timestamp.
func (p *tsParser) parse(line []byte) (time.Time, bool) {
	if p.format != nil {
		return p.format.at(p, line)
	}
	return p.guess(line)
}

// guess reads a timestamp without a detected format. It recognises, at the start of the line
// (after an optional syslog "<PRI>" and version, "[" or a short prefix such as a level or JSON
// key):
//
//	2026-11-27T10:38:54Z, 2026-11-27T10:38:54.123+01:00, 2026-11-27 10:38:54,123 (RFC 3339,
//	journald short-iso, Java/log4j, Python), 2026/11/27 10:38:54.123 (Go's log package),
//	Nov 27 10:38:54 (syslog), I1127 10:38:54.123456 (klog/glog), Nov 27, 2026 10:38:54 AM
//	(java.util.logging), [27/Nov/2026:10:38:54 +0000] (nginx/Apache access logs),
//	[Fri Nov 27 10:38:54.123456 2026] (Apache error logs, ctime).
func (p *tsParser) guess(line []byte) (time.Time, bool) {
	if len(line) > tsScan {
		line = line[:tsScan]
	}
	i := skipPRI(line)
	if i < len(line) && line[i] == '[' {
		i++
	}
	if t, ok := p.at(line, i); ok {
		return t, true
	}
	// Further in: a level, logger or JSON key before the time, or an access log's client part.
	for j := i + 1; j < len(line); j++ {
		c := line[j]
		if c == '[' && j+1 < len(line) && isDigit(line[j+1]) {
			if t, ok := parseCLF(line[j+1:]); ok {
				return t, true
			}
		}
		if isDigit(c) && (j == 0 || !isDigit(line[j-1])) && j+19 <= len(line) && (line[j+4] == '-' || line[j+4] == '/') {
			if t, ok := p.iso(line[j:]); ok {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

func (p *tsParser) at(b []byte, i int) (time.Time, bool) {
	b = b[i:]
	if len(b) < 14 {
		return time.Time{}, false
	}
	switch {
	case isDigit(b[0]):
		if t, ok := p.iso(b); ok {
			return t, true
		}
		if t, ok := parseCLF(b); ok {
			return t, true
		}
	case (b[0] == 'I' || b[0] == 'W' || b[0] == 'E' || b[0] == 'F') && isDigit(b[1]):
		return p.klog(b[1:])
	default:
		if t, ok := p.syslog(b); ok {
			return t, true
		}
		if t, ok := p.ctime(b); ok {
			return t, true
		}
		return p.jul(b)
	}
	return time.Time{}, false
}

// iso parses "YYYY-MM-DD[T ]hh:mm:ss[.frac][zone]" and "YYYY/MM/DD hh:mm:ss[.frac]".
func (p *tsParser) iso(b []byte) (time.Time, bool) {
	if len(b) < 19 {
		return time.Time{}, false
	}
	sep := b[4]
	if sep != '-' && sep != '/' || b[7] != sep || (b[10] != 'T' && b[10] != ' ') || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	year, ok1 := num(b[0:4])
	mon, ok2 := num(b[5:7])
	day, ok3 := num(b[8:10])
	hh, ok4 := num(b[11:13])
	mm, ok5 := num(b[14:16])
	ss, ok6 := num(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 {
		return time.Time{}, false
	}
	i := 19
	nsec := 0
	if i < len(b) && (b[i] == '.' || b[i] == ',') {
		i++
		scale := 100000000
		for i < len(b) && isDigit(b[i]) {
			nsec += int(b[i]-'0') * scale
			scale /= 10
			i++
		}
	}
	loc := p.loc
	if i < len(b) {
		switch c := b[i]; {
		case c == 'Z':
			loc = time.UTC
		case c == '+' || c == '-':
			if off, ok := zoneOffset(b[i:]); ok {
				loc = time.FixedZone("", off)
			}
		case c == ' ' && i+4 <= len(b) && string(b[i+1:i+4]) == "UTC":
			loc = time.UTC
		}
	}
	return time.Date(year, time.Month(mon), day, hh, mm, ss, nsec, loc), true
}

// zoneOffset parses "+hh:mm", "+hhmm" or "+hh".
func zoneOffset(b []byte) (int, bool) {
	if len(b) < 3 {
		return 0, false
	}
	sign := 1
	if b[0] == '-' {
		sign = -1
	}
	hh, ok := num(b[1:3])
	if !ok {
		return 0, false
	}
	mm := 0
	switch {
	case len(b) >= 6 && b[3] == ':':
		mm, ok = num(b[4:6])
	case len(b) >= 5 && isDigit(b[3]):
		mm, ok = num(b[3:5])
	}
	if !ok || hh > 14 || mm > 59 {
		return 0, false
	}
	return sign * (hh*3600 + mm*60), true
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func month(b []byte) int {
	if len(b) < 3 {
		return 0
	}
	for i, m := range months {
		if b[0] == m[0] && b[1] == m[1] && b[2] == m[2] {
			return i + 1
		}
	}
	return 0
}

// klog parses glog/klog's "MMDD hh:mm:ss.uuuuuu" (after the severity letter).
func (p *tsParser) klog(b []byte) (time.Time, bool) {
	if len(b) < 13 || b[4] != ' ' || b[7] != ':' || b[10] != ':' {
		return time.Time{}, false
	}
	mon, ok1 := num(b[0:2])
	day, ok2 := num(b[2:4])
	hh, ok3 := num(b[5:7])
	mm, ok4 := num(b[8:10])
	ss, ok5 := num(b[11:13])
	if !(ok1 && ok2 && ok3 && ok4 && ok5) || mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 {
		return time.Time{}, false
	}
	nsec := 0
	if len(b) > 13 && b[13] == '.' {
		scale := 100000000
		for i := 14; i < len(b) && isDigit(b[i]); i++ {
			nsec += int(b[i]-'0') * scale
			scale /= 10
		}
	}
	return p.withYear(mon, day, hh, mm, ss, nsec), true
}

var weekdays = [...]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// ctime parses "Fri Nov 27 10:38:54.123456 2026" (Apache error logs, C's ctime and asctime).
func (p *tsParser) ctime(b []byte) (time.Time, bool) {
	if len(b) < 24 || b[3] != ' ' {
		return time.Time{}, false
	}
	wd := false
	for _, d := range weekdays {
		if string(b[:3]) == d {
			wd = true
			break
		}
	}
	if !wd {
		return time.Time{}, false
	}
	b = b[4:]
	mon, day, i, ok := monthDay(b)
	if !ok {
		return time.Time{}, false
	}
	hh, mm, ss, nsec, j, ok := clock(b, i)
	if !ok || j+5 > len(b) || b[j] != ' ' {
		return time.Time{}, false
	}
	year, ok := num(b[j+1 : j+5])
	if !ok || !ends(b, j+5) {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(mon), day, hh, mm, ss, nsec, p.loc), true
}

// jul parses java.util.logging's "Nov 27, 2026 10:38:54 AM".
func (p *tsParser) jul(b []byte) (time.Time, bool) {
	mon := month(b)
	if mon == 0 || len(b) < 20 || b[3] != ' ' {
		return time.Time{}, false
	}
	i := 4
	day, j := readNum(b, i)
	if j == i || j+7 > len(b) || b[j] != ',' || b[j+1] != ' ' {
		return time.Time{}, false
	}
	year, k := readNum(b, j+2)
	if k-(j+2) != 4 || k >= len(b) || b[k] != ' ' {
		return time.Time{}, false
	}
	hh, l := readNum(b, k+1)
	if l == k+1 || l+6 > len(b) || b[l] != ':' || b[l+3] != ':' {
		return time.Time{}, false
	}
	mm, ok1 := num(b[l+1 : l+3])
	ss, ok2 := num(b[l+4 : l+6])
	if !ok1 || !ok2 || day < 1 || day > 31 || hh > 12 || mm > 59 || ss > 60 {
		return time.Time{}, false
	}
	if r := b[l+6:]; len(r) >= 3 && r[0] == ' ' && r[2] == 'M' {
		switch {
		case r[1] == 'P' && hh < 12:
			hh += 12
		case r[1] == 'A' && hh == 12:
			hh = 0
		}
	}
	return time.Date(year, time.Month(mon), day, hh, mm, ss, 0, p.loc), true
}

// parseCLF parses the access-log time "27/Nov/2026:10:38:54 +0000" (after the "[").
func parseCLF(b []byte) (time.Time, bool) {
	if len(b) < 26 || b[2] != '/' || b[6] != '/' || b[11] != ':' || b[14] != ':' || b[17] != ':' || b[20] != ' ' {
		return time.Time{}, false
	}
	day, ok1 := num(b[0:2])
	mon := month(b[3:6])
	year, ok2 := num(b[7:11])
	hh, ok3 := num(b[12:14])
	mm, ok4 := num(b[15:17])
	ss, ok5 := num(b[18:20])
	off, ok6 := zoneOffset(b[21:26])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mon == 0 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(mon), day, hh, mm, ss, 0, time.FixedZone("", off)), true
}

func (p *tsParser) withYear(mon, day, hh, mm, ss, nsec int) time.Time {
	ref := p.ref
	if ref.IsZero() {
		ref = time.Now()
	}
	ref = ref.In(p.loc)
	t := time.Date(ref.Year(), time.Month(mon), day, hh, mm, ss, nsec, p.loc)
	if t.After(ref.Add(24 * time.Hour)) {
		t = t.AddDate(-1, 0, 0)
	}
	return t
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func num(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(b) > 0
}

func readNum(b []byte, i int) (int, int) {
	n := 0
	for i < len(b) && isDigit(b[i]) && n < 1e6 {
		n = n*10 + int(b[i]-'0')
		i++
	}
	return n, i
}
