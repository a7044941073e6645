package system

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Time is system/time.json.
type Time struct {
	Local time.Time `json:"local"`
	UTC   time.Time `json:"utc"`
	// Timezone is the IANA name ("Europe/Berlin"), TimezoneSource where it was found.
	Timezone       string `json:"timezone"`
	TimezoneSource string `json:"timezone_source"`
	// Zone is the abbreviation in force now ("CEST"), OffsetSeconds its offset east of UTC.
	Zone          string `json:"zone"`
	OffsetSeconds int    `json:"offset_seconds"`
	NTP           NTP    `json:"ntp"`
}

// NTP is what could be learned about clock synchronisation.
type NTP struct {
	// Synchronized is null when nothing readable says either way.
	Synchronized *bool `json:"synchronized"`
	// Services lists time daemons whose state files were found (systemd-timesyncd, chrony, ntpd).
	Services []string `json:"services"`
	// Evidence lists what the verdict rests on.
	Evidence []string `json:"evidence"`
	// Kernel is the kernel clock discipline state (Linux adjtimex(2); only for the live host).
	Kernel *KernelClock `json:"kernel"`
}

// KernelClock is the read-only result of adjtimex(2).
type KernelClock struct {
	// State is adjtimex's return: ok, insert_leap, delete_leap, leap_in_progress, leap_done, error.
	State string `json:"state"`
	// Unsynchronized reports STA_UNSYNC in the status word.
	Unsynchronized bool    `json:"unsynchronized"`
	OffsetMicros   float64 `json:"offset_us"`
	MaxErrorMicros int64   `json:"max_error_us"`
	EstErrorMicros int64   `json:"est_error_us"`
	Status         int32   `json:"status"`
}

func collectTime(ctx context.Context, s *source) (any, error) {
	now := s.now()
	name, src := timezone(s)
	loc := time.Local
	if name != "" && !(s.isHost && src == "time.Local") {
		if l, err := time.LoadLocation(name); err == nil {
			loc = l
		}
	}
	local := now.In(loc)
	zone, off := local.Zone()
	t := Time{Local: local, UTC: now.UTC(), Timezone: name, TimezoneSource: src, Zone: zone, OffsetSeconds: off}
	t.NTP = ntpState(s)
	return t, nil
}

// timezone finds the IANA zone name: TZ (live host only), /etc/timezone, the /etc/localtime
// link, and on the live host Go's view of the local zone.
func timezone(s *source) (name, from string) {
	if s.isHost {
		if tz := s.getenv("TZ"); tz != "" {
			return strings.TrimPrefix(tz, ":"), "env:TZ"
		}
	}
	if tz := s.firstLine("/etc/timezone"); tz != "" {
		return tz, "/etc/timezone"
	}
	if target, err := os.Readlink(s.path("/etc/localtime")); err == nil {
		target = filepath.ToSlash(target)
		if i := strings.Index(target, "zoneinfo/"); i >= 0 {
			return target[i+len("zoneinfo/"):], "/etc/localtime"
		}
	}
	if s.isHost && time.Local.String() != "Local" {
		return time.Local.String(), "time.Local"
	}
	return "", ""
}
