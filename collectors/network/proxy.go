package network

import (
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/net/http/httpproxy"

	"github.com/casefile/casefile/spec"
)

// envProxy picks the proxy for u from HTTP_PROXY/HTTPS_PROXY/NO_PROXY values with the rules of
// Go's net/http, which golang.org/x/net/http/httpproxy implements: https URLs use HTTPS_PROXY,
// http URLs HTTP_PROXY; no proxy for "localhost" and loopback addresses; a NO_PROXY entry is an
// IP, a CIDR, a domain ("example.com" matches it and its subdomains, ".example.com" and
// "*.example.com" only the subdomains), any of them with a ":port", or "*" for all; a proxy
// given as a bare host:port means http://host:port.
//
// It takes the values as arguments, not from the process environment: the caller reads them
// through its injected Getenv (net/http's ProxyFromEnvironment reads the real one, once).
//
// Beyond net/http: names under .localhost (RFC 6761: they are this machine) go direct too, and
// a proxy value that is not a URL at all is an error rather than silently no proxy, so the
// check says why it did not use the proxy the customer set.
func envProxy(u *url.URL, httpProxy, httpsProxy, noProxy string) (*url.URL, error) {
	raw := httpProxy
	if u.Scheme == "https" {
		raw = httpsProxy
	}
	if raw == "" {
		return nil, nil
	}
	if !parsesAsProxy(raw) {
		return nil, fmt.Errorf("invalid proxy address %q", spec.RedactURL(raw))
	}
	if strings.HasSuffix(strings.ToLower(u.Hostname()), ".localhost") {
		return nil, nil
	}
	cfg := httpproxy.Config{HTTPProxy: httpProxy, HTTPSProxy: httpsProxy, NoProxy: noProxy}
	return cfg.ProxyFunc()(u)
}

// parsesAsProxy reports whether raw names a proxy: a URL with a host, or a bare host:port.
// httpproxy drops a value it cannot parse (the request would go direct without a word) and
// reads "http://bob:pw@proxy:port" as the host "http:" after prefixing http://.
func parsesAsProxy(raw string) bool {
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	p, err := url.Parse(raw)
	return err == nil && p.Host != ""
}
