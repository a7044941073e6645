package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/casefile/casefile/analyze"
	netdoc "github.com/casefile/casefile/collectors/network"
)

type network struct {
	Chart  *latChart
	DNS    []dnsRow
	Ping   []pingRow
	TCP    []tcpRow
	HTTP   []httpRow
	Traces []tracePath
}

type dnsRow struct {
	Name, Type, Server, Result, Answers, RTT string
	OK                                       bool
}

type pingRow struct {
	Target, IP, Method, Sent, Loss, RTT, Error string
	OK                                         bool
}

type tcpRow struct {
	Target, IP, Time, Result string
	OK                       bool
}

type httpRow struct {
	Name, URL, Status, Total, TLS, Skew, Error string
	OK                                         bool
}

// latChart is a horizontal bar chart of latencies in milliseconds, drawn as inline SVG.
type latChart struct {
	Width, Height int
	PlotX, PlotW  float64
	AxisY         float64
	Rows          []latRow
	Ticks         []tick
}

type latRow struct {
	Y, TextY       float64
	Label, Value   string
	Segs           []seg
	Whisker        *whisker
	Failed         bool
	ValueX, LabelX float64
}

type seg struct {
	X, W  float64
	Class string
	Title string
}

type whisker struct{ X1, X2, Y float64 }

type tick struct {
	X     float64
	Label string
}

// The chart's geometry, in SVG user units (the SVG scales to the page width).
const (
	chartW    = 860
	chartLblW = 250
	chartValW = 130
	chartRowH = 26
	chartTop  = 8
)

// A chart row before layout: named parts in milliseconds.
type latInput struct {
	label    string
	parts    []part
	min, max float64 // whisker (ping), when max > 0
	failed   bool
	note     string
}

type part struct {
	class string
	ms    float64
}

