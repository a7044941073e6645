package system

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of the CPU times in /proc/<pid>/stat: fixed at 100 by the kernel ABI
// (USER_HZ), whatever the kernel's internal HZ.
const userHZ = 100

// snapshotProcs reads /proc/<pid>/stat of every process: one small read each, nothing kept but
// the numbers.
func snapshotProcs(ctx context.Context, s *source) ([]procSample, error) {
	d, err := os.Open(s.path("/proc"))
	if err != nil {
		return nil, err
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil, err
	}
	page := uint64(os.Getpagesize())
	out := make([]procSample, 0, len(names))
	buf := make([]byte, 0, 1024)
	for _, n := range names {
		pid, err := strconv.ParseInt(n, 10, 32)
		if err != nil {
			continue
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		buf, err = readInto(buf, s.path("/proc/"+n+"/stat"))
		if err != nil {
			continue // exited meanwhile
		}
		ps, err := parseProcStat(buf, page)
		if err != nil {
			continue
		}
		ps.pid = int32(pid)
		ps.uid = -1
		out = append(out, ps)
	}
	return out, nil
}

func readInto(buf []byte, path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return buf, err
	}
	defer f.Close()
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil || n == 0 {
			return buf, nil
		}
	}
}

// parseProcStat parses /proc/<pid>/stat (proc(5)). The name sits in parentheses and may hold
// spaces and parentheses itself, so the fields after it are found from the last ')'.
func parseProcStat(b []byte, page uint64) (procSample, error) {
	var ps procSample
	open := bytes.IndexByte(b, '(')
	close := bytes.LastIndexByte(b, ')')
	if open < 0 || close < open {
		return ps, fmt.Errorf("malformed stat")
	}
	ps.name = string(b[open+1 : close])
	// Fields after the name, without allocating a string per field: f[0] is field 3 (state),
	// field n is f[n-3].
	var f [22][]byte
	n := 0
	rest := b[close+1:]
	for n < len(f) {
		i := 0
		for i < len(rest) && (rest[i] == ' ' || rest[i] == '\n') {
			i++
		}
		rest = rest[i:]
		if len(rest) == 0 {
			break
		}
		j := 0
		for j < len(rest) && rest[j] != ' ' && rest[j] != '\n' {
			j++
		}
		f[n], rest = rest[:j], rest[j:]
		n++
	}
	if n < len(f) {
		return ps, fmt.Errorf("short stat: %d fields", n)
	}
	ps.state = procState(string(f[0]))
	ps.ppid = int32(atoi(f[1]))
	ps.cpuSeconds = float64(atoi(f[11])+atoi(f[12])) / userHZ
	ps.threads = int32(atoi(f[17]))
	ps.vms = uint64(atoi(f[20]))
	if rss := atoi(f[21]); rss > 0 {
		ps.rss = uint64(rss) * page
	}
	return ps, nil
}

// atoi parses a decimal /proc number; a minus sign gives a negative result, anything else
// non-numeric ends the number.
func atoi(b []byte) int64 {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		return -n
	}
	return n
}

func procState(c string) string {
	switch c {
	case "R":
		return "running"
	case "S":
		return "sleeping"
	case "D":
		return "disk_sleep"
	case "Z":
		return "zombie"
	case "T":
		return "stopped"
	case "t":
		return "tracing_stop"
	case "X", "x":
		return "dead"
	case "I":
		return "idle"
	case "K":
		return "wakekill"
	case "W":
		return "waking"
	case "P":
		return "parked"
	}
	return c
}

// startTicks returns field 22 of /proc/<pid>/stat, the start time in USER_HZ ticks after boot.
func startTicks(b []byte) (uint64, bool) {
	close := bytes.LastIndexByte(b, ')')
	if close < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[close+1:]))
	if len(f) < 20 {
		return 0, false
	}
	v, err := strconv.ParseUint(f[19], 10, 64)
	return v, err == nil
}

func fillDetails(ctx context.Context, s *source, procs map[int32]*Process) error {
	users := s.passwd()
	boot, _, _ := bootAndUptime(ctx, s)
	buf := make([]byte, 0, 1024)
	for pid, p := range procs {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		dir := "/proc/" + strconv.Itoa(int(pid))
		if b, err := s.readFile(dir+"/cmdline", maxCmdline+1); err == nil {
			b = bytes.TrimRight(b, "\x00")
			p.Cmdline, p.CmdlineTruncated = cutCmdline(string(bytes.ReplaceAll(b, []byte{0}, []byte{' '})))
		}
		if st, err := s.readFile(dir+"/status", 64<<10); err == nil {
			for _, line := range strings.Split(string(st), "\n") {
				if v, ok := strings.CutPrefix(line, "Uid:"); ok {
					if fs := strings.Fields(v); len(fs) > 0 {
						if uid, err := strconv.ParseInt(fs[0], 10, 64); err == nil {
							p.UID = uid
							p.User = users[uid]
						}
					}
					break
				}
			}
		}
		var err error
		if buf, err = readInto(buf, s.path(dir+"/stat")); err == nil && !boot.IsZero() {
			if t, ok := startTicks(buf); ok {
				st := boot.Add(time.Duration(t) * time.Second / userHZ).UTC()
				p.Started = &st
			}
		}
	}
	return nil
}

// passwd maps uids to names from the root's /etc/passwd (os/user would read the host's).
func (s *source) passwd() map[int64]string {
	m := map[int64]string{}
	b, err := s.readFile("/etc/passwd", 4<<20)
	if err != nil {
		return m
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 3 {
			continue
		}
		if uid, err := strconv.ParseInt(f[2], 10, 64); err == nil {
			if _, dup := m[uid]; !dup {
				m[uid] = f[0]
			}
		}
	}
	return m
}

func processName(ctx context.Context, s *source, pid int32) string {
	return s.firstLine("/proc/" + strconv.Itoa(int(pid)) + "/comm")
}
