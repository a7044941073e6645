package network

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/casefile/casefile/spec"
)

// DefaultDNSTimeout bounds one query to one server.
const DefaultDNSTimeout = 3 * time.Second

// DNSDoc is network/dns.json.
type DNSDoc struct {
	Resolver ResolverConfig `json:"resolver"`
	Results  []DNSResult    `json:"results"`
}

// ResolverConfig is the resolver configuration the OS really uses.
type ResolverConfig struct {
	// Source names where the servers were read from (a file, "scutil --dns", "GetAdaptersAddresses").
	Source  string   `json:"source"`
	Servers []string `json:"servers"`
	Search  []string `json:"search,omitempty"`
	// Stub is the local stub resolver (systemd-resolved's 127.0.0.53) when one fronts the upstreams;
	// Servers then holds the upstreams behind it, read from StubSource.
	Stub       []string `json:"stub,omitempty"`
	StubSource string   `json:"stub_source,omitempty"`
	Error      string   `json:"error,omitempty"`
}

// DNSResult is one name and type resolved through every server and the OS resolver.
type DNSResult struct {
	Name    string            `json:"name"`
	Type    string            `json:"type"`
	OK      bool              `json:"ok"`
	Servers []DNSServerResult `json:"servers"`
	System  *DNSSystem        `json:"system,omitempty"`
	// Disagreement is true when servers, or servers and the OS resolver, returned different data.
	Disagreement  bool      `json:"disagreement"`
	Disagreements []string  `json:"disagreements,omitempty"`
	NXDomainProbe *NXDProbe `json:"nxdomain_probe,omitempty"`
	Error         string    `json:"error,omitempty"`
}

// Passed implements Outcome.
func (r DNSResult) Passed() bool { return r.OK }

// Describe implements Outcome.
func (r DNSResult) Describe() string {
	if r.Error != "" {
		return fmt.Sprintf("dns %s %s: %s", r.Name, r.Type, r.Error)
	}
	var bad []string
	for _, s := range r.Servers {
		switch {
		case s.Error != "":
			bad = append(bad, s.Server+": "+s.Error)
		case s.Rcode != "NOERROR":
			bad = append(bad, s.Server+": "+s.Rcode)
		}
	}
	if r.System != nil && r.System.Error != "" {
		bad = append(bad, "system resolver: "+r.System.Error)
	}
	if p := r.NXDomainProbe; p != nil && p.Rewritten {
		for _, s := range p.Servers {
			if s.Error != "" || s.Rcode != "NOERROR" || len(s.Answers) == 0 {
				continue
			}
			data := make([]string, 0, len(s.Answers))
			for _, a := range s.Answers {
				data = append(data, a.Data)
			}
			bad = append(bad, fmt.Sprintf("NXDOMAIN rewritten: %s resolved to %s at %s",
				strings.TrimSuffix(p.Name, "."), strings.Join(data, " "), s.Server))
		}
	}
	if len(bad) == 0 {
		// passed() found a failure none of the cases above names; say so rather than print nothing.
		bad = append(bad, "check failed (see the result's servers and system resolver)")
	}
	return fmt.Sprintf("dns %s %s: %s", r.Name, r.Type, strings.Join(bad, ", "))
}

// DNSServerResult is one server's answer.
type DNSServerResult struct {
	Server string `json:"server"`
	Rcode  string `json:"rcode,omitempty"`
	// Flags lists the header flags set in the answer: aa, tc, rd, ra, ad, cd.
	Flags []string `json:"flags,omitempty"`
	// Truncated is true when the UDP answer had TC set; the query was then retried over TCP.
	Truncated bool `json:"truncated"`
	// Transport is the protocol of the answer recorded here (udp or tcp).
	Transport string      `json:"transport"`
	Answers   []DNSAnswer `json:"answers"`
	RTTMS     float64     `json:"rtt_ms"`
	Error     string      `json:"error,omitempty"`
}

// DNSAnswer is one resource record of the answer section.
type DNSAnswer struct {
	Name string `json:"name"`
	Type string `json:"type"`
	TTL  uint32 `json:"ttl"`
	Data string `json:"data"`
}

// DNSSystem is the OS resolver's view (getaddrinfo or Go's resolver reading the same config).
type DNSSystem struct {
	Addrs []string `json:"addrs"`
	Error string   `json:"error,omitempty"`
}

// NXDProbe is the NXDOMAIN-rewriting probe: a random name that should not exist.
type NXDProbe struct {
	Name string `json:"name"`
	// Rewritten is true when any server answered the random name with records instead of NXDOMAIN.
	Rewritten bool              `json:"rewritten"`
	Servers   []DNSServerResult `json:"servers"`
}

