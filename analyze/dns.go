package analyze

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// analyzeDNS reports names that failed (NXDOMAIN, SERVFAIL, refused, timeout), servers that
// disagree, NXDOMAIN rewriting, and the OS resolver disagreeing with direct queries. One finding
// per id and name, the record types and servers it concerns listed in the detail.
func analyzeDNS(src Source) []Finding {
	var d dnsDoc
	if !readJSON(src, dnsPath, &d) {
		return nil
	}
	type agg struct {
		f     Finding
		lines []string
		all   bool // every server of every result failed this way
	}
	groups := map[string]*agg{}
	var order []string
	add := func(id, name string, sev Severity, line string, all bool, mk func() Finding) {
		k := id + "|" + name
		g := groups[k]
		if g == nil {
			g = &agg{f: mk(), all: true}
			g.f.Evidence = []Evidence{ev(src, dnsPath, "name", name)}
			groups[k] = g
			order = append(order, k)
		}
		if !slices.Contains(g.lines, line) {
			g.lines = append(g.lines, line)
		}
		g.all = g.all && all
	}
	for _, r := range d.Results {
		name := strings.TrimSuffix(r.Name, ".")
		if r.Error != "" {
			add("dns.error", name, Warning, fmt.Sprintf("%s: %s", r.Type, r.Error), true, func() Finding {
				return Finding{ID: "dns.error", Severity: Warning, Target: name,
					Title:    fmt.Sprintf("DNS check for %s could not run", name),
					NextStep: "Fix the DNS check (record type) or the resolver configuration (network/dns.json resolver)."}
			})
			continue
		}
		// Failures per server, by kind.
		kinds := map[string][]string{}
		for _, s := range r.Servers {
			k := ""
			switch {
			case s.Error != "" && strings.Contains(strings.ToLower(s.Error), "timeout"):
				k = "timeout"
			case s.Error != "" && strings.Contains(strings.ToLower(s.Error), "refused"):
				k = "refused"
			case s.Error != "":
				k = "error"
			case s.Rcode == "NXDOMAIN":
				k = "nxdomain"
			case s.Rcode == "SERVFAIL":
				k = "servfail"
			case s.Rcode == "REFUSED":
				k = "refused"
			case s.Rcode != "" && s.Rcode != "NOERROR":
				k = "error"
			}
			if k != "" {
				what := s.Rcode
				if s.Error != "" {
					what = s.Error
				}
				kinds[k] = append(kinds[k], s.Server+" "+r.Type+": "+what)
			}
		}
		for k, lines := range kinds {
			all := len(lines) == len(r.Servers)
			id := "dns." + k
			for _, line := range lines {
				add(id, name, Critical, line, all, func() Finding { return dnsFailure(id, name) })
			}
		}
		if r.System != nil && r.System.Error != "" && len(r.Servers) > 0 && len(kinds) == 0 && hasRecords(r.Servers, r.Type) {
			line := fmt.Sprintf("%s: the OS resolver said %q while the servers answered", r.Type, r.System.Error)
			add("dns.system_mismatch", name, Warning, line, true, func() Finding { return dnsSystemMismatch(name) })
		}
		// Disagreement: servers' record sets, and the OS resolver's, against the first server's.
		var base []string
		baseWho := ""
		for _, s := range r.Servers {
			if s.Error != "" || s.Rcode != "NOERROR" {
				continue
			}
			data := recordSet(s, r.Type)
			if baseWho == "" {
				base, baseWho = data, s.Server
				continue
			}
			if !slices.Equal(base, data) {
				line := fmt.Sprintf("%s: %s returned [%s] but %s returned [%s]", r.Type, baseWho, strings.Join(base, " "), s.Server, strings.Join(data, " "))
				add("dns.disagreement", name, Warning, line, !overlap(base, data), func() Finding { return dnsDisagreement(name) })
			}
		}
		if r.System != nil && r.System.Error == "" && baseWho != "" && (r.Type == "A" || r.Type == "AAAA") {
			sys := append([]string(nil), r.System.Addrs...)
			sort.Strings(sys)
			if !slices.Equal(base, sys) {
				line := fmt.Sprintf("%s: the OS resolver returned [%s] but %s returned [%s]", r.Type, strings.Join(sys, " "), baseWho, strings.Join(base, " "))
				add("dns.system_mismatch", name, Warning, line, !overlap(base, sys), func() Finding { return dnsSystemMismatch(name) })
			}
		}
		if p := r.NXDomainProbe; p != nil && p.Rewritten {
			for _, s := range p.Servers {
				if s.Error != "" || s.Rcode != "NOERROR" || len(s.Answers) == 0 {
					continue
				}
				var data []string
				for _, a := range s.Answers {
					data = append(data, a.Data)
				}
				line := fmt.Sprintf("%s answered the made-up name %s with %s", s.Server, strings.TrimSuffix(p.Name, "."), strings.Join(data, " "))
				add("dns.nxdomain_rewriting", name, Warning, line, true, func() Finding {
					return Finding{ID: "dns.nxdomain_rewriting", Severity: Warning, Target: name,
						Title:    fmt.Sprintf("DNS answers names that do not exist under %s (NXDOMAIN rewriting)", name),
						NextStep: "A resolver (ISP search page, captive portal, a wildcard record) answers every name: typos and stale names resolve to it instead of failing. Use a resolver that returns NXDOMAIN, or remove the wildcard."}
				})
			}
		}
	}
	var out []Finding
	for _, k := range order {
		g := groups[k]
		f := g.f
		switch f.ID {
		case "dns.nxdomain", "dns.servfail", "dns.timeout", "dns.refused", "dns.error":
			if !g.all {
				f.Severity = Warning
				f.Detail = "Some servers failed, others answered: "
			} else {
				f.Detail = "Every server failed: "
			}
		case "dns.disagreement", "dns.system_mismatch":
			if !g.all {
				f.Severity = Info // the sets overlap: round-robin or geo answers, not a split
				f.Detail = "The answers differ but share addresses (round-robin or load-balanced DNS): "
			}
		}
		f.Detail += strings.Join(g.lines, "; ") + "."
		out = append(out, f)
	}
	return out
}

