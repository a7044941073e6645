package system

import "testing"

// Output as macOS ps(1) prints it for the two commands processes_darwin.go runs.
func TestParsePSList(t *testing.T) {
	out := []byte(`    1     0     0 Ss     2:31.45  12345  4203456 /sbin/launchd
  412     1   501 S      0:00.02   2048   400000 /Applications/Google Chrome.app/Contents/MacOS/Google Chrome
  913   412   501 R   1-02:03:04   8192   800000 node
 bogus line
  977     1     0 Z      0:00.00      0        0 (zombie)
`)
	got := parsePSList(out)
	same(t, "ps list", got, []procSample{
		{pid: 1, ppid: 0, uid: 0, state: "sleeping", cpuSeconds: 151.45, rss: 12345 * 1024, vms: 4203456 * 1024, name: "launchd"},
		{pid: 412, ppid: 1, uid: 501, state: "sleeping", cpuSeconds: 0.02, rss: 2048 * 1024, vms: 400000 * 1024, name: "Google Chrome"},
		{pid: 913, ppid: 412, uid: 501, state: "running", cpuSeconds: 86400 + 2*3600 + 3*60 + 4, rss: 8192 * 1024, vms: 800000 * 1024, name: "node"},
		{pid: 977, ppid: 1, uid: 0, state: "zombie", name: "(zombie)"},
	})
}

func TestParsePSDetails(t *testing.T) {
	procs := map[int32]*Process{1: {PID: 1}, 913: {PID: 913}}
	parsePSDetails([]byte("    1 root             /sbin/launchd\n  913 alice            node server.js --port 3000\n  999 bob x\n"), procs)
	same(t, "pid 1", *procs[1], Process{PID: 1, User: "root", Cmdline: "/sbin/launchd"})
	same(t, "pid 913", *procs[913], Process{PID: 913, User: "alice", Cmdline: "node server.js --port 3000"})
}
