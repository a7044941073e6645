package analyze

import (
	"fmt"
	"strings"
)

// Ping thresholds.
const (
	pingLossWarnPct = 10.0
	pingRTTWarnMS   = 300.0
)

func analyzePing(src Source) []Finding {
	var d pingDoc
	if !readJSON(src, pingPath, &d) {
		return nil
	}
	var out []Finding
	for _, r := range d.Results {
		e := []Evidence{ev(src, pingPath, "target", r.Target)}
		addr := r.Target
		if r.ResolvedIP != "" && r.ResolvedIP != r.Target {
			addr = r.Target + " (" + r.ResolvedIP + ")"
		}
		switch {
		case r.Error != "" && r.Sent == 0:
			out = append(out, Finding{ID: "ping.error", Severity: Warning, Target: r.Target, Evidence: e,
				Title:    fmt.Sprintf("Could not ping %s", r.Target),
				Detail:   r.Error,
				NextStep: "Read the error: a name that does not resolve (see DNS findings) or no socket to ping with."})
		case r.Sent > 0 && r.Received == 0:
			how := "ICMP echo"
			if r.Method == "tcp-connect" {
				how = "TCP connect"
			}
			out = append(out, Finding{ID: "ping.no_reply", Severity: Warning, Target: r.Target, Evidence: e,
				Title:    fmt.Sprintf("%s did not answer %d pings", addr, r.Sent),
				Detail:   fmt.Sprintf("None of %d %s requests (%s) was answered. Many networks drop ICMP, so this alone does not mean the host is down.", r.Sent, how, r.Method),
				NextStep: "Compare with tcp and http checks of the same host: if they connect, ICMP is filtered; if not, follow the trace to where the path stops."})
		case r.LossPct > 0:
			sev := Info
			if r.LossPct >= pingLossWarnPct {
				sev = Warning
			}
			out = append(out, Finding{ID: "ping.loss", Severity: sev, Target: r.Target, Evidence: e,
				Title:    fmt.Sprintf("%.0f%% packet loss to %s", r.LossPct, addr),
				Detail:   fmt.Sprintf("%d of %d replies arrived (%s); rtt min/avg/max %.1f/%.1f/%.1f ms.", r.Received, r.Sent, r.Method, r.RTTMS.Min, r.RTTMS.Avg, r.RTTMS.Max),
				NextStep: "Loss makes TCP slow and connections time out: run a longer ping (count 100) and a trace to find the hop where loss starts; check interface errors (system/interfaces.json counters)."})
		}
		if r.Received > 0 && r.RTTMS.Avg >= pingRTTWarnMS {
			out = append(out, Finding{ID: "ping.latency", Severity: Warning, Target: r.Target, Evidence: e,
				Title:    fmt.Sprintf("Round trip to %s averages %.0f ms", addr, r.RTTMS.Avg),
				Detail:   fmt.Sprintf("rtt min/avg/max/stddev %.1f/%.1f/%.1f/%.1f ms over %d replies (%s).", r.RTTMS.Min, r.RTTMS.Avg, r.RTTMS.Max, r.RTTMS.Stddev, r.Received, r.Method),
				NextStep: "Compare with the expected distance to the host; a trace shows which hop adds the delay (a VPN, a congested link, a satellite or mobile uplink)."})
		}
	}
	return out
}

func analyzeTrace(src Source) []Finding {
	var d traceDoc
	if !readJSON(src, tracePath, &d) {
		return nil
	}
	var out []Finding
	for _, r := range d.Results {
		if r.Reached || r.Error != "" || r.EndReason == "reached" || r.EndReason == "error" {
			continue
		}
		last, lastTTL, note := "", 0, ""
		for _, h := range r.Hops {
			if h.IP != "" {
				last, lastTTL, note = h.IP, h.TTL, h.Note
			}
		}
		addr := r.Target
		if r.ResolvedIP != "" && r.ResolvedIP != r.Target {
			addr = r.Target + " (" + r.ResolvedIP + ")"
		}
		f := Finding{ID: "trace.incomplete", Severity: Warning, Target: r.Target,
			Evidence: []Evidence{ev(src, tracePath, "target", r.Target)}}
		if last == "" {
			f.Title = fmt.Sprintf("Trace to %s got no answer from any hop", addr)
			f.Detail = fmt.Sprintf("No router answered the %s probes (end: %s, %d hops).", r.Protocol, r.EndReason, len(r.Hops))
		} else {
			f.Title = fmt.Sprintf("Trace to %s stops after %s (hop %d)", addr, last, lastTTL)
			f.Detail = fmt.Sprintf("The last hop that answered was %s at TTL %d; the trace ended with %q after %d hops (%s probes).", last, lastTTL, r.EndReason, len(r.Hops), r.Protocol)
			if note != "" {
				f.Detail += fmt.Sprintf(" It answered %s (%s).", note, hopNote(note))
			}
		}
		f.NextStep = fmt.Sprintf("The path breaks after the last hop that answered: ask whoever runs %s and the next hop about routes and firewall rules toward %s. Try protocol tcp to the service port: many firewalls drop UDP/ICMP probes only.", orWord(last, "the first router"), r.Target)
		if reachedElsewhere(src, hostOf(r.Target)) || (r.ResolvedIP != "" && reachedElsewhere(src, r.ResolvedIP)) {
			f.Severity = Info
			f.Detail += " Other checks did reach this host, so only the trace probes are filtered."
		}
		out = append(out, f)
	}
	return out
}

func hopNote(n string) string {
	switch n {
	case "!N":
		return "network unreachable"
	case "!H":
		return "host unreachable"
	case "!P":
		return "protocol unreachable"
	case "!F":
		return "fragmentation needed"
	case "!X":
		return "administratively prohibited: a firewall rejects it"
	}
	return "ICMP unreachable code " + strings.TrimPrefix(n, "!")
}

