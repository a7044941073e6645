// Command daemonbench measures what `casefile daemon` costs while it watches: it starts loopback
// targets (a TCP listener, an HTTP server, a DNS server answering on 127.0.0.1 only), writes a
// spec with ten monitors (4 tcp, 3 http, 3 dns) at one interval, runs the daemon binary for the
// duration, and reads the daemon's CPU time (utime+stime of /proc/PID/stat) and memory (VmRSS,
// VmHWM of /proc/PID/status). Linux only. scripts/bench-daemon.sh runs it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

func main() {
	bin := flag.String("casefile", "casefile", "the casefile binary")
	dur := flag.Duration("duration", 10*time.Minute, "how long the daemon runs")
	interval := flag.Duration("interval", 5*time.Second, "the monitors' interval")
	every := flag.Duration("sample", 10*time.Second, "how often RSS is sampled")
	flag.Parse()
	if err := run(*bin, *dur, *interval, *every); err != nil {
		fmt.Fprintln(os.Stderr, "daemonbench:", err)
		os.Exit(1)
	}
}

func run(bin string, dur, interval, every time.Duration) error {
	dir, err := os.MkdirTemp("", "daemonbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer tcp.Close()
	go func() {
		for {
			c, err := tcp.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	httpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })}
	go hs.Serve(httpLn)
	defer hs.Close()
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	ds := &dns.Server{PacketConn: udp, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		if len(q.Question) == 1 && q.Question[0].Qtype == dns.TypeA {
			rr, _ := dns.NewRR(q.Question[0].Name + " 60 IN A 127.0.0.1")
			m.Answer = append(m.Answer, rr)
		}
		w.WriteMsg(m)
	})}
	go ds.ActivateAndServe()
	defer ds.Shutdown()

	var b strings.Builder
	b.WriteString("apiVersion: casefile/v1\nkind: Spec\nmetadata: {name: daemonbench}\nmonitors:\n")
	for i := 0; i < 4; i++ {
		fmt.Fprintf(&b, "  - {name: tcp%d, interval: %s, tcp: {target: %q}}\n", i, interval, tcp.Addr())
	}
	for i := 0; i < 3; i++ {
		fmt.Fprintf(&b, "  - {name: http%d, interval: %s, http: {url: \"http://%s/health\", expect_status: 200}}\n", i, interval, httpLn.Addr())
	}
	for i := 0; i < 3; i++ {
		fmt.Fprintf(&b, "  - {name: dns%d, interval: %s, dns: {name: svc%d.bench.example, types: [A], servers: [%q]}}\n", i, interval, i, udp.LocalAddr())
	}
	specPath := filepath.Join(dir, "spec.yaml")
	if err := os.WriteFile(specPath, []byte(b.String()), 0o600); err != nil {
		return err
	}
	sock := filepath.Join(dir, "d.sock")
	logf, err := os.Create(filepath.Join(dir, "daemon.log"))
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, "daemon", "--spec", specPath, "--state-dir", filepath.Join(dir, "state"), "--socket", sock)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return err
	}
	pid := cmd.Process.Pid
	defer cmd.Process.Kill()
	tck := clockTicks()
	start := time.Now()
	cpu0, _ := cpuTicks(pid)
	var rss []float64
	tick := time.NewTicker(every)
	defer tick.Stop()
	for time.Since(start) < dur {
		<-tick.C
		if r, _, err := memKB(pid); err == nil {
			rss = append(rss, float64(r)/1024)
		}
	}
	cpu1, err := cpuTicks(pid)
	if err != nil {
		return err
	}
	wall := time.Since(start)
	_, hwm, err := memKB(pid)
	if err != nil {
		return err
	}
	end, _ := status(pid)
	out, _ := exec.Command(bin, "status", "--socket", sock, "--json").Output()
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	var st struct {
		Monitors []struct {
			Name           string `json:"name"`
			HistoryCount   int    `json:"history_count"`
			FailuresInARow int    `json:"failures_in_a_row"`
		} `json:"monitors"`
	}
	json.Unmarshal(out, &st)
	runs, failing := 0, 0
	for _, m := range st.Monitors {
		runs += m.HistoryCount
		if m.FailuresInARow > 0 {
			failing++
		}
	}
	cpuS := float64(cpu1-cpu0) / tck
	steady := rss
	if len(steady) > 2 {
		steady = steady[len(steady)/2:]
	}
	sort.Float64s(steady)
	fmt.Printf("monitors=%d interval=%s wall=%s checks_recorded=%d monitors_failing=%d\n", len(st.Monitors), interval, wall.Round(time.Second), runs, failing)
	fmt.Printf("cpu: %.2f s of CPU over %.0f s = %.3f %% of one core\n", cpuS, wall.Seconds(), 100*cpuS/wall.Seconds())
	if len(steady) > 0 {
		fmt.Printf("rss: steady (median of the second half) %.1f MB, max sample %.1f MB, peak VmHWM %.1f MB\n", steady[len(steady)/2], steady[len(steady)-1], float64(hwm)/1024)
		fmt.Printf("rss at the end: %.1f MB anonymous (RssAnon), %.1f MB pages of the binary and other files (RssFile)\n", float64(end["RssAnon:"])/1024, float64(end["RssFile:"])/1024)
	}
	if len(st.Monitors) != 10 || runs == 0 {
		log, _ := os.ReadFile(logf.Name())
		return fmt.Errorf("the daemon did not record the monitors (status %s)\n%s", out, log)
	}
	return nil
}

// cpuTicks is utime+stime of the process, in clock ticks (fields 14 and 15 of /proc/PID/stat).
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // after "pid (comm) "
	u, err1 := strconv.ParseInt(fields[11], 10, 64)
	st, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parsing /proc/%d/stat", pid)
	}
	return u + st, nil
}

// memKB is VmRSS and VmHWM of the process in KiB.
func memKB(pid int) (rss, hwm int64, err error) {
	m, err := status(pid)
	return m["VmRSS:"], m["VmHWM:"], err
}

// status reads the kB fields of /proc/PID/status.
func status(pid int) (map[string]int64, error) {
	out := map[string]int64{}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		n, _ := strconv.ParseInt(f[1], 10, 64)
		out[f[0]] = n
	}
	return out, nil
}

// clockTicks is the kernel's USER_HZ (getconf CLK_TCK), 100 when it cannot be read.
func clockTicks() float64 {
	out, err := exec.CommandContext(context.Background(), "getconf", "CLK_TCK").Output()
	if err == nil {
		if n, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64); err == nil && n > 0 {
			return n
		}
	}
	return 100
}
