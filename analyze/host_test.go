package analyze

import (
	"strings"
	"testing"
)

const dmesgHealthy = `2026-12-02T08:53:48,000000+00:00 Linux version 6.1.0 (gcc) #1 SMP
2026-12-02T08:53:49,000000+00:00 EXT4-fs (sda1): mounted filesystem with ordered data mode
2026-12-02T08:53:50,000000+00:00 systemd[1]: Started Journal Service.
2026-12-02T08:53:51,000000+00:00 audit: type=1400 apparmor="STATUS" operation="profile_load"
`

func TestKernel(t *testing.T) {
	oom := `2026-12-02T09:00:01,000000+00:00 java invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0
2026-12-02T09:00:01,000100+00:00 Out of memory: Killed process 4242 (java) total-vm:8123456kB, anon-rss:4000000kB, file-rss:0kB
`
	cgoom := "Dec 02 09:00:02 web01 kernel: Memory cgroup out of memory: Killed process 777 (node) total-vm:1kB\n"
	seg := "[ 1234.5] nginx[991]: segfault at 0 ip 00007f00 sp 00007ffd error 4 in libc.so.6[7f00+1000]\n"
	gpf := "[ 99.1] traps: worker[12] general protection fault ip:55 sp:7ff error:0 in worker[55+100]\n"
	io := "[ 50.0] blk_update_request: I/O error, dev sdb, sector 2048 op 0x0:(READ)\n[ 50.1] Buffer I/O error on dev sdb1, logical block 0, async page read\n"
	hung := "[ 700.0] INFO: task jbd2/sda1-8:210 blocked for more than 120 seconds.\n"
	runCases(t, analyzeKernel, []tcase{
		{name: "healthy", files: map[string]string{"logs/dmesg/dmesg.log": dmesgHealthy, "commands/dmesg-tail/stdout.txt": dmesgHealthy}},
		{name: "oom in dmesg, the dmesg command and journald counts once", files: map[string]string{
			"logs/dmesg/dmesg.log":           dmesgHealthy + oom,
			"commands/dmesg-tail/stdout.txt": oom,
			"logs/journald/journalctl.log":   "2026-12-02T09:00:01+0000 web01 kernel: " + strings.SplitN(oom, "\n", 3)[1] + "\n",
			"logs/journald.json":             `{"files": []}`,
			"logs/acme/var/log/acme/app.log": "Out of memory: Killed process 1 (notkernel)\n",
		}, want: []string{"kernel.oom_kill critical java"}, title: "killed java for lack of memory"},
		{name: "cgroup oom in syslog", files: map[string]string{"logs/syslog/var/log/kern.log": cgoom}, want: []string{"kernel.oom_kill critical node"}},
		{name: "segfaults", files: map[string]string{"commands/dmesg-tail/stdout.txt": seg + seg + gpf}, want: []string{"kernel.segfault warning nginx", "kernel.segfault warning worker"}, title: "(2 times)"},
		{name: "io errors", files: map[string]string{"logs/dmesg/dmesg.log": io + "[ 51.0] EXT4-fs error (device sdb1): ext4_find_entry:1455: inode #2: comm ls: reading directory lblock 0\n"},
			want: []string{"kernel.io_error critical sdb", "kernel.io_error critical sdb1"}},
		{name: "hung task", files: map[string]string{"logs/dmesg/dmesg.log": hung}, want: []string{"kernel.hung_task warning jbd2/sda1-8"}},
	})
}

func TestServices(t *testing.T) {
	failed := `  UNIT           LOAD   ACTIVE SUB    DESCRIPTION
* nginx.service  loaded failed failed A high performance web server
* backup.timer   loaded failed failed Nightly backup

LOAD   = Reflects whether the unit definition was properly loaded.
ACTIVE = The high-level unit activation state, i.e. generalization of SUB.
SUB    = The low-level unit activation state, values depend on unit type.
2 loaded units listed.
`
	none := `  UNIT LOAD ACTIVE SUB DESCRIPTION
0 loaded units listed.
`
	runCases(t, analyzeServices, []tcase{
		{name: "none failed", files: map[string]string{systemctlFailed: none}},
		{name: "no systemd (stderr only)", files: map[string]string{"commands/systemctl-failed/stderr.txt": "System has not been booted with systemd as init system (PID 1). Can't operate.\n"}},
		{name: "failed units", files: map[string]string{systemctlFailed: failed}, want: []string{"service.failed warning backup.timer", "service.failed warning nginx.service"}},
		{name: "unicode bullet", files: map[string]string{systemctlFailed: "● cron.service loaded failed failed Regular background program processing daemon\n"}, want: []string{"service.failed warning cron.service"}},
	})
}

func TestCollectors(t *testing.T) {
	man := func(cs string) map[string]string {
		return map[string]string{"manifest.json": `{"schema_version": 1, "collectors": [` + cs + `]}`}
	}
	runCases(t, analyzeCollectors, []tcase{
		{name: "all fine", files: man(`{"name": "system.cpu", "status": "ok"}, {"name": "logs.syslog", "status": "skipped", "error": "no files"}, {"name": "logs.acme", "status": "partial", "error": "one unreadable"}`)},
		{name: "failed", files: man(`{"name": "system.disks", "status": "failed", "error": "panic: boom"}`), want: []string{"collector.failed warning system.disks"}},
		{name: "timed out", files: man(`{"name": "commands.defaults", "status": "timed_out", "error": "timed out after 30s", "files": ["commands/df/stdout.txt"]}`), want: []string{"collector.timed_out warning commands.defaults"}},
		{name: "failed network checks are data", files: merge(man(`{"name": "network.http", "status": "failed", "error": "http api: refused"}`), results(httpPath))},
		{name: "network collector that wrote nothing", files: man(`{"name": "network.tcp", "status": "failed", "error": "panic"}`), want: []string{"collector.failed warning network.tcp"}},
	})
}
