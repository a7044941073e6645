package logs

import (
	"github.com/casefile/casefile/collectors"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// hostFile is one file a glob matched.
type hostFile struct {
	path    string // path on this machine (with the root prefix)
	rel     string // path as the user knows it (without the root prefix), slash-separated
	size    int64
	modTime time.Time
	kind    string // what it is when not a regular file ("named pipe"): recorded, never opened

	stem string // name with rotation markers removed: files with one stem are one log
	num  int    // logrotate number (.1, .2.gz), 0 for none
	date string // date in the name (yyyymmdd...), "" for none
	gen  int    // 0 for the newest file of its stem, 1 for the one before, ...
}

var (
	numberedRE = regexp.MustCompile(`^(.*)\.(\d{1,4})$`)
	datedRE    = regexp.MustCompile(`[-._]?((?:19|20)\d\d)-?([01]\d)-?([0-3]\d)(?:[-_T]?(\d{2,6}))?`)
)

// classify fills stem, num and date from the file name: "syslog.2.gz" is generation 2 of
// "syslog"; "app-20261126.log" and "app.log-2026-11-26" are dated members of "app.log".
func (f *hostFile) classify() {
	dir, name := filepath.Split(f.rel)
	for _, ext := range collectors.CompressedExt {
		if strings.HasSuffix(name, ext) {
			name = strings.TrimSuffix(name, ext)
			break
		}
	}
	if m := numberedRE.FindStringSubmatch(name); m != nil {
		f.num, _ = strconv.Atoi(m[2])
		f.stem = dir + m[1]
		return
	}
	if loc := datedRE.FindStringSubmatchIndex(name); loc != nil {
		m := datedRE.FindStringSubmatch(name)
		if mon, _ := strconv.Atoi(m[2]); mon >= 1 && mon <= 12 {
			f.date = m[1] + m[2] + m[3] + m[4]
			f.stem = dir + name[:loc[0]] + name[loc[1]:]
			return
		}
	}
	f.stem = dir + name
}

// order sorts files so that each log's newest file comes first and, across logs, all current
// files come before all first rotations, and so on: when the collector's cap runs out, what is
// left out is the oldest history.
func order(files []*hostFile) {
	for _, f := range files {
		f.classify()
	}
	byStem := map[string][]*hostFile{}
	for _, f := range files {
		byStem[f.stem] = append(byStem[f.stem], f)
	}
	for _, g := range byStem {
		sort.Slice(g, func(i, j int) bool { return newer(g[i], g[j]) })
		for i, f := range g {
			f.gen = i
		}
	}
	sort.Slice(files, func(i, j int) bool {
		a, b := files[i], files[j]
		if a.gen != b.gen {
			return a.gen < b.gen
		}
		if a.stem != b.stem {
			return a.stem < b.stem
		}
		return a.rel < b.rel
	})
}

// newer reports whether a is a newer member of its log than b.
func newer(a, b *hostFile) bool {
	live := func(f *hostFile) bool { return f.num == 0 && f.date == "" }
	switch {
	case live(a) != live(b):
		return live(a)
	case a.num != b.num && a.num > 0 && b.num > 0:
		return a.num < b.num
	case a.date != b.date && a.date != "" && b.date != "":
		return a.date > b.date
	case !a.modTime.Equal(b.modTime):
		return a.modTime.After(b.modTime)
	}
	return a.rel < b.rel
}
