package command

import "time"

// osDefaults is what a Linux support engineer asks for first: addresses, routes, policy rules,
// sockets, filesystems, failed units, the kernel's last messages, modules, network sysctls and
// the firewall.
func osDefaults() []Cmd {
	return []Cmd{
		{Name: "ip-addr", Argv: []string{"ip", "addr", "show"}},
		{Name: "ip-link", Argv: []string{"ip", "-s", "link", "show"}},
		{Name: "ip-route", Argv: []string{"ip", "route", "show", "table", "all"}},
		{Name: "ip6-route", Argv: []string{"ip", "-6", "route", "show", "table", "all"}},
		{Name: "ip-rule", Argv: []string{"ip", "rule", "show"}},
		{Name: "ip-neigh", Argv: []string{"ip", "neigh", "show"}},
		{Name: "ss", Argv: []string{"ss", "-tunap"}},
		{Name: "df", Argv: []string{"df", "-h"}},
		{Name: "mount", Argv: []string{"mount"}},
		{Name: "systemctl-failed", Argv: []string{"systemctl", "--failed", "--no-pager"}},
		{Name: "dmesg-tail", Argv: []string{"dmesg"}, Tail: true, MaxOutput: 256 << 10},
		{Name: "lsmod", Argv: []string{"lsmod"}},
		{Name: "sysctl-net", Argv: []string{"sysctl", "-a", "--pattern", `^net\.(core|ipv4|ipv6|netfilter)\.`}},
		{Name: "iptables-save", Argv: []string{"iptables-save"}},
		{Name: "ip6tables-save", Argv: []string{"ip6tables-save"}},
		{Name: "nft-ruleset", Argv: []string{"nft", "list", "ruleset"}, Timeout: 10 * time.Second},
	}
}
