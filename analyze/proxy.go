package analyze

import (
	"fmt"
	"sort"
	"strings"
)

type proxyDoc struct {
	Environment    map[string]string `json:"environment"`
	EtcEnvironment map[string]string `json:"etc_environment"`
}

// configured returns "NAME (where)" for each non-empty proxy variable that would carry HTTP(S).
func (p proxyDoc) configured() []string {
	var out []string
	add := func(m map[string]string, where string) {
		for k, v := range m {
			switch strings.ToLower(k) {
			case "http_proxy", "https_proxy", "all_proxy":
				if strings.TrimSpace(v) != "" {
					out = append(out, k+" ("+where+")")
				}
			}
		}
	}
	add(p.Environment, "environment")
	add(p.EtcEnvironment, "/etc/environment")
	sort.Strings(out)
	return out
}

// analyzeProxy reports a proxy that could not be reached, and checks that went direct although
// a proxy is configured on this machine.
func analyzeProxy(src Source) []Finding {
	results, ok := readHTTP(src)
	if !ok {
		return nil
	}
	var pd proxyDoc
	haveProxyDoc := readJSON(src, "system/proxy.json", &pd)
	var out []Finding
	unreachable := map[string]bool{}
	for _, r := range results {
		if proxyFailed(r) {
			if unreachable[r.Proxy] {
				continue
			}
			unreachable[r.Proxy] = true
			out = append(out, Finding{
				ID: "proxy.unreachable", Severity: Critical, Target: r.Proxy,
				Evidence: []Evidence{ev(src, httpPath, "proxy", r.Proxy)},
				Title:    fmt.Sprintf("Proxy %s could not be reached (HTTP check %s)", r.Proxy, label(r)),
				Detail:   fmt.Sprintf("The proxy came from %s. Error (%s): %s", r.ProxySource, r.ErrorClass, r.Error),
				NextStep: "Check the proxy address and port and that the proxy runs; if this machine should go direct, remove or fix the proxy variable (or add the host to NO_PROXY).",
			})
			continue
		}
		if r.Proxy != "" || !haveProxyDoc {
			continue
		}
		conf := pd.configured()
		if len(conf) == 0 || strings.HasPrefix(r.ProxySource, "none (excluded") {
			continue // no proxy, or NO_PROXY / loopback deliberately excluded it
		}
		sev := Info
		if !r.OK && r.Status == 0 {
			sev = Warning
		}
		how := "the check was told to go direct (proxy: direct)"
		if r.ProxySource != "spec" {
			how = "casefile's environment had no proxy variable for it"
		}
		out = append(out, Finding{
			ID: "proxy.bypassed", Severity: sev, Target: r.URL,
			Evidence: []Evidence{ev(src, httpPath, "url", r.URL), ev(src, "system/proxy.json", "", nil)},
			Title:    fmt.Sprintf("HTTP check %s went direct although a proxy is configured", label(r)),
			Detail:   fmt.Sprintf("Configured: %s; but %s (proxy_source %q). Applications configured with the proxy take another path than this check.", strings.Join(conf, ", "), how, r.ProxySource),
			NextStep: "Run the check the way the application connects: through the proxy (set HTTPS_PROXY for casefile, or the check's proxy) or confirm the application goes direct too.",
		})
	}
	return out
}