func orWord(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func analyzeTCP(src Source) []Finding {
	var d tcpDoc
	if !readJSON(src, tcpPath, &d) {
		return nil
	}
	var out []Finding
	for _, r := range d.Results {
		if r.Connected {
			continue
		}
		addr := r.Target
		if r.ResolvedIP != "" && hostOf(r.Target) != r.ResolvedIP {
			addr = r.Target + " (" + r.ResolvedIP + ")"
		}
		f := Finding{Severity: Critical, Target: r.Target, Detail: r.Error,
			Evidence: []Evidence{ev(src, tcpPath, "target", r.Target)}}
		switch r.Class {
		case "refused":
			f.ID = "tcp.refused"
			f.Title = fmt.Sprintf("Connection to %s refused", addr)
			f.Detail = fmt.Sprintf("The host answered with a reset after %.0f ms: it is reachable but nothing listens on the port, or a firewall rejects the connection. %s", r.ConnectMS, r.Error)
			f.NextStep = "Check that the service runs and listens on this address and port (`ss -tlnp` on the server); a REJECT firewall rule gives the same answer."
		case "timeout":
			f.ID = "tcp.filtered"
			f.Title = fmt.Sprintf("Connection to %s timed out (filtered)", addr)
			f.Detail = fmt.Sprintf("No answer within %.0f ms: packets are dropped silently, usually by a firewall, or the host is down. %s", r.ConnectMS, r.Error)
			f.NextStep = "Check firewall rules (here: commands/nft-ruleset, iptables-save; on the path and at the server) for this port; a trace with protocol tcp to the port shows where the packets stop."
		case "unreachable":
			f.ID = "tcp.unreachable"
			f.Title = fmt.Sprintf("No route to %s", addr)
			f.NextStep = "A router or this machine says the host or network is unreachable: check routes (commands/ip-route) and the trace."
		case "dns":
			f.ID = "tcp.dns"
			f.Title = fmt.Sprintf("Name in %s did not resolve", r.Target)
			f.NextStep = "Check the name and DNS: add a dns check for it."
		default:
			f.ID = "tcp.error"
			f.Severity = Warning
			f.Title = fmt.Sprintf("Connection to %s failed", addr)
			f.NextStep = "Read the error; `casefile check tcp " + r.Target + "` reproduces it."
		}
		out = append(out, f)
	}
	return out
}

type interfacesDoc struct {
	Interfaces []struct {
		Name      string   `json:"name"`
		MTU       int      `json:"mtu"`
		Flags     []string `json:"flags"`
		Addresses []string `json:"addresses"`
	} `json:"interfaces"`
}

const minIPv6MTU = 1280

// analyzeMTU reports interfaces with an MTU below IPv6's minimum, and path MTUs below every
// interface's MTU (probed with ping's mtu option).
func analyzeMTU(src Source) []Finding {
	var out []Finding
	const ip = "system/interfaces.json"
	var ifs interfacesDoc
	minUp := 0
	if readJSON(src, ip, &ifs) {
		for _, i := range ifs.Interfaces {
			if !hasFlag(i.Flags, "up") || hasFlag(i.Flags, "loopback") || len(i.Addresses) == 0 || i.MTU <= 0 {
				continue
			}
			if minUp == 0 || i.MTU < minUp {
				minUp = i.MTU
			}
			if i.MTU < minIPv6MTU {
				out = append(out, Finding{ID: "mtu.interface_low", Severity: Warning, Target: i.Name,
					Evidence: []Evidence{ev(src, ip, "name", i.Name)},
					Title:    fmt.Sprintf("Interface %s has MTU %d", i.Name, i.MTU),
					Detail:   fmt.Sprintf("MTU %d is below %d, the minimum IPv6 needs; IPv6 does not work on %s and large packets are fragmented.", i.MTU, minIPv6MTU, i.Name),
					NextStep: "Check the interface or tunnel configuration (`ip link show " + i.Name + "`); a VPN or PPPoE link sets a lower MTU on purpose, but not this low."})
			}
		}
	}
	var d pingDoc
	if !readJSON(src, pingPath, &d) {
		return out
	}
	for _, r := range d.Results {
		m := r.PathMTU
		if m == nil || m.Error != "" || m.Bytes <= 0 || minUp == 0 || m.Bytes >= minUp {
			continue
		}
		f := Finding{ID: "mtu.path", Severity: Info, Target: r.Target,
			Evidence: []Evidence{ev(src, pingPath, "target", r.Target)},
			Title:    fmt.Sprintf("Path MTU to %s is %d bytes, below the interface MTU %d", r.Target, m.Bytes, minUp)}
		if m.ReportedBy != "" {
			f.Detail = fmt.Sprintf("Router %s reported \"fragmentation needed\" for larger packets, so path-MTU discovery works; TCP adapts.", m.ReportedBy)
			f.NextStep = "Usually a tunnel or VPN on the path. Nothing to do unless something sends large UDP datagrams or blocks ICMP."
		} else {
			f.Severity = Warning
			f.Detail = fmt.Sprintf("Packets larger than %d bytes vanished without a \"fragmentation needed\" answer: a path-MTU black hole. Connections then hang once they send large packets (TLS handshakes, uploads).", m.Bytes)
			f.NextStep = fmt.Sprintf("Allow ICMP \"fragmentation needed\" (type 3 code 4) through the firewalls on the path, or clamp the TCP MSS / lower the MTU to %d.", m.Bytes)
		}
		out = append(out, f)
	}
	return out
}

func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if x == f {
			return true
		}
	}
	return false
}