// RunDNS resolves every check and reads the resolver configuration once.
func RunDNS(ctx context.Context, checks []spec.DNSCheck, env Env) DNSDoc {
	cfg := ReadResolverConfig(ctx, env.Root)
	type job struct {
		c   spec.DNSCheck
		typ string
	}
	var jobs []job
	for _, c := range checks {
		types := c.Types
		if len(types) == 0 {
			types = []string{"A", "AAAA"}
		}
		for i, t := range types {
			c := c
			c.NXDomainProbe = c.NXDomainProbe && i == 0 // once per name, with its first type
			jobs = append(jobs, job{c, strings.ToUpper(t)})
		}
	}
	res := runAll(ctx, env, jobs, func(ctx context.Context, j job, env Env) DNSResult {
		return Resolve(ctx, j.c, j.typ, cfg)
	})
	if res == nil {
		res = []DNSResult{}
	}
	return DNSDoc{Resolver: cfg, Results: res}
}

// Resolve queries c.Name for one type through each server (c.Servers, else cfg.Servers) and the
// OS resolver, and compares the answers.
func Resolve(ctx context.Context, c spec.DNSCheck, typ string, cfg ResolverConfig) DNSResult {
	r := DNSResult{Name: c.Name, Type: typ, Servers: []DNSServerResult{}}
	qtype, ok := dns.StringToType[typ]
	if !ok {
		r.Error = fmt.Sprintf("unknown record type %q", typ)
		return r
	}
	servers := c.Servers
	if len(servers) == 0 {
		servers = cfg.Servers
	}
	timeout := durOr(c.Timeout, DefaultDNSTimeout)
	fqdn := dns.Fqdn(c.Name)

	var wg sync.WaitGroup
	r.Servers = make([]DNSServerResult, len(servers))
	for i, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.Servers[i] = Query(ctx, normalizeServer(s), fqdn, qtype, timeout)
		}()
	}
	var sys *DNSSystem
	if len(c.Servers) == 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sys = systemLookup(ctx, c.Name, typ, timeout)
		}()
	}
	var nxd *NXDProbe
	if c.NXDomainProbe {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nxd = probeNXDomain(ctx, c.Name, servers, timeout)
		}()
	}
	wg.Wait()
	r.System, r.NXDomainProbe = sys, nxd
	if len(servers) == 0 && sys == nil {
		r.Error = "no DNS servers configured"
		return r
	}
	r.compare()
	r.OK = r.passed()
	return r
}

// passed: every server answered NOERROR (an empty answer is fine: the name has no such records) and
// the OS resolver found the name unless every server says it has no data.
func (r *DNSResult) passed() bool {
	anyData := false
	for _, s := range r.Servers {
		if s.Error != "" || s.Rcode != "NOERROR" {
			return false
		}
		if len(s.Answers) > 0 {
			anyData = true
		}
	}
	if r.System != nil && r.System.Error != "" && (anyData || len(r.Servers) == 0) {
		return false
	}
	if r.NXDomainProbe != nil && r.NXDomainProbe.Rewritten {
		return false
	}
	return true
}

