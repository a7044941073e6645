package network

import (
	"context"
	"strings"
)

// systemd-resolved's stub listeners and the file listing the upstreams behind them.
var resolvedStubs = map[string]bool{"127.0.0.53": true, "127.0.0.54": true}

const resolvedUpstreams = "/run/systemd/resolve/resolv.conf"

// ReadResolverConfig reads /etc/resolv.conf under root; when it points only at the
// systemd-resolved stub, the upstreams come from /run/systemd/resolve/resolv.conf.
func ReadResolverConfig(_ context.Context, root string) ResolverConfig {
	cfg, err := readResolvConf(root, "/etc/resolv.conf")
	if err != nil {
		cfg.Error = err.Error()
		return cfg
	}
	if len(cfg.Servers) == 0 {
		return cfg
	}
	for _, s := range cfg.Servers {
		if !resolvedStubs[strings.SplitN(s, "%", 2)[0]] {
			return cfg
		}
	}
	up, err := readResolvConf(root, resolvedUpstreams)
	cfg.Stub, cfg.StubSource = cfg.Servers, resolvedUpstreams
	if err != nil {
		// The stub is all we can query.
		cfg.Error = "systemd-resolved upstreams: " + err.Error()
		return cfg
	}
	cfg.Servers = up.Servers
	if len(cfg.Servers) == 0 {
		cfg.Servers = cfg.Stub
	}
	return cfg
}
