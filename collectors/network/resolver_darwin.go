package network

import (
	"bufio"
	"bytes"
	"context"
	"os/exec"
	"strings"
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

// parseScutil returns the servers and search domains of the first resolver that has no domain
// (the default), from `scutil --dns` output.
func parseScutil(out []byte) (servers, search []string) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	inResolver, scoped := false, false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "resolver #"):
			if len(servers) > 0 {
				return servers, search
			}
			inResolver, scoped = true, false
		case strings.HasPrefix(line, "DNS configuration (for scoped queries)"):
			if len(servers) > 0 {
				return servers, search
			}
			inResolver = false
		case !inResolver:
		case strings.HasPrefix(line, "domain "):
			scoped = true
		case strings.HasPrefix(line, "nameserver["):
			if v, ok := scutilValue(line); ok && !scoped {
				servers = append(servers, v)
			}
		case strings.HasPrefix(line, "search domain["):
			if v, ok := scutilValue(line); ok && !scoped {
				search = append(search, v)
			}
		}
	}
	return servers, search
}

func scutilValue(line string) (string, bool) {
	i := strings.Index(line, ":")
	if i < 0 {
		return "", false
	}
	return strings.TrimSpace(line[i+1:]), true
}