func buildNetwork(src analyze.Source) *network {
	n := &network{}
	var lat []latInput

	var dns netdoc.DNSDoc
	if readJSON(src, "network/dns.json", &dns) {
		for _, r := range dns.Results {
			if len(r.Servers) == 0 {
				n.DNS = append(n.DNS, dnsRow{Name: r.Name, Type: r.Type, Result: r.Error, OK: r.OK})
			}
			for _, s := range r.Servers {
				row := dnsRow{Name: r.Name, Type: r.Type, Server: s.Server, Result: s.Rcode, OK: s.Error == "" && (s.Rcode == "NOERROR" || s.Rcode == "")}
				if s.Error != "" {
					row.Result = strings.TrimSpace(s.Rcode + " " + s.Error)
				}
				var ans []string
				for _, a := range s.Answers {
					ans = append(ans, a.Data)
				}
				row.Answers = strings.Join(ans, ", ")
				row.RTT = ms(s.RTTMS)
				n.DNS = append(n.DNS, row)
				lat = append(lat, latInput{label: "dns " + r.Name + " " + r.Type + " @" + s.Server, parts: []part{{"dns", s.RTTMS}}, failed: !row.OK, note: failNote(row.OK, s.Rcode, s.Error)})
			}
		}
	}

	var ping netdoc.PingDoc
	if readJSON(src, "network/ping.json", &ping) {
		for _, r := range ping.Results {
			row := pingRow{Target: r.Target, IP: r.ResolvedIP, Method: r.Method, Sent: fmt.Sprintf("%d / %d", r.Received, r.Sent),
				Loss: trimFloat(r.LossPct) + " %", Error: r.Error, OK: r.OK}
			if r.Received > 0 {
				row.RTT = fmt.Sprintf("%s / %s / %s", trimFloat(r.RTTMS.Min), trimFloat(r.RTTMS.Avg), trimFloat(r.RTTMS.Max))
			}
			n.Ping = append(n.Ping, row)
			in := latInput{label: "ping " + r.Target, failed: !r.OK}
			if r.Received > 0 {
				in.parts = []part{{"ping", r.RTTMS.Avg}}
				in.min, in.max = r.RTTMS.Min, r.RTTMS.Max
			} else {
				in.note = "no reply"
				if r.Error != "" {
					in.note = "error"
				}
			}
			lat = append(lat, in)
		}
	}

	var tcp netdoc.TCPDoc
	if readJSON(src, "network/tcp.json", &tcp) {
		for _, r := range tcp.Results {
			row := tcpRow{Target: r.Target, IP: r.ResolvedIP, Time: ms(r.ConnectMS), Result: "connected", OK: r.Connected}
			if !r.Connected {
				row.Result = strings.TrimSpace(r.Class + ": " + r.Error)
			}
			n.TCP = append(n.TCP, row)
			lat = append(lat, latInput{label: "tcp " + r.Target, parts: []part{{"tcp", r.ConnectMS}}, failed: !r.Connected, note: failNote(r.Connected, r.Class, "")})
		}
	}

	var http netdoc.HTTPDoc
	if readJSON(src, "network/http.json", &http) {
		for _, r := range http.Results {
			row := httpRow{Name: r.Name, URL: r.URL, Total: ms(r.Timings.Total), Error: r.Error, OK: r.OK}
			if r.Status > 0 {
				row.Status = fmt.Sprint(r.Status)
			} else {
				row.Status = "none"
			}
			if r.ExpectStatus > 0 {
				row.Status += fmt.Sprintf(" (want %d)", r.ExpectStatus)
			}
			if t := r.TLS; t != nil {
				row.TLS = t.Version
				if t.Verified {
					row.TLS += ", verified"
				} else {
					row.TLS += ", not verified: " + t.VerifyErrorClass
				}
				if len(t.Chain) > 0 {
					row.TLS += fmt.Sprintf(", %d days left", t.Chain[0].DaysLeft)
				}
			}
			if r.ClockSkewS != nil {
				row.Skew = fmt.Sprintf("%+.1f s", *r.ClockSkewS)
			}
			if row.Error == "" && r.ErrorClass != "" {
				row.Error = r.ErrorClass
			}
			n.HTTP = append(n.HTTP, row)
			t := r.Timings
			rest := t.Total - t.DNS - t.Connect - t.TLS - t.TTFB
			if rest < 0 {
				rest = 0
			}
			label := r.Name
			if label == "" {
				label = r.URL
			}
			lat = append(lat, latInput{label: "http " + label, parts: []part{{"dns", t.DNS}, {"tcp", t.Connect}, {"tls", t.TLS}, {"ttfb", t.TTFB}, {"rest", rest}},
				failed: !r.OK, note: failNote(r.OK || r.Status > 0, r.ErrorClass, "")})
		}
	}

	n.Traces = buildTraces(src)
	n.Chart = layoutChart(lat)
	if n.Chart == nil && len(n.DNS)+len(n.Ping)+len(n.TCP)+len(n.HTTP)+len(n.Traces) == 0 {
		return nil
	}
	return n
}

func failNote(ok bool, class, err string) string {
	if ok {
		return ""
	}
	if class != "" {
		return class
	}
	if err != "" {
		return "error"
	}
	return "failed"
}

func ms(v float64) string { return trimFloat(v) + " ms" }

// niceScale returns an axis end at or above v and a tick step (1, 2, 2.5 or 5 times a power
// of ten) giving at most four steps.
func niceScale(v float64) (end, step float64) {
	if v <= 0 {
		v = 1
	}
	raw := v / 4
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	step = 10 * p
	for _, m := range []float64{1, 2, 2.5, 5} {
		if raw <= m*p {
			step = m * p
			break
		}
	}
	return step * math.Ceil(v/step-1e-9), step
}

// ticks labels the axis from 0 to end; in seconds once the axis reaches 10 s.
func ticks(end, step float64, x func(float64) float64) []tick {
	var out []tick
	for v := 0.0; v <= end+step/2; v += step {
		l := trimFloat(v) + " ms"
		if end >= 10000 {
			l = trimFloat(v/1000) + " s"
		}
		if v == 0 {
			l = "0"
		}
		out = append(out, tick{X: x(v), Label: l})
	}
	return out
}

