//go:build !linux

package system

// ntpState: no readable synchronisation state off Linux yet (macOS sntp and Windows w32tm need
// commands; see docs/system.md).
func ntpState(s *source) NTP {
	return NTP{Services: []string{}, Evidence: []string{}}
}
