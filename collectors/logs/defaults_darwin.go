package logs

import (
	"fmt"

	"github.com/casefile/casefile/collectors"
)

// osDefaults are the macOS logs: unified logging for the window and the classic text logs.
func osDefaults(opts collectors.Options, caps capSet) []collectors.Collector {
	out := []collectors.Collector{
		defaultFiles(opts, caps, "syslog", []string{"/var/log/system.log*", "/var/log/install.log*", "/var/log/wifi.log*"}),
	}
	if !liveSystem(opts) {
		return append(out, fixtureSkip("unified"))
	}
	since := windowStartOf(opts)
	minutes := int(windowOf(opts).Minutes() + 0.5)
	if minutes < 1 {
		minutes = 1
	}
	return append(out, &cmdSource{
		name: "unified", file: "log-show.log", since: since, until: opts.Until, maxFile: caps.file,
		argv: func() []string {
			return []string{"log", "show", "--last", fmt.Sprintf("%dm", minutes), "--style", "syslog", "--info"}
		},
		skipErr: skipOnDenied("log show"),
	})
}