// compare flags servers (and the OS resolver) that returned different record sets.
func (r *DNSResult) compare() {
	type view struct {
		who  string
		data []string
	}
	var views []view
	for _, s := range r.Servers {
		if s.Error != "" || s.Rcode != "NOERROR" {
			continue
		}
		var data []string
		for _, a := range s.Answers {
			if a.Type == r.Type {
				data = append(data, a.Data)
			}
		}
		sort.Strings(data)
		views = append(views, view{s.Server, data})
	}
	if r.System != nil && r.System.Error == "" && (r.Type == "A" || r.Type == "AAAA") {
		data := append([]string(nil), r.System.Addrs...)
		sort.Strings(data)
		views = append(views, view{"system", data})
	}
	for i := 1; i < len(views); i++ {
		if !equalStrings(views[0].data, views[i].data) {
			r.Disagreement = true
			r.Disagreements = append(r.Disagreements, fmt.Sprintf("%s returned [%s] but %s returned [%s]",
				views[0].who, strings.Join(views[0].data, " "), views[i].who, strings.Join(views[i].data, " ")))
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Query sends one question to server over UDP and retries over TCP when the answer is truncated.
func Query(ctx context.Context, server, fqdn string, qtype uint16, timeout time.Duration) DNSServerResult {
	res := DNSServerResult{Server: server, Transport: "udp", Answers: []DNSAnswer{}}
	m := new(dns.Msg)
	m.SetQuestion(fqdn, qtype)
	m.RecursionDesired = true
	cl := &dns.Client{Net: "udp", Timeout: timeout}
	qctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	in, rtt, err := cl.ExchangeContext(qctx, m, server)
	if err == nil && in.Truncated {
		res.Truncated = true
		res.Transport = "tcp"
		cl.Net = "tcp"
		tctx, tcancel := context.WithTimeout(ctx, timeout)
		defer tcancel()
		var rtt2 time.Duration
		in, rtt2, err = cl.ExchangeContext(tctx, m, server)
		rtt += rtt2
	}
	res.RTTMS = ms(rtt)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.Rcode = dns.RcodeToString[in.Rcode]
	res.Flags = flags(in)
	for _, rr := range in.Answer {
		res.Answers = append(res.Answers, answer(rr))
	}
	return res
}

func flags(m *dns.Msg) []string {
	var f []string
	for _, x := range []struct {
		on   bool
		name string
	}{{m.Authoritative, "aa"}, {m.Truncated, "tc"}, {m.RecursionDesired, "rd"}, {m.RecursionAvailable, "ra"},
		{m.AuthenticatedData, "ad"}, {m.CheckingDisabled, "cd"}} {
		if x.on {
			f = append(f, x.name)
		}
	}
	return f
}

func answer(rr dns.RR) DNSAnswer {
	h := rr.Header()
	a := DNSAnswer{Name: h.Name, Type: dns.TypeToString[h.Rrtype], TTL: h.Ttl}
	switch v := rr.(type) {
	case *dns.A:
		a.Data = v.A.String()
	case *dns.AAAA:
		a.Data = v.AAAA.String()
	case *dns.CNAME:
		a.Data = v.Target
	case *dns.MX:
		a.Data = fmt.Sprintf("%d %s", v.Preference, v.Mx)
	case *dns.TXT:
		a.Data = strings.Join(v.Txt, "")
	case *dns.NS:
		a.Data = v.Ns
	case *dns.PTR:
		a.Data = v.Ptr
	default:
		a.Data = strings.TrimSpace(strings.TrimPrefix(rr.String(), h.String()))
	}
	return a
}

// systemLookup resolves through the OS resolver path (Go's resolver reads the same configuration,
// or calls the platform resolver where Go defers to it).
func systemLookup(ctx context.Context, name, typ string, timeout time.Duration) *DNSSystem {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	s := &DNSSystem{Addrs: []string{}}
	var err error
	switch typ {
	case "A", "AAAA":
		network := "ip4"
		if typ == "AAAA" {
			network = "ip6"
		}
		var ips []net.IP
		ips, err = net.DefaultResolver.LookupIP(ctx, network, name)
		for _, ip := range ips {
			s.Addrs = append(s.Addrs, ip.String())
		}
	case "CNAME":
		var c string
		c, err = net.DefaultResolver.LookupCNAME(ctx, name)
		if c != "" {
			s.Addrs = append(s.Addrs, c)
		}
	case "TXT":
		s.Addrs, err = net.DefaultResolver.LookupTXT(ctx, name)
	case "MX":
		var mx []*net.MX
		mx, err = net.DefaultResolver.LookupMX(ctx, name)
		for _, m := range mx {
			s.Addrs = append(s.Addrs, fmt.Sprintf("%d %s", m.Pref, m.Host))
		}
	default:
		return nil
	}
	if s.Addrs == nil {
		s.Addrs = []string{}
	}
	if err != nil {
		s.Error = err.Error()
		var de *net.DNSError
		if errors.As(err, &de) && de.IsNotFound {
			s.Error = "not found"
		}
	}
	return s
}

// probeNXDomain asks every server for a random label under domain; answers mean the resolver
// rewrites NXDOMAIN (an ISP search page, a captive portal, a split-horizon wildcard).
func probeNXDomain(ctx context.Context, domain string, servers []string, timeout time.Duration) *NXDProbe {
	var b [6]byte
	rand.Read(b[:])
	name := "casefile-nx-" + hex.EncodeToString(b[:]) + "." + dns.Fqdn(domain)
	p := &NXDProbe{Name: name, Servers: make([]DNSServerResult, len(servers))}
	var wg sync.WaitGroup
	for i, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.Servers[i] = Query(ctx, normalizeServer(s), name, dns.TypeA, timeout)
		}()
	}
	wg.Wait()
	for _, s := range p.Servers {
		if s.Error == "" && s.Rcode == "NOERROR" && len(s.Answers) > 0 {
			p.Rewritten = true
		}
	}
	return p
}

// normalizeServer adds port 53 to a bare address.
func normalizeServer(s string) string {
	if _, _, err := net.SplitHostPort(s); err == nil {
		return s
	}
	return net.JoinHostPort(strings.Trim(s, "[]"), "53")
}