func layoutChart(in []latInput) *latChart {
	if len(in) == 0 {
		return nil
	}
	maxV := 0.0
	for _, r := range in {
		sum := 0.0
		for _, p := range r.parts {
			sum += p.ms
		}
		maxV = math.Max(maxV, math.Max(sum, r.max))
	}
	scaleMax, step := niceScale(maxV)
	c := &latChart{Width: chartW, PlotX: chartLblW, PlotW: chartW - chartLblW - chartValW}
	x := func(v float64) float64 { return c.PlotX + v/scaleMax*c.PlotW }
	for i, r := range in {
		y := float64(chartTop + i*chartRowH)
		row := latRow{Y: y + 5, TextY: y + 17, Label: clip(r.label, 38), Failed: r.failed, LabelX: c.PlotX - 8}
		cur, sum := 0.0, 0.0
		for _, p := range r.parts {
			if p.ms <= 0 {
				continue
			}
			row.Segs = append(row.Segs, seg{X: x(cur), W: math.Max(1, x(cur+p.ms)-x(cur)), Class: p.class, Title: p.class + " " + ms(p.ms)})
			cur += p.ms
			sum += p.ms
		}
		if r.max > 0 {
			row.Whisker = &whisker{X1: x(r.min), X2: x(r.max), Y: y + 13}
		}
		row.Value = ms(sum)
		if r.note != "" {
			row.Value = r.note
			if sum > 0 {
				row.Value = ms(sum) + " · " + r.note
			}
		}
		row.ValueX = math.Max(x(sum), x(r.max)) + 6
		c.Rows = append(c.Rows, row)
	}
	c.AxisY = float64(chartTop + len(in)*chartRowH + 2)
	c.Ticks = ticks(scaleMax, step, x)
	c.Height = int(c.AxisY) + 22
	return c
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// tracePath is one traceroute drawn top to bottom: this machine, each hop, the end.
type tracePath struct {
	Target, Summary string
	Reached         bool
	Width, Height   int
	Nodes           []traceNode
	Links           []traceLink
}

type traceNode struct {
	Y, TextY     float64
	Class, Label string
	Detail       string
	Silent       bool
}

type traceLink struct {
	Y1, Y2 float64
	Dashed bool
}

const traceRowH = 30

func buildTraces(src analyze.Source) []tracePath {
	var doc netdoc.TraceDoc
	if !readJSON(src, "network/trace.json", &doc) {
		return nil
	}
	var out []tracePath
	for _, r := range doc.Results {
		t := tracePath{Target: r.Target, Reached: r.Reached, Width: chartW}
		dest := r.Target
		if r.ResolvedIP != "" && r.ResolvedIP != r.Target {
			dest += " (" + r.ResolvedIP + ")"
		}
		t.Summary = fmt.Sprintf("%s, %s, %d hops", dest, r.Protocol, len(r.Hops))
		if r.Reached {
			t.Summary += ", reached"
		} else {
			t.Summary += ", not reached: " + r.EndReason
		}
		if r.Error != "" {
			t.Summary += " — " + r.Error
		}
		add := func(n traceNode) {
			y := float64(14 + len(t.Nodes)*traceRowH)
			n.Y, n.TextY = y, y+5
			if len(t.Nodes) > 0 {
				t.Links = append(t.Links, traceLink{Y1: y - traceRowH + 9, Y2: y - 9, Dashed: n.Silent || n.Class == "critical"})
			}
			t.Nodes = append(t.Nodes, n)
		}
		add(traceNode{Class: "self", Label: "this machine"})
		for i, h := range r.Hops {
			n := traceNode{Class: "hop", Label: fmt.Sprintf("%2d  %s", h.TTL, h.IP)}
			if h.IP == "" {
				n.Label, n.Silent, n.Class = fmt.Sprintf("%2d  * * *", h.TTL), true, "silent"
			}
			if len(h.IPs) > 1 {
				n.Label += fmt.Sprintf(" (+%d more)", len(h.IPs)-1)
			}
			var rtts []string
			for _, v := range h.RTTMS {
				if v == nil {
					rtts = append(rtts, "*")
				} else {
					rtts = append(rtts, trimFloat(*v))
				}
			}
			if len(rtts) > 0 && !n.Silent {
				n.Detail = strings.Join(rtts, " / ") + " ms"
			}
			if h.Note != "" {
				n.Detail = strings.TrimSpace(n.Detail + "  " + h.Note)
			}
			if i == len(r.Hops)-1 && r.Reached {
				n.Class = "ok"
				n.Label += "  — destination"
			}
			add(n)
		}
		if !r.Reached {
			add(traceNode{Class: "critical", Label: "✕  " + dest + " not reached (" + r.EndReason + ")"})
		}
		t.Height = 14 + len(t.Nodes)*traceRowH - 6
		out = append(out, t)
	}
	return out
}
