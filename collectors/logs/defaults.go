package logs

import (
	"time"

	"github.com/casefile/casefile/collectors"
)

// liveSystem reports whether collectors read this machine rather than a fixture tree. Logs that
// come from a command (journalctl, dmesg, log show, wevtutil) describe the live system only.
func liveSystem(opts collectors.Options) bool {
	return liveRoot(opts.Root)
}

// fixtureSkip stands in for a command-read source when collecting from a fixture root.
func fixtureSkip(name string) collectors.Collector {
	return collectors.Func{CName: "logs." + name, CFamily: collectors.FamilyLogs, Fn: skipFn("reads the live system; not available with a fixture root")}
}

func defaultFiles(opts collectors.Options, caps capSet, name string, globs []string) *fileSource {
	return &fileSource{
		name: name, globs: globs, root: opts.Root, now: nowOf(opts),
		since: windowOf(opts), sinceAt: opts.SinceTime, until: opts.Until, maxFile: caps.file, maxTotal: caps.collector,
	}
}

func windowStartOf(opts collectors.Options) time.Time {
	if !opts.SinceTime.IsZero() {
		return opts.SinceTime
	}
	return nowOf(opts).Add(-windowOf(opts))
}
