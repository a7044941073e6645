package network

import (
	"context"
	"os/exec"
)

// ReadResolverConfig asks `scutil --dns` for the default resolver's servers (macOS does not use
// /etc/resolv.conf for lookups). With a fixture root it reads ROOT/etc/resolv.conf instead.
func ReadResolverConfig(ctx context.Context, root string) ResolverConfig {
	if root != "" && root != "/" {
		cfg, err := readResolvConf(root, "/etc/resolv.conf")
		if err != nil {
			cfg.Error = err.Error()
		}
		return cfg
	}
	cfg := ResolverConfig{Source: "scutil --dns", Servers: []string{}}
	out, err := exec.CommandContext(ctx, "scutil", "--dns").Output()
	if err != nil {
		cfg.Error = err.Error()
		return cfg
	}
	cfg.Servers, cfg.Search = parseScutil(out)
	return cfg
}
