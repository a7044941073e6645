package analyze

import (
	"net"
	"net/url"
	"strings"

	"github.com/casefile/casefile/collectors/network"
)

// The network documents are read with the collectors' own types (collectors/network), one
// schema for writing and reading; a bundle from an older casefile simply leaves newer fields zero.
type (
	dnsServer  = network.DNSServerResult
	dnsDoc     = network.DNSDoc
	pingDoc    = network.PingDoc
	traceDoc   = network.TraceDoc
	tcpDoc     = network.TCPDoc
	certInfo   = network.CertInfo
	httpResult = network.HTTPResult
	httpDoc    = network.HTTPDoc
)

const (
	dnsPath   = "network/dns.json"
	pingPath  = "network/ping.json"
	tracePath = "network/trace.json"
	tcpPath   = "network/tcp.json"
	httpPath  = "network/http.json"
)

// label names an HTTP check in a title: its spec name and URL, or the URL alone.
func label(r httpResult) string {
	if r.Name != "" && r.Name != r.URL {
		return r.Name + " (" + r.URL + ")"
	}
	return r.URL
}

// hostPort is the URL's host:port, the scheme's port when the URL names none.
func hostPort(r httpResult) string {
	u, err := url.Parse(r.URL)
	if err != nil || u.Host == "" {
		return r.URL
	}
	if u.Port() != "" {
		return u.Host
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// host is the URL's host name without port.
func urlHost(r httpResult) string {
	u, err := url.Parse(r.URL)
	if err != nil || u.Host == "" {
		return r.URL
	}
	return u.Hostname()
}

// proxyFailed reports whether the request failed on the way to its proxy rather than to the
// target: no response, a connection-class error, and the error naming the proxy (Go's
// "proxyconnect" for CONNECT, or the proxy's address for plain HTTP through a proxy).
func proxyFailed(r httpResult) bool {
	if r.Proxy == "" || r.Status != 0 {
		return false
	}
	switch r.ErrorClass {
	case "refused", "timeout", "unreachable", "dns", "error":
	default:
		return false
	}
	if strings.Contains(r.Error, "proxyconnect") {
		return true
	}
	if u, err := url.Parse(r.Proxy); err == nil && u.Host != "" {
		return strings.Contains(r.Error, u.Host) || (u.Port() == "" && strings.Contains(r.Error, u.Hostname()))
	}
	return false
}

// hostOf returns the host part of a host, host:port or URL.
func hostOf(s string) string {
	if u, err := url.Parse(s); err == nil && u.Host != "" {
		return u.Hostname()
	}
	if h, _, err := net.SplitHostPort(s); err == nil {
		return h
	}
	return s
}

// reachedElsewhere reports whether another check reached host: a ping reply, a TCP connect or
// an HTTP response.
func reachedElsewhere(src Source, host string) bool {
	var p pingDoc
	if readJSON(src, pingPath, &p) {
		for _, r := range p.Results {
			if (r.Target == host || r.ResolvedIP == host) && r.Received > 0 {
				return true
			}
		}
	}
	var t tcpDoc
	if readJSON(src, tcpPath, &t) {
		for _, r := range t.Results {
			if (hostOf(r.Target) == host || r.ResolvedIP == host) && r.Connected {
				return true
			}
		}
	}
	var h httpDoc
	if readJSON(src, httpPath, &h) {
		for _, r := range h.Results {
			if urlHost(r) == host && r.Status != 0 {
				return true
			}
		}
	}
	return false
}
