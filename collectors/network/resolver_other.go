//go:build !linux && !darwin && !windows

package network

import "context"

// ReadResolverConfig reads /etc/resolv.conf under root.
func ReadResolverConfig(_ context.Context, root string) ResolverConfig {
	cfg, err := readResolvConf(root, "/etc/resolv.conf")
	if err != nil {
		cfg.Error = err.Error()
	}
	return cfg
}
