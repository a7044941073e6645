//go:build !linux && !darwin && !windows

package logs

import "github.com/casefile/casefile/collectors"

// osDefaults on other systems: the common syslog files, when present.
func osDefaults(opts collectors.Options, caps capSet) []collectors.Collector {
	return []collectors.Collector{
		defaultFiles(opts, caps, "syslog", []string{"/var/log/messages*", "/var/log/syslog*"}),
	}
}
