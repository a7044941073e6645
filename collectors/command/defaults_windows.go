package command

import "time"

// osDefaults is the Windows equivalent of the Linux set: addresses, routes, sockets, firewall and
// proxy configuration, and system information.
func osDefaults() []Cmd {
	return []Cmd{
		{Name: "ipconfig", Argv: []string{"ipconfig", "/all"}},
		{Name: "route-print", Argv: []string{"route", "print"}},
		{Name: "netstat", Argv: []string{"netstat", "-ano"}},
		{Name: "netsh-interfaces", Argv: []string{"netsh", "interface", "ip", "show", "config"}},
		{Name: "netsh-firewall", Argv: []string{"netsh", "advfirewall", "show", "allprofiles"}},
		{Name: "netsh-winhttp-proxy", Argv: []string{"netsh", "winhttp", "show", "proxy"}},
		{Name: "systeminfo", Argv: []string{"systeminfo"}, Timeout: 30 * time.Second},
		{Name: "driverquery", Argv: []string{"driverquery"}},
	}
}
