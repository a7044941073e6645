package redact

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// anonLogLines generates lines in real-world log syntaxes (syslog, OpenSSH, Apache access and
// error, Hadoop, HDFS, Zookeeper, Android logcat, Windows CBS, macOS), with identifiers from the
// returned lists. ts is how many leading whitespace fields of each line are its timestamp.
type anonLine struct {
	text string
	ts   int
	ips  []string // the addresses in this line
}

func anonLogLines(n int, seed uint64) (lines []anonLine, ips, hosts, users []string) {
	r := rand.New(rand.NewPCG(seed, 9))
	ip := func() string {
		for {
			a := fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254))
			if !strings.HasPrefix(a, "127.") {
				ips = append(ips, a)
				return a
			}
		}
	}
	dash := func(a string) string { return strings.ReplaceAll(a, ".", "-") }
	users = []string{"alice", "bob", "mallory", "svc-backup"}
	hosts = []string{"vm", "db"}
	user := func() string { return users[r.IntN(len(users))] }
	host := func() string { return hosts[r.IntN(len(hosts))] }
	nip := 0
	for len(lines) < n {
		sec := r.IntN(60)
		var l anonLine
		switch r.IntN(18) {
		case 0:
			l = anonLine{text: fmt.Sprintf("Nov 27 10:00:%02d %s sshd[%d]: Accepted password for %s from %s port %d ssh2", sec, host(), 1000+r.IntN(9000), user(), ip(), 1024+r.IntN(60000)), ts: 3}
		case 1:
			l = anonLine{text: fmt.Sprintf("Dec 10 06:55:%02d %s sshd[24200]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=%s  user=%s", sec, host(), ip(), user()), ts: 3}
		case 2:
			a := ip()
			l = anonLine{text: fmt.Sprintf("Dec 10 07:07:%02d %s sshd[24206]: reverse mapping checking getaddrinfo for ec2-%s.compute-1.amazonaws.com [%s] failed", sec, host(), dash(a), a), ts: 3}
		case 3:
			l = anonLine{text: fmt.Sprintf(`%s - %s [27/Nov/2026:10:00:%02d +0000] "GET /index.html HTTP/1.1" 200 %d "http://%s/start" "Mozilla/5.0 (X11; Linux x86_64)"`, ip(), user(), sec, r.IntN(9000), host()), ts: 0}
		case 4:
			l = anonLine{text: fmt.Sprintf("[Sun Dec 04 04:47:%02d 2005] [error] [client %s] Directory index forbidden by rule: /var/www/html/", sec, ip()), ts: 5}
		case 5:
			a := ip()
			l = anonLine{text: fmt.Sprintf("2015-10-18 18:01:%02d,978 INFO [main] org.apache.hadoop.yarn.client.RMProxy: Connecting to ResourceManager at calvisitor-%s/%s:8030", sec, dash(a), a), ts: 2}
		case 6:
			l = anonLine{text: fmt.Sprintf("081109 2036%02d 148 INFO dfs.DataNode$PacketResponder: Received block blk_-1608999687919862906 of size 91178 from /%s", sec, ip()), ts: 2}
		case 7:
			a := ip()
			l = anonLine{text: fmt.Sprintf("2017-06-14 10:01:%02d,110 INFO org.apache.hadoop.hdfs.server.datanode.DataNode: Block pool BP-108841162-%s-1497468302232 (Datanode Uuid null) service to %s/%s:9000", sec, a, host(), a), ts: 2}
		case 8:
			l = anonLine{text: fmt.Sprintf("2015-07-29 17:41:%02d,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200", sec), ts: 2}
		case 9:
			l = anonLine{text: fmt.Sprintf("2015-07-29 19:04:%02d,071 - INFO  [NIOServerCxn.Factory:0.0.0.0/0.0.0.0:2181:NIOServerCnxnFactory@197] - Accepted socket connection from /%s:45307", sec, ip()), ts: 2}
		case 10:
			l = anonLine{text: fmt.Sprintf("03-17 16:13:%02d.811  1702  2395 D WindowManager: printFreezingDisplayLogsopening app wtoken = AppWindowToken{9f4ef63 token=Token{a64f992 ActivityRecord{de9231d u0 com.tencent.qt.qtl/.activity.info.NewsDetailXmlActivity t761}}}, allDrawn= false", sec), ts: 2}
		case 11:
			l = anonLine{text: fmt.Sprintf("03-17 16:13:%02d.816  2227  2227 D PhoneStatusBar: onTouchEvent::0 from %s", sec, ip()), ts: 2}
		case 12:
			l = anonLine{text: fmt.Sprintf("2016-09-28 04:30:%02d, Info                  CBS    Package: Package_for_KB2533552~31bf3856ad364e35~amd64~~6.1.1.0, current: Installed, pending: Default, start: Installed.", sec), ts: 2}
		case 13:
			a := ip()
			l = anonLine{text: fmt.Sprintf("Jul  1 09:00:%02d calvisitor-%s kernel[0]: ARPT: 620651.021206: wl0: wl_update_tcpkeep_seq: Original Seq: 3226706533, Ack: 3871687177, Win size: 4096", sec, dash(a)), ts: 3}
		case 14:
			a := ip()
			p := strings.Split(a, ".")
			l = anonLine{text: fmt.Sprintf("Jul  1 09:01:%02d %s com.apple.CDScheduler[43]: owner: com.apple.ical.x AppDelegate.Startup@0.0.0.0 from %s.sh.interxion.inode.at %s.%s.%s.%s.in-addr.arpa", sec, host(), a, p[3], p[2], p[1], p[0]), ts: 3}
		case 15:
			l = anonLine{text: fmt.Sprintf(`<34>1 2026-11-27T10:00:%02d.003Z %s app 1 - - {"hostname": "%s", "addr": "%s", "user": "%s", "version": "0.0.0.6"}`, sec, host(), host(), ip(), user()), ts: 2}
		case 16:
			l = anonLine{text: fmt.Sprintf("Dec 10 09:11:%02d %s sshd[24437]: Failed password for invalid user %s from %s port 37136 ssh2", sec, host(), user(), ip()), ts: 3}
		case 17:
			l = anonLine{text: fmt.Sprintf("Dec 10 09:12:%02d %s sshd[24439]: Invalid user %s from %s", sec, host(), user(), ip()), ts: 3}
		}
		l.ips = ips[nip:]
		nip = len(ips)
		lines = append(lines, l)
	}
	return lines, ips, hosts, users
}

