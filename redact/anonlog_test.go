package redact

import (
	"strings"
	"testing"
)

// Issue 9: --anonymize on real-world log lines. Each case is a line in a known log syntax; the
// test checks what must stay and what must change.

func anonEngine(t testing.TB, hosts ...string) *Engine {
	t.Helper()
	e, err := New(Config{Anonymize: true, Hosts: hosts})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestAnonEmptyUserKey(t *testing.T) {
	e := anonEngine(t)
	in := "Dec 10 06:55:46 LabSZ sshd[24200]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.9.8.7  user=mallory"
	out := e.String("auth.log", in)
	for _, keep := range []string{"logname= uid=0 euid=0 tty=ssh ruser= rhost=10."} {
		if !strings.Contains(out, keep) {
			t.Errorf("%q lost: %s", keep, out)
		}
	}
	if strings.Contains(out, "mallory") || strings.Contains(out, "10.9.8.7") {
		t.Errorf("user or IP kept: %s", out)
	}
	// a value after "= " that is no key is still the user
	if out := e.String("x", "user= mallory"); strings.Contains(out, "mallory") {
		t.Errorf("spaced user value kept: %s", out)
	}
}

func TestAnonVersionsAreNotIPs(t *testing.T) {
	e := anonEngine(t)
	for _, in := range []string{
		"2016-09-28 04:30:31, Info CBS Package: Package_for_KB2533552~31bf3856ad364e35~amd64~~6.1.1.0, state: Installed",
		"Loaded firmware version 0.0.0.6 for device",
		"Version: 2.1.4.1 (build 5)",
		"component amd64_microsoft-windows-servicingstack_31bf3856ad364e35_6.1.1.0_none_681aa442f6fed7f0",
		"2026-11-20 10:00:00 status installed libfoo:amd64 1.2.5.1-2",
		"Unpacking libfoo (1.2.5.1-2) over (1:1.2.5.0-1ubuntu2) ...",
		"Created symlink /etc/systemd/system/getty.target.wants/getty@tty1.service, user@1000.service",
	} {
		if out := e.String("x", in); out != in {
			t.Errorf("version changed:\n in: %s\nout: %s", in, out)
		}
	}
	// an address after other words still changes
	if out := e.String("x", "peer 6.1.1.7 connected"); strings.Contains(out, "6.1.1.7") {
		t.Errorf("address kept: %s", out)
	}
	// a range of addresses is no package version
	if out := e.String("x", "allow 10.1.2.3-10.1.2.9"); strings.Contains(out, "10.1.2.3") || strings.Contains(out, "10.1.2.9") {
		t.Errorf("address range kept: %s", out)
	}
}

func TestAnonIPv6Boundaries(t *testing.T) {
	e := anonEngine(t)
	for _, in := range []string{
		"2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200",
		"03-17 16:13:38.811  1702  2395 D InputDispatcher: onTouchEvent::0 handled",
		"fc_host: port_name 20:00:00:25:b5:00:00:0f node_name 20:01:00:25:b5:00:00:0f",
		"eui64 00:1a:2b:ff:fe:3c:4d:5e mac 00:1a:2b:3c:4d:5e",
		"sensor ids fe80:1:2:3 and 12:34:56:78:9a:bc:de:f0:12",
		"bind [::]:8080 and ::1 and std::vector<int>",
	} {
		if out := e.String("x", in); out != in {
			t.Errorf("changed:\n in: %s\nout: %s", in, out)
		}
	}
	for _, in := range []string{"from fe80::1ff:fe23:4567:890a%eth0", "peer [2001:db8::7]:443", "addr ::ffff:10.1.2.3 ok", "/fe80:0:0:0:1ff:fe23:4567:890a:2181:Election"} {
		out := e.String("x", in)
		for _, orig := range []string{"1ff:fe23:4567:890a", "2001:db8::7", "10.1.2.3"} {
			if strings.Contains(out, orig) {
				t.Errorf("%q kept: %s", orig, out)
			}
		}
		if len(strings.Fields(out)) != len(strings.Fields(in)) || !strings.HasSuffix(out, in[strings.LastIndexAny(in, " :]%"):]) {
			t.Errorf("shape changed:\n in: %s\nout: %s", in, out)
		}
	}
}

func TestAnonHostOnlyWhereAHost(t *testing.T) {
	e := anonEngine(t, "vm", "db")
	for _, in := range []string{
		"VM Started", "db=orders", "the vm is up", "select * from db where db.id = 1", "vm.swappiness = 60", "db:",
	} {
		if out := e.String("x", in); out != in {
			t.Errorf("plain word changed:\n in: %s\nout: %s", in, out)
		}
	}
	vm, db := e.HostToken("vm"), e.HostToken("db")
	for in, want := range map[string]string{
		"Nov 27 10:00:00 vm sshd[1]: ok":                 "Nov 27 10:00:00 " + vm + " sshd[1]: ok",
		"<34>Nov  7 10:00:00 db app: ok":                 "<34>Nov  7 10:00:00 " + db + " app: ok",
		"<165>1 2026-11-27T10:00:00.003Z vm app - - x":   "<165>1 2026-11-27T10:00:00.003Z " + vm + " app - - x",
		"host=vm hostname: db":                           "host=" + vm + " hostname: " + db,
		`{"hostname": "vm", "node":"db"}`:                `{"hostname": "` + vm + `", "node":"` + db + `"}`,
		"[root@vm ~]# ssh admin@db":                      "[root@" + vm + " ~]# ssh admin@" + db,
		"GET http://vm:8080/x and db:5432":               "GET http://" + vm + ":8080/x and " + db + ":5432",
		"resolved vm.corp.example":                       "resolved " + vm + ".corp.example",
		"connect to host db port 22: Connection refused": "connect to host " + db + " port 22: Connection refused",
		"vm":                            vm, // /etc/hostname, hostname, uname -n
		"  vm\t":                        "  " + vm + "\t",
		"127.0.1.1\tvm vm.corp.example": "127.0.1.1\t" + vm + " " + vm + ".corp.example",
		"Linux vm 6.1.0-18-amd64 #1 SMP x86_64 GNU/Linux": "Linux " + vm + " 6.1.0-18-amd64 #1 SMP x86_64 GNU/Linux",
		"_HOSTNAME=vm": "_HOSTNAME=" + vm,
	} {
		if out := e.String("x", in); out != want {
			t.Errorf("host:\n in: %s\nout: %s\nwant %s", in, out, want)
		}
	}
}

func TestAnonIPsInsideNames(t *testing.T) {
	e := anonEngine(t)
	tok := func(ip string) string { return e.String("x", ip) }
	dash := func(ip string) string { return strings.ReplaceAll(tok(ip), ".", "-") }
	rev := func(ip string) string {
		p := strings.Split(tok(ip), ".")
		return p[3] + "." + p[2] + "." + p[1] + "." + p[0]
	}
	for in, want := range map[string]string{
		"Jul  1 09:00:55 calvisitor-10-105-160-95 kernel[0]: x": "Jul  1 09:00:55 calvisitor-" + dash("10.105.160.95") + " kernel[0]: x",
		"from 62.99.164.82.sh.interxion.inode.at":               "from " + tok("62.99.164.82") + ".sh.interxion.inode.at",
		"rhost=ec2-52-80-34-196.compute-1.amazonaws.com":        "rhost=ec2-" + dash("52.80.34.196") + ".compute-1.amazonaws.com",
		"BP-108841162-10.190.173.170-1497468302232 done":        "BP-108841162-" + tok("10.190.173.170") + "-1497468302232 done",
		"PTR 4.3.2.1.in-addr.arpa":                              "PTR " + rev("1.2.3.4") + ".in-addr.arpa",
		"ip-172-31-5-9.ec2.internal/172.31.5.9:8030":            "ip-" + dash("172.31.5.9") + ".ec2.internal/" + tok("172.31.5.9") + ":8030",
	} {
		if out := e.String("x", in); out != want {
			t.Errorf("embedded IP:\n in: %s\nout: %s\nwant %s", in, out, want)
		}
	}
	// a reversed form of an address already seen reads as that address's pseudonym
	seen := tok("198.51.100.23")
	p := strings.Split(seen, ".")
	out := e.String("x", "23.100.51.198.dyn.example.net")
	if out != p[3]+"."+p[2]+"."+p[1]+"."+p[0]+".dyn.example.net" {
		t.Errorf("reversed form of a seen address: %s (forward token %s)", out, seen)
	}
	if again := e.String("x", out); again != out {
		t.Errorf("a second pass changed the reversed form: %s -> %s", out, again)
	}
	// not addresses: longer digit runs, OIDs, dates
	for _, in := range []string{"oid 1.3.6.1.4.1.311", "node-1-10-0-0-1", "2015-10-18-18", "kernel-2.6.32.504.el6"} {
		if out := e.String("x", in); out != in {
			t.Errorf("changed:\n in: %s\nout: %s", in, out)
		}
	}
}

func TestAnonOtherDamage(t *testing.T) {
	e := anonEngine(t)
	for _, in := range []string{
		"Jul  8 10:00:00 host powerd[1]: owner: com.apple.ical.x Summary- [System: DeclUser]",
		"Jul  8 10:00:00 host UserEventAgent[1]: AppDelegate.Startup@0.0.0.0 started",
		"03-17 16:13:38.811  1702  2395 D View: onTouchEvent::0 up",
	} {
		if out := e.String("x", in); out != in {
			t.Errorf("changed:\n in: %s\nout: %s", in, out)
		}
	}
	// a user at an IP literal: the user is pseudonymized, the address too, no e-mail token
	out := e.String("x", "ssh mallory@10.2.3.4 -p 22")
	if strings.Contains(out, "mallory") || strings.Contains(out, "10.2.3.4") || strings.Contains(out, ".invalid") {
		t.Errorf("user@ip: %s", out)
	}
}

func TestAnonSSHUsers(t *testing.T) {
	e := anonEngine(t)
	for _, in := range []string{
		"Dec 10 09:11:20 LabSZ sshd[24437]: Failed password for invalid user mallory from 10.9.8.7 port 37136 ssh2",
		"Dec 10 09:12:20 LabSZ sshd[24439]: Invalid user mallory from 10.9.8.7",
		"Dec 10 09:13:20 LabSZ sshd[24440]: Accepted publickey for mallory from 10.9.8.7 port 22 ssh2",
		"Dec 10 09:13:20 LabSZ sshd[24440]: Failed password for mallory from 10.9.8.7 port 22 ssh2",
		`10.9.8.7 - mallory [27/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1`,
	} {
		out := e.String("x", in)
		if strings.Contains(out, "mallory") || strings.Contains(out, "10.9.8.7") || len(strings.Fields(out)) != len(strings.Fields(in)) {
			t.Errorf("\n in: %s\nout: %s", in, out)
		}
	}
	// prose with the same words stays
	for _, in := range []string{"wait for user input", "looking for invalid entries", "Invalid user-agent string"} {
		if out := e.String("x", in); out != in {
			t.Errorf("changed: %s", out)
		}
	}
}

func TestAnonHostInPaths(t *testing.T) {
	e := anonEngine(t, "vm")
	vm := e.HostToken("vm")
	for in, want := range map[string]string{
		"files/x/var/log/hosts/vm/vm.log": "files/x/var/log/hosts/" + vm + "/" + vm + ".log",
		"files/x/var/log/vmware.log":      "files/x/var/log/vmware.log",
		"files/x/etc/vm.conf":             "files/x/etc/" + vm + ".conf",
	} {
		if got := e.Path(in); got != want {
			t.Errorf("Path(%q) = %q, want %q", in, got, want)
		}
	}
}
