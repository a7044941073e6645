package system

import "strconv"

// linkState reads the link's state, speed and duplex from /sys/class/net/<name>.
func linkState(s *source, ifc *Interface) {
	dir := "/sys/class/net/" + ifc.Name + "/"
	ifc.OperState = s.firstLine(dir + "operstate")
	// Drivers without a link speed (virtual links, a cable unplugged) give -1 or EINVAL.
	if v, err := strconv.Atoi(s.firstLine(dir + "speed")); err == nil && v > 0 {
		ifc.SpeedMbps = &v
	}
	if d := s.firstLine(dir + "duplex"); d == "full" || d == "half" {
		ifc.Duplex = d
	}
}