func TestAnonymizeKeepsLineShape(t *testing.T) {
	lines, _, hosts, users := anonLogLines(3000, 1)
	e, err := New(Config{Anonymize: true, Hosts: hosts})
	if err != nil {
		t.Fatal(err)
	}
	var in strings.Builder
	for _, l := range lines {
		in.WriteString(l.text + "\n")
	}
	anon := e.String("mixed.log", in.String())
	if again := e.String("again.log", anon); again != anon {
		a, b := strings.Split(anon, "\n"), strings.Split(again, "\n")
		for k := range a {
			if k < len(b) && a[k] != b[k] {
				t.Errorf("a second pass changed a line:\n 1st: %s\n 2nd: %s", a[k], b[k])
				break
			}
		}
	}
	out := strings.Split(strings.TrimSuffix(anon, "\n"), "\n")
	// Secret rules (not anonymization) may still change a line; its shape is then compared with
	// the line as redacted without --anonymize.
	plain, _ := New(Config{Hosts: hosts})
	base := strings.Split(strings.TrimSuffix(plain.String("mixed.log", in.String()), "\n"), "\n")
	if len(out) != len(lines) {
		t.Fatalf("%d lines in, %d out", len(lines), len(out))
	}
	bad := 0
	for k, l := range lines {
		fi, fo := strings.Fields(base[k]), strings.Fields(out[k])
		msg := ""
		switch {
		case len(fi) != len(fo):
			msg = fmt.Sprintf("%d fields, now %d", len(fi), len(fo))
		case strings.Join(fi[:l.ts], " ") != strings.Join(fo[:l.ts], " "):
			msg = "timestamp changed"
		case strings.Count(out[k], "[REDACTED") != strings.Count(base[k], "[REDACTED"):
			msg = "redacted"
		}
		for f := range fi {
			if msg == "" && len(fi) == len(fo) && fi[f] != fo[f] && strings.Count(fi[f], "[") != strings.Count(fo[f], "[") {
				msg = fmt.Sprintf("field %d brackets changed", f)
			}
		}
		low := strings.ToLower(out[k])
		for _, a := range l.ips {
			p := strings.Split(a, ".")
			for _, form := range []string{a, strings.ReplaceAll(a, ".", "-"), p[3] + "." + p[2] + "." + p[1] + "." + p[0]} {
				if msg == "" && containsToken(out[k], form) {
					msg = "address " + form + " left"
				}
			}
		}
		for _, u := range users {
			if msg == "" && containsToken(low, u) {
				msg = "user " + u + " left"
			}
		}
		for _, h := range hosts {
			for _, form := range []string{" " + h + " ", "@" + h, "//" + h + "/", `"` + h + `"`, "to " + h + "/"} {
				if msg == "" && strings.Contains(low, form) {
					msg = "host " + h + " left"
				}
			}
		}
		if msg != "" {
			if bad++; bad <= 10 {
				t.Errorf("%s:\n in: %s\nout: %s", msg, l.text, out[k])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d lines broken", bad, len(lines))
	}
}

// containsToken: s holds w not as part of a longer number or name.
func containsToken(s, w string) bool {
	for off := 0; ; {
		k := strings.Index(s[off:], w)
		if k < 0 {
			return false
		}
		st, en := off+k, off+k+len(w)
		if (st == 0 || !isAlnum[s[st-1]]) && (en == len(s) || !isAlnum[s[en]]) {
			return true
		}
		off = st + 1
	}
}
