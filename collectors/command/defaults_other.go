//go:build !linux && !darwin && !windows

package command

// osDefaults on other systems: the portable basics.
func osDefaults() []Cmd {
	return []Cmd{
		{Name: "ifconfig", Argv: []string{"ifconfig", "-a"}},
		{Name: "netstat-routes", Argv: []string{"netstat", "-rn"}},
		{Name: "df", Argv: []string{"df", "-h"}},
		{Name: "mount", Argv: []string{"mount"}},
	}
}
