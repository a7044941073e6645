package network

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// envProxy picks the proxy for u from HTTP_PROXY/HTTPS_PROXY/NO_PROXY values with the rules of
// Go's net/http (golang.org/x/net/http/httpproxy): no proxy for loopback hosts, NO_PROXY entries
// match a host, a domain suffix (".example.com" or "example.com"), an IP or a CIDR, "*" matches all.
// It takes the values as arguments because net/http reads the real environment once per process.
func envProxy(u *url.URL, httpProxy, httpsProxy, noProxy string) (*url.URL, error) {
	raw := httpProxy
	if u.Scheme == "https" {
		raw = httpsProxy
	}
	if raw == "" || !useProxy(u, noProxy) {
		return nil, nil
	}
	p, err := url.Parse(raw)
	if err != nil || p.Host == "" || (p.Scheme != "http" && p.Scheme != "https" && p.Scheme != "socks5" && p.Scheme != "socks5h") {
		// Like net/http, a bare host:port means http://host:port.
		if p2, err2 := url.Parse("http://" + raw); err2 == nil && p2.Host != "" {
			return p2, nil
		}
		return nil, fmt.Errorf("invalid proxy address %q", raw)
	}
	return p, nil
}

func useProxy(u *url.URL, noProxy string) bool {
	host := strings.ToLower(u.Hostname())
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return false
	}
	ip := net.ParseIP(host)
	if ip != nil && ip.IsLoopback() {
		return false
	}
	port := u.Port()
	for _, e := range strings.Split(noProxy, ",") {
		e = strings.ToLower(strings.TrimSpace(e))
		if e == "" {
			continue
		}
		if e == "*" {
			return false
		}
		if _, cidr, err := net.ParseCIDR(e); err == nil {
			if ip != nil && cidr.Contains(ip) {
				return false
			}
			continue
		}
		eh, ep := e, ""
		if h, p, err := net.SplitHostPort(e); err == nil {
			eh, ep = h, p
		}
		if ep != "" && ep != port {
			continue
		}
		if eip := net.ParseIP(strings.Trim(eh, "[]")); eip != nil {
			if ip != nil && eip.Equal(ip) {
				return false
			}
			continue
		}
		eh = strings.TrimPrefix(eh, "*")
		if host == strings.TrimPrefix(eh, ".") || strings.HasSuffix(host, "."+strings.TrimPrefix(eh, ".")) {
			return false
		}
	}
	return true
}
