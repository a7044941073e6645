package system

import (
	"golang.org/x/sys/unix"
)

// ntpState reads what systemd-timesyncd, chrony and ntpd leave on disk and, on the live host,
// asks the kernel (adjtimex with no modes only reads). The kernel's STA_UNSYNC bit is what
// timedatectl reports as "System clock synchronized".
func ntpState(s *source) NTP {
	n := NTP{Services: []string{}, Evidence: []string{}}
	yes, no := true, false
	if s.exists("/run/systemd/timesync") {
		n.Services = append(n.Services, "systemd-timesyncd")
		if s.exists("/run/systemd/timesync/synchronized") {
			n.Synchronized = &yes
			n.Evidence = append(n.Evidence, "/run/systemd/timesync/synchronized")
		}
	}
	for _, p := range []string{"/run/chrony/chronyd.pid", "/var/run/chronyd.pid", "/var/lib/chrony/drift", "/var/lib/chrony/chrony.drift"} {
		if s.exists(p) {
			n.Services = append(n.Services, "chrony")
			n.Evidence = append(n.Evidence, p)
			break
		}
	}
	for _, p := range []string{"/run/ntpd.pid", "/var/run/ntpd.pid", "/var/lib/ntp/ntp.drift", "/var/lib/ntpsec/ntp.drift"} {
		if s.exists(p) {
			n.Services = append(n.Services, "ntpd")
			n.Evidence = append(n.Evidence, p)
			break
		}
	}
	if s.isHost {
		var tx unix.Timex
		state, err := unix.Adjtimex(&tx)
		if err == nil {
			k := &KernelClock{
				State:          adjtimexState(state),
				Unsynchronized: tx.Status&unix.STA_UNSYNC != 0,
				MaxErrorMicros: int64(tx.Maxerror),
				EstErrorMicros: int64(tx.Esterror),
				Status:         tx.Status,
				OffsetMicros:   float64(tx.Offset),
			}
			if tx.Status&unix.STA_NANO != 0 {
				k.OffsetMicros = float64(tx.Offset) / 1000
			}
			n.Kernel = k
			if k.Unsynchronized || state == unix.TIME_ERROR {
				n.Synchronized = &no
			} else {
				n.Synchronized = &yes
			}
			n.Evidence = append(n.Evidence, "adjtimex: "+k.State+map[bool]string{true: ", STA_UNSYNC", false: ""}[k.Unsynchronized])
		}
	}
	return n
}

func adjtimexState(st int) string {
	switch st {
	case unix.TIME_OK:
		return "ok"
	case unix.TIME_INS:
		return "insert_leap"
	case unix.TIME_DEL:
		return "delete_leap"
	case unix.TIME_OOP:
		return "leap_in_progress"
	case unix.TIME_WAIT:
		return "leap_done"
	case unix.TIME_ERROR:
		return "error"
	}
	return "unknown"
}
