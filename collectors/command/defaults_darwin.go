package command

// osDefaults is the macOS equivalent of the Linux set: interfaces, routes, sockets, DNS and proxy
// configuration, filesystems, network sysctls and the packet filter rules.
func osDefaults() []Cmd {
	return []Cmd{
		{Name: "ifconfig", Argv: []string{"ifconfig", "-a"}},
		{Name: "netstat-routes", Argv: []string{"netstat", "-rn"}},
		{Name: "netstat-sockets", Argv: []string{"netstat", "-an"}},
		{Name: "scutil-dns", Argv: []string{"scutil", "--dns"}},
		{Name: "scutil-proxy", Argv: []string{"scutil", "--proxy"}},
		{Name: "networksetup-services", Argv: []string{"networksetup", "-listallnetworkservices"}},
		{Name: "df", Argv: []string{"df", "-h"}},
		{Name: "mount", Argv: []string{"mount"}},
		{Name: "sysctl-net", Argv: []string{"sysctl", "net.inet.ip", "net.inet.tcp", "net.inet6.ip6"}},
		{Name: "pfctl-rules", Argv: []string{"pfctl", "-s", "rules"}},
		{Name: "kextstat", Argv: []string{"kmutil", "showloaded", "--list-only"}},
	}
}
