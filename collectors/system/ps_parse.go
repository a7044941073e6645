package system

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
)

// Parsers for BSD ps(1) output, used on macOS; kept OS-neutral so they are tested everywhere.

// parsePSList parses `ps -axww -o pid=,ppid=,uid=,state=,time=,rss=,vsz=,comm=` (rss and vsz in
// KiB; comm last because it may hold spaces).
func parsePSList(out []byte) []procSample {
	var procs []procSample
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 8 {
			continue
		}
		pid, err := strconv.ParseInt(f[0], 10, 32)
		if err != nil {
			continue
		}
		ppid, _ := strconv.ParseInt(f[1], 10, 32)
		uid, _ := strconv.ParseInt(f[2], 10, 64)
		rss, _ := strconv.ParseUint(f[5], 10, 64)
		vsz, _ := strconv.ParseUint(f[6], 10, 64)
		name := strings.Join(f[7:], " ")
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			name = name[i+1:]
		}
		procs = append(procs, procSample{pid: int32(pid), ppid: int32(ppid), uid: uid,
			state: darwinState(f[3]), cpuSeconds: psTime(f[4]), rss: rss * 1024, vms: vsz * 1024,
			name: name})
	}
	return procs
}

func darwinState(s string) string {
	if s == "" {
		return ""
	}
	switch s[0] {
	case 'R':
		return "running"
	case 'S', 'I':
		return "sleeping"
	case 'U':
		return "disk_sleep"
	case 'Z':
		return "zombie"
	case 'T':
		return "stopped"
	}
	return s
}

// psTime parses ps(1)'s cumulative CPU time: [dd-][hh:]mm:ss[.cc].
func psTime(s string) float64 {
	days := 0.0
	if d, rest, ok := strings.Cut(s, "-"); ok {
		n, _ := strconv.ParseFloat(d, 64)
		days, s = n, rest
	}
	total := 0.0
	for _, part := range strings.Split(s, ":") {
		v, _ := strconv.ParseFloat(part, 64)
		total = total*60 + v
	}
	return days*86400 + total
}

// parsePSDetails parses `ps -ww -o pid=,user=,args= -p ...` into the listed processes.
func parsePSDetails(out []byte, procs map[int32]*Process) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		pid, err := strconv.ParseInt(f[0], 10, 32)
		if err != nil || procs[int32(pid)] == nil {
			continue
		}
		p := procs[int32(pid)]
		p.User = f[1]
		p.Cmdline, p.CmdlineTruncated = cutCmdline(strings.Join(f[2:], " "))
	}
}
