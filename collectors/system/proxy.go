package system

import (
	"context"
	"strings"
)

// proxyVars are the variables HTTP clients (curl, Go, Python, apt...) read for proxies.
var proxyVars = []string{
	"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy",
	"ALL_PROXY", "all_proxy", "FTP_PROXY", "ftp_proxy",
}

// Proxy is system/proxy.json. Values are written as found; the sink's redactor masks credentials.
type Proxy struct {
	// Environment holds the proxy variables set in casefile's environment.
	Environment map[string]string `json:"environment"`
	// EtcEnvironment holds proxy variables set system-wide in /etc/environment (Linux).
	EtcEnvironment map[string]string `json:"etc_environment"`
}

func collectProxy(ctx context.Context, s *source) (any, error) {
	out := Proxy{Environment: map[string]string{}, EtcEnvironment: map[string]string{}}
	for _, k := range proxyVars {
		if v, ok := s.lookupEnv(k); ok {
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
