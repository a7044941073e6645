// Package compare compares two bundles (casefile diff) and reproduces a bundle's collection
// elsewhere (casefile collect --like): a support engineer runs the customer's spec on a machine
// that works and diffs the two bundles.
package compare

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/casefile/casefile/analyze"
	netdoc "github.com/casefile/casefile/collectors/network"
)

// Options tunes what counts as a change.
type Options struct {
	// A timing changed when it moved by at least MinDeltaMS and by at least MinRatio of the
	// smaller of the two values (defaults: 100 ms and 0.5, i.e. 50 %).
	MinDeltaMS float64
	MinRatio   float64
}

// DefaultOptions are the thresholds casefile diff uses.
var DefaultOptions = Options{MinDeltaMS: 100, MinRatio: 0.5}

// Result is the difference between bundle A and bundle B (casefile diff --json).
type Result struct {
	A           Ref               `json:"a"`
	B           Ref               `json:"b"`
	Environment []FieldChange     `json:"environment"`
	Checks      []CheckChange     `json:"checks"`
	Findings    FindingChanges    `json:"findings"`
	Collectors  []CollectorChange `json:"collectors"`
}

// Ref identifies a bundle.
type Ref struct {
	Bundle    string    `json:"bundle"`
	BundleID  string    `json:"bundle_id"`
	Host      string    `json:"host"`
	Ticket    string    `json:"ticket,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// FieldChange is an environment.json field that differs; "" means absent on that side.
type FieldChange struct {
	Field string `json:"field"`
	A     string `json:"a"`
	B     string `json:"b"`
}

// CheckChange is a network check result that changed. Kind is dns, ping, trace, tcp or http;
// Target names the check as the bundle does; Field the value that changed ("present" when the
// check is in one bundle only; "timing.<phase>_ms" for a timing beyond the threshold).
type CheckChange struct {
	Kind   string `json:"kind"`
	Target string `json:"target"`
	Field  string `json:"field"`
	A      string `json:"a"`
	B      string `json:"b"`
}

// FindingChanges lists findings (by id and target) present in one bundle only.
type FindingChanges struct {
	OnlyA []FindingRef `json:"only_a"`
	OnlyB []FindingRef `json:"only_b"`
}

// FindingRef is the part of a finding a diff shows.
type FindingRef struct {
	ID       string `json:"id"`
	Severity string `json:"severity"`
	Target   string `json:"target"`
	Title    string `json:"title"`
}

// CollectorChange is a collector whose status differs; "" means it did not run on that side.
type CollectorChange struct {
	Name string `json:"name"`
	A    string `json:"a"`
	B    string `json:"b"`
}

// Empty reports whether the bundles show no difference.
func (r *Result) Empty() bool {
	return len(r.Environment) == 0 && len(r.Checks) == 0 && len(r.Findings.OnlyA) == 0 &&
		len(r.Findings.OnlyB) == 0 && len(r.Collectors) == 0
}

// Diff compares the bundles a and b. Findings come from each bundle's findings.json, or are
// computed for a bundle made before findings existed.
func Diff(a, b analyze.Source, opt Options) *Result {
	if opt.MinDeltaMS == 0 && opt.MinRatio == 0 {
		opt = DefaultOptions
	}
	ma, mb := readManifest(a), readManifest(b)
	r := &Result{A: ma.ref(), B: mb.ref(),
		Environment: []FieldChange{}, Checks: []CheckChange{}, Collectors: []CollectorChange{},
		Findings: FindingChanges{OnlyA: []FindingRef{}, OnlyB: []FindingRef{}}}
	r.Environment = diffEnvironment(a, b)
	for _, k := range checkKinds {
		r.Checks = append(r.Checks, diffChecks(k, k.read(a), k.read(b), opt)...)
	}
	r.Findings = diffFindings(findingsOf(a), findingsOf(b))
	r.Collectors = diffCollectors(ma, mb)
	return r
}

type manifest struct {
	BundleID   string    `json:"bundle_id"`
	CreatedAt  time.Time `json:"created_at"`
	Ticket     string    `json:"ticket"`
	Host       string    `json:"host"`
	Collectors []struct {
		Name   string `json:"name"`
		Status string `json:"status"`
	} `json:"collectors"`
}

func (m manifest) ref() Ref {
	return Ref{BundleID: m.BundleID, Host: m.Host, Ticket: m.Ticket, CreatedAt: m.CreatedAt}
}

func readManifest(src analyze.Source) manifest {
	var m manifest
	readJSON(src, "manifest.json", &m)
	return m
}

func readJSON(src analyze.Source, p string, v any) bool {
	data, err := src.ReadFile(p)
	if err != nil {
		return false
	}
	return json.Unmarshal(data, v) == nil
}

func findingsOf(src analyze.Source) analyze.Findings {
	var f analyze.Findings
	if readJSON(src, "findings.json", &f) && f.Findings != nil {
		return f
	}
	return analyze.Analyze(src)
}

// diffEnvironment compares environment.json flattened to dotted fields. Variables whose value
// was withheld are compared by presence only ("set (value withheld)").
func diffEnvironment(a, b analyze.Source) []FieldChange {
	fa, fb := flatEnv(a), flatEnv(b)
	keys := map[string]bool{}
	for k := range fa {
		keys[k] = true
	}
	for k := range fb {
		keys[k] = true
	}
	out := []FieldChange{}
	for k := range keys {
		if fa[k] != fb[k] {
			out = append(out, FieldChange{Field: k, A: fa[k], B: fb[k]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

func flatEnv(src analyze.Source) map[string]string {
	var env map[string]any
	out := map[string]string{}
	if !readJSON(src, "environment.json", &env) {
		return out
	}
	for _, k := range []string{"env_withheld", "env_omitted"} {
		if l, ok := env[k].([]any); ok {
			for _, e := range l {
				name := ""
				switch v := e.(type) {
				case string:
					name = v
				case map[string]any:
					name, _ = v["name"].(string)
				}
				if name != "" {
					out["env."+name] = "set (value withheld)"
				}
			}
			delete(env, k)
		}
	}
	flatten("", env, out)
	return out
}

func flatten(prefix string, v any, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			flatten(key, e, out)
		}
	case []any:
		scalars := true
		var parts []string
		for _, e := range x {
			switch e.(type) {
			case map[string]any, []any:
				scalars = false
			}
			parts = append(parts, scalar(e))
		}
		if scalars {
			out[prefix] = strings.Join(parts, " ")
		} else {
			b, _ := json.Marshal(x)
			out[prefix] = string(b)
		}
	default:
		out[prefix] = scalar(x)
	}
}

func scalar(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// checkResult is one check reduced to comparable fields: values compared as text, timings in
// milliseconds compared with the threshold.
type checkResult struct {
	target  string
	values  map[string]string
	timings map[string]float64
}

type checkKind struct {
	name string
	read func(analyze.Source) []checkResult
}

func (k checkKind) String() string { return k.name }

var checkKinds = []checkKind{
	{"dns", readDNS}, {"ping", readPing}, {"trace", readTrace}, {"tcp", readTCP}, {"http", readHTTP},
}

func diffChecks(k checkKind, a, b []checkResult, opt Options) []CheckChange {
	ia, ib := index(a), index(b)
	var targets []string
	seen := map[string]bool{}
	for _, l := range [][]checkResult{a, b} {
		for _, r := range l {
			if !seen[r.target] {
				seen[r.target] = true
				targets = append(targets, r.target)
			}
		}
	}
	var out []CheckChange
	for _, t := range targets {
		ra, okA := ia[t]
		rb, okB := ib[t]
		if !okA || !okB {
			c := CheckChange{Kind: k.name, Target: t, Field: "present"}
			if okA {
				c.A = "yes"
			}
			if okB {
				c.B = "yes"
			}
			out = append(out, c)
			continue
		}
		for _, f := range sortedKeys(ra.values, rb.values) {
			if ra.values[f] != rb.values[f] {
				out = append(out, CheckChange{Kind: k.name, Target: t, Field: f, A: ra.values[f], B: rb.values[f]})
			}
		}
		for _, f := range sortedKeys(ra.timings, rb.timings) {
			va, vb := ra.timings[f], rb.timings[f]
			d := math.Abs(vb - va)
			if d >= opt.MinDeltaMS && d >= opt.MinRatio*math.Min(va, vb) {
				out = append(out, CheckChange{Kind: k.name, Target: t, Field: "timing." + f, A: ms(va), B: ms(vb)})
			}
		}
	}
	return out
}

func index(l []checkResult) map[string]checkResult {
	m := map[string]checkResult{}
	for _, r := range l {
		if _, dup := m[r.target]; !dup {
			m[r.target] = r
		}
	}
	return m
}

func sortedKeys[V any](ms ...map[string]V) []string {
	set := map[string]bool{}
	for _, m := range ms {
		for k := range m {
			set[k] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func ms(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) + " ms" }

func readDNS(src analyze.Source) []checkResult {
	var doc netdoc.DNSDoc
	if !readJSON(src, "network/dns.json", &doc) {
		return nil
	}
	var out []checkResult
	for _, r := range doc.Results {
		c := checkResult{target: r.Name + " " + r.Type, values: map[string]string{"ok": strconv.FormatBool(r.OK), "error": r.Error}, timings: map[string]float64{}}
		for _, s := range r.Servers {
			var data []string
			for _, a := range s.Answers {
				data = append(data, a.Data)
			}
			sort.Strings(data)
			c.values["server "+s.Server+" rcode"] = s.Rcode
			c.values["server "+s.Server+" answers"] = strings.Join(data, " ")
			c.values["server "+s.Server+" error"] = classifyError(s.Error)
			c.timings["server "+s.Server+" rtt_ms"] = s.RTTMS
		}
		if r.System != nil {
			addrs := append([]string{}, r.System.Addrs...)
			sort.Strings(addrs)
			c.values["system answers"] = strings.Join(addrs, " ")
			c.values["system error"] = r.System.Error
		}
		out = append(out, c)
	}
	return out
}

// classifyError reduces an error text to what stays the same between runs (a DNS error holds
// the random local port: "read udp 127.0.0.1:40108->...: connection refused").
func classifyError(e string) string {
	switch {
	case e == "":
		return ""
	case strings.Contains(e, "timeout") || strings.Contains(e, "i/o timeout"):
		return "timeout"
	case strings.Contains(e, "refused"):
		return "refused"
	case strings.Contains(e, "unreachable"):
		return "unreachable"
	}
	return "error"
}

func readPing(src analyze.Source) []checkResult {
	var doc netdoc.PingDoc
	if !readJSON(src, "network/ping.json", &doc) {
		return nil
	}
	var out []checkResult
	for _, r := range doc.Results {
		c := checkResult{target: r.Target, values: map[string]string{
			"ok": strconv.FormatBool(r.OK), "resolved_ip": r.ResolvedIP, "method": r.Method,
			"loss_pct": strconv.FormatFloat(r.LossPct, 'f', -1, 64), "error": r.Error,
		}, timings: map[string]float64{}}
		if r.Received > 0 {
			c.timings["rtt_avg_ms"] = r.RTTMS.Avg
		}
		out = append(out, c)
	}
	return out
}

func readTrace(src analyze.Source) []checkResult {
	var doc netdoc.TraceDoc
	if !readJSON(src, "network/trace.json", &doc) {
		return nil
	}
	var out []checkResult
	for _, r := range doc.Results {
		var path []string
		for _, h := range r.Hops {
			ip := h.IP
			if ip == "" {
				ip = "*"
			}
			path = append(path, ip)
		}
		out = append(out, checkResult{target: r.Target, values: map[string]string{
			"reached": strconv.FormatBool(r.Reached), "end_reason": r.EndReason, "resolved_ip": r.ResolvedIP,
			"hops": fmt.Sprint(len(r.Hops)), "path": strings.Join(path, " "), "error": r.Error,
		}})
	}
	return out
}

func readTCP(src analyze.Source) []checkResult {
	var doc netdoc.TCPDoc
	if !readJSON(src, "network/tcp.json", &doc) {
		return nil
	}
	var out []checkResult
	for _, r := range doc.Results {
		out = append(out, checkResult{target: r.Target, values: map[string]string{
			"connected": strconv.FormatBool(r.Connected), "class": r.Class, "resolved_ip": r.ResolvedIP,
		}, timings: map[string]float64{"connect_ms": r.ConnectMS}})
	}
	return out
}

func readHTTP(src analyze.Source) []checkResult {
	var doc netdoc.HTTPDoc
	if !readJSON(src, "network/http.json", &doc) {
		return nil
	}
	var out []checkResult
	for _, r := range doc.Results {
		t := r.URL
		if r.Name != "" && r.Name != r.URL {
			t = r.Name + " (" + r.URL + ")"
		}
		c := checkResult{target: t, values: map[string]string{
			"ok": strconv.FormatBool(r.OK), "status": fmt.Sprint(r.Status), "error_class": r.ErrorClass, "proxy": r.Proxy,
		}, timings: map[string]float64{
			"dns_ms": r.Timings.DNS, "connect_ms": r.Timings.Connect, "tls_ms": r.Timings.TLS,
			"ttfb_ms": r.Timings.TTFB, "total_ms": r.Timings.Total,
		}}
		if r.TLS != nil {
			c.values["tls.version"] = r.TLS.Version
			c.values["tls.verified"] = strconv.FormatBool(r.TLS.Verified)
			c.values["tls.verify_error_class"] = r.TLS.VerifyErrorClass
			if n := len(r.TLS.Chain); n > 0 {
				c.values["tls.issuer"] = r.TLS.Chain[n-1].Issuer
			}
		}
		if r.ClockSkewS != nil {
			// Whole minutes: the Date header has one-second resolution and runs differ by seconds.
			c.values["clock_skew_min"] = fmt.Sprint(math.Round(*r.ClockSkewS/60) + 0) // + 0: no "-0"
		}
		out = append(out, c)
	}
	return out
}

func diffFindings(a, b analyze.Findings) FindingChanges {
	key := func(f analyze.Finding) string { return f.ID + "\x00" + f.Target }
	inA, inB := map[string]bool{}, map[string]bool{}
	for _, f := range a.Findings {
		inA[key(f)] = true
	}
	for _, f := range b.Findings {
		inB[key(f)] = true
	}
	out := FindingChanges{OnlyA: []FindingRef{}, OnlyB: []FindingRef{}}
	for _, f := range a.Findings {
		if !inB[key(f)] {
			out.OnlyA = append(out.OnlyA, FindingRef{ID: f.ID, Severity: string(f.Severity), Target: f.Target, Title: f.Title})
		}
	}
	for _, f := range b.Findings {
		if !inA[key(f)] {
			out.OnlyB = append(out.OnlyB, FindingRef{ID: f.ID, Severity: string(f.Severity), Target: f.Target, Title: f.Title})
		}
	}
	return out
}

func diffCollectors(a, b manifest) []CollectorChange {
	sa, sb := map[string]string{}, map[string]string{}
	for _, c := range a.Collectors {
		sa[c.Name] = c.Status
	}
	for _, c := range b.Collectors {
		sb[c.Name] = c.Status
	}
	out := []CollectorChange{}
	for _, n := range sortedKeys(sa, sb) {
		if sa[n] != sb[n] {
			out = append(out, CollectorChange{Name: n, A: sa[n], B: sb[n]})
		}
	}
	return out
}
