//go:build !linux

package system

// linkState: operational state, speed and duplex are read from sysfs on Linux only.
func linkState(s *source, ifc *Interface) {}
