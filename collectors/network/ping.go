package network

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"runtime"
	"strconv"
	"time"

	probing "github.com/prometheus-community/pro-bing"
	"golang.org/x/net/icmp"

	"github.com/casefile/casefile/spec"
)

// Ping defaults.
const (
	DefaultPingCount    = 4
	DefaultPingInterval = 200 * time.Millisecond
	// MaxPingCount is the most echo requests one check sends, from a spec or the command line.
	MaxPingCount       = 10000
	DefaultPingTimeout = time.Second // wait for the last reply
	DefaultPingPort    = 443         // TCP-connect fallback port
)

// Ping methods, in the order they are tried.
const (
	MethodICMPRaw      = "icmp-raw"
	MethodICMPDatagram = "icmp-datagram"
	MethodTCPConnect   = "tcp-connect"
)

// PingDoc is network/ping.json.
type PingDoc struct {
	Results []PingResult `json:"results"`
}

// PingResult is one ping check.
type PingResult struct {
	Target     string `json:"target"`
	ResolvedIP string `json:"resolved_ip"`
	// Method is icmp-raw (privileged), icmp-datagram (unprivileged ICMP socket) or tcp-connect;
	// MethodNote says why a fallback was taken.
	Method     string   `json:"method"`
	MethodNote string   `json:"method_note,omitempty"`
	Port       int      `json:"port,omitempty"`
	Sent       int      `json:"sent"`
	Received   int      `json:"received"`
	LossPct    float64  `json:"loss_pct"`
	RTTMS      RTTStats `json:"rtt_ms"`
	OK         bool     `json:"ok"`
	PathMTU    *MTU     `json:"path_mtu,omitempty"`
	// Stopped says the run ended before every request was sent (its time limit).
	Stopped string `json:"stopped,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Passed implements Outcome.
func (r PingResult) Passed() bool { return r.OK }

// Describe implements Outcome.
func (r PingResult) Describe() string {
	if r.Error != "" {
		return "ping " + r.Target + ": " + r.Error
	}
	return fmt.Sprintf("ping %s: %d of %d replies", r.Target, r.Received, r.Sent)
}

// orUnknown keeps a failure description from ending in an empty reason.
func orUnknown(s string) string {
	if s == "" {
		return "reason unknown"
	}
	return s
}

// RTTStats are round-trip times in milliseconds.
type RTTStats struct {
	Min    float64 `json:"min"`
	Avg    float64 `json:"avg"`
	Max    float64 `json:"max"`
	Stddev float64 `json:"stddev"`
}

// MTU is the path-MTU probe's outcome.
type MTU struct {
	// Bytes is the largest IP packet that crossed the path with don't-fragment set (0: none did).
	Bytes int `json:"bytes"`
	// Tried lists each size probed and whether it got an answer.
	Tried []MTUProbe `json:"tried"`
	// ReportedBy is the router whose "fragmentation needed" told us the next-hop MTU, if one did.
	ReportedBy string `json:"reported_by,omitempty"`
	Error      string `json:"error,omitempty"`
}

// MTUProbe is one don't-fragment echo.
type MTUProbe struct {
	Size  int    `json:"size"`
	Reply bool   `json:"reply"`
	Note  string `json:"note,omitempty"`
}

// Ping sends echo requests to c.Host with the best method this process is allowed to use.
func Ping(ctx context.Context, c spec.PingCheck, _ Env) PingResult {
	r := PingResult{Target: c.Host}
	count := c.Count
	if count <= 0 {
		count = DefaultPingCount
	}
	interval := durOr(c.Interval, DefaultPingInterval)
	wait := durOr(c.Timeout, DefaultPingTimeout)
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	ip, err := resolveOne(rctx, c.Host, "ip")
	cancel()
	if err != nil {
		r.Error = err.Error()
		return r
	}
	r.ResolvedIP = ip.String()

	method, note := pickMethod(ip)
	r.Method, r.MethodNote = method, note
	if method == MethodTCPConnect {
		r.Port = c.Port
		if r.Port == 0 {
			r.Port = DefaultPingPort
		}
		tcpPing(ctx, &r, ip, count, interval, wait)
	} else {
		icmpPing(ctx, &r, ip, method == MethodICMPRaw, count, interval, wait)
		if r.Error != "" && r.Sent == 0 && ctx.Err() == nil {
			// The socket opened but sending was refused (Windows without rights, a sandbox).
			r.MethodNote = method + " failed: " + r.Error
			r.Method, r.Error, r.Port = MethodTCPConnect, "", c.Port
			if r.Port == 0 {
				r.Port = DefaultPingPort
			}
			tcpPing(ctx, &r, ip, count, interval, wait)
		}
	}
	r.OK = r.Error == "" && r.Received > 0
	if r.Sent < count && ctx.Err() == nil && r.Error == "" {
		r.Stopped = fmt.Sprintf("sent %d of %d requests before the time limit (%s); the interval %s is faster than this machine sends", r.Sent, count, runLimit(count, interval, wait), interval)
	}
	if c.MTU {
		if r.PathMTU = mtuNotProbed(r); r.PathMTU == nil {
			r.PathMTU = probeMTU(ctx, ip, r.Method == MethodICMPRaw, wait)
		}
	}
	return r
}

// pickMethod chooses raw ICMP when privileged, an ICMP datagram socket when the OS allows one,
// and TCP connects otherwise.
func pickMethod(ip net.IP) (string, string) {
	if runtime.GOOS == "windows" {
		return MethodICMPRaw, ""
	}
	network, dgram := "ip4:icmp", "udp4"
	if ip.To4() == nil {
		network, dgram = "ip6:ipv6-icmp", "udp6"
	}
	c, rawErr := icmp.ListenPacket(network, "")
	if rawErr == nil {
		c.Close()
		return MethodICMPRaw, ""
	}
	c, err := icmp.ListenPacket(dgram, "")
	if err == nil {
		c.Close()
		return MethodICMPDatagram, "raw ICMP not permitted: " + rawErr.Error()
	}
	return MethodTCPConnect, "ICMP not permitted: " + err.Error()
}

func icmpPing(ctx context.Context, r *PingResult, ip net.IP, privileged bool, count int, interval, wait time.Duration) {
	p := probing.New(ip.String())
	p.SetLogger(probing.NoopLogger{})
	p.SetIPAddr(&net.IPAddr{IP: ip})
	if ip.To4() != nil {
		p.SetNetwork("ip4")
	} else {
		p.SetNetwork("ip6")
	}
	p.SetPrivileged(privileged)
	p.Count = count
	p.Interval = interval
	p.Timeout = runLimit(count, interval, wait)
	err := p.RunWithContext(ctx)
	st := p.Statistics()
	r.Sent, r.Received = st.PacketsSent, st.PacketsRecv
	if r.Sent > 0 {
		r.LossPct = math.Round(float64(r.Sent-r.Received)/float64(r.Sent)*1000) / 10
	}
	if r.Received > 0 {
		r.RTTMS = RTTStats{Min: ms(st.MinRtt), Avg: ms(st.AvgRtt), Max: ms(st.MaxRtt), Stddev: ms(st.StdDevRtt)}
	}
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		r.Error = err.Error()
	}
}

// mtuNotProbed is path_mtu with the reason when the path MTU cannot be probed after this ping
// (so --mtu always answers), or nil when it can.
func mtuNotProbed(r PingResult) *MTU {
	switch {
	case r.Method == MethodTCPConnect:
		return &MTU{Tried: []MTUProbe{}, Error: "path-MTU probe needs ICMP (root or CAP_NET_RAW); this ping used TCP connects"}
	case !r.OK:
		return &MTU{Tried: []MTUProbe{}, Error: "not probed: the host did not answer echo requests"}
	}
	return nil
}

// runLimit bounds one ping run: twice the requests' own schedule (sending takes time too: at a
// 1 ms interval a machine sends slower than asked), plus the wait for the last reply.
func runLimit(count int, interval, wait time.Duration) time.Duration {
	return 2*time.Duration(count)*interval + wait
}

// tcpPing times TCP connects; a refusal is an answer too (the host sent a reset).
func tcpPing(ctx context.Context, r *PingResult, ip net.IP, count int, interval, wait time.Duration) {
	var rtts []float64
	addr := net.JoinHostPort(ip.String(), strconv.Itoa(r.Port))
	for i := 0; i < count && ctx.Err() == nil; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(interval):
			}
		}
		r.Sent++
		d := net.Dialer{Timeout: wait}
		start := time.Now()
		conn, err := d.DialContext(ctx, "tcp", addr)
		rtt := time.Since(start)
		if err == nil {
			conn.Close()
		}
		if err == nil || classifyDial(err) == "refused" {
			r.Received++
			rtts = append(rtts, ms(rtt))
		}
	}
	if r.Sent > 0 {
		r.LossPct = math.Round(float64(r.Sent-r.Received)/float64(r.Sent)*1000) / 10
	}
	r.RTTMS = stats(rtts)
}

func stats(v []float64) RTTStats {
	if len(v) == 0 {
		return RTTStats{}
	}
	s := RTTStats{Min: v[0], Max: v[0]}
	sum := 0.0
	for _, x := range v {
		s.Min, s.Max = math.Min(s.Min, x), math.Max(s.Max, x)
		sum += x
	}
	s.Avg = sum / float64(len(v))
	var sq float64
	for _, x := range v {
		sq += (x - s.Avg) * (x - s.Avg)
	}
	s.Stddev = math.Sqrt(sq / float64(len(v)))
	round := func(x float64) float64 { return math.Round(x*1000) / 1000 }
	return RTTStats{round(s.Min), round(s.Avg), round(s.Max), round(s.Stddev)}
}