func dnsFailure(id, name string) Finding {
	f := Finding{ID: id, Severity: Critical, Target: name}
	switch id {
	case "dns.nxdomain":
		f.Title = fmt.Sprintf("DNS name %s does not exist (NXDOMAIN)", name)
		f.NextStep = "Check the spelling and the zone: the server says the name does not exist. With a search domain or split DNS, the name may exist only on another resolver."
	case "dns.servfail":
		f.Title = fmt.Sprintf("DNS lookup of %s failed with SERVFAIL", name)
		f.NextStep = "The resolver could not get an answer (unreachable authoritative servers, a DNSSEC validation failure): try `dig +cd` to tell DNSSEC apart, and ask the DNS administrator."
	case "dns.timeout":
		f.Title = fmt.Sprintf("DNS server did not answer for %s (timeout)", name)
		f.NextStep = "The DNS server is unreachable or drops queries: check UDP/TCP 53 to it through the firewall, and the servers in network/dns.json resolver."
	case "dns.refused":
		f.Title = fmt.Sprintf("DNS server refused to answer for %s", name)
		f.NextStep = "The server does not serve this client or name (recursion disabled, an ACL): use the resolver this network provides."
	default:
		f.Title = fmt.Sprintf("DNS lookup of %s failed", name)
		f.NextStep = "Read each server's error in network/dns.json."
	}
	return f
}

func dnsDisagreement(name string) Finding {
	return Finding{ID: "dns.disagreement", Severity: Warning, Target: name,
		Title:    fmt.Sprintf("DNS servers disagree about %s", name),
		NextStep: "Servers with different data serve different views (split-horizon, a stale secondary, a hijacking resolver): find which answer is right and fix or remove the other server."}
}

func dnsSystemMismatch(name string) Finding {
	return Finding{ID: "dns.system_mismatch", Severity: Warning, Target: name,
		Title:    fmt.Sprintf("The OS resolver and the DNS servers disagree about %s", name),
		NextStep: "Applications use the OS resolver: look for an /etc/hosts entry, nsswitch order, a local cache (systemd-resolved, nscd) or a VPN's resolver overriding DNS."}
}

func recordSet(s dnsServer, typ string) []string {
	var data []string
	for _, a := range s.Answers {
		if a.Type == typ {
			data = append(data, a.Data)
		}
	}
	sort.Strings(data)
	return data
}

func hasRecords(servers []dnsServer, typ string) bool {
	for _, s := range servers {
		if len(recordSet(s, typ)) > 0 {
			return true
		}
	}
	return false
}

func overlap(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}
