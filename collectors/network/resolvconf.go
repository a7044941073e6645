package network

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// parseResolvConf returns the nameservers and search domains of a resolv.conf.
func parseResolvConf(data []byte) (servers, search []string) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexAny(line, "#;"); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "nameserver":
			// A scoped IPv6 address (fe80::1%eth0) is kept as written.
			if net.ParseIP(strings.SplitN(f[1], "%", 2)[0]) != nil {
				servers = append(servers, f[1])
			}
		case "search", "domain":
			search = f[1:]
		}
	}
	return servers, search
}

// hostPath joins the injectable root with an absolute host path.
func hostPath(root, p string) string {
	if root == "" || root == "/" {
		return p
	}
	return filepath.Join(root, p)
}

// readResolvConf reads one resolv.conf under root into cfg.
func readResolvConf(root, path string) (ResolverConfig, error) {
	cfg := ResolverConfig{Source: path, Servers: []string{}}
	data, err := os.ReadFile(hostPath(root, path))
	if err != nil {
		return cfg, err
	}
	cfg.Servers, cfg.Search = parseResolvConf(data)
	if cfg.Servers == nil {
		cfg.Servers = []string{}
	}
	return cfg, nil
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
