package system

import (
	"context"
	"strings"
)

// proxyVars are the variables HTTP clients (curl, Go, Python, apt...) read for proxies, in any
// letter case.
var proxyVars = []string{"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "FTP_PROXY"}

// Proxy is system/proxy.json. Values are written as found; the sink's redactor masks credentials.
type Proxy struct {
	// Environment holds the proxy variables set in casefile's environment.
	Environment map[string]string `json:"environment"`
	// EtcEnvironment holds proxy variables set system-wide in /etc/environment (Linux).
	EtcEnvironment map[string]string `json:"etc_environment"`
}

func isProxyVar(name string) bool {
	for _, p := range proxyVars {
		if strings.EqualFold(name, p) {
			return true
		}
	}
	return false
}

func collectProxy(ctx context.Context, s *source) (any, error) {
	out := Proxy{Environment: map[string]string{}, EtcEnvironment: map[string]string{}}
	// Names as the environment spells them: Windows names are case-insensitive and stored once.
	for _, kv := range s.environ() {
		k, v, ok := strings.Cut(kv, "=")
		if ok && isProxyVar(k) {
			out.Environment[k] = v
		}
	}
	if b, err := s.readFile("/etc/environment", 1<<20); err == nil {
		for k, v := range parseEnvFile(b) {
			if strings.HasSuffix(strings.ToLower(k), "_proxy") {
				out.EtcEnvironment[k] = v
			}
		}
	}
	return out, nil
}
