package logs

import (
	"fmt"

	"github.com/casefile/casefile/collectors"
)

// osDefaults are the Windows System and Application event logs for the window, read with
// wevtutil as text.
func osDefaults(opts collectors.Options, caps capSet) []collectors.Collector {
	if !liveSystem(opts) {
		return []collectors.Collector{fixtureSkip("eventlog-system"), fixtureSkip("eventlog-application")}
	}
	since := windowStartOf(opts)
	ms := windowOf(opts).Milliseconds()
	var out []collectors.Collector
	for _, ch := range []struct{ name, channel string }{{"eventlog-system", "System"}, {"eventlog-application", "Application"}} {
		ch := ch
		out = append(out, &cmdSource{
			name: ch.name, file: ch.channel + ".txt", since: since, until: opts.Until, maxFile: caps.file,
			argv: func() []string {
				return []string{"wevtutil", "qe", ch.channel, "/f:text", "/rd:false",
					fmt.Sprintf("/q:*[System[TimeCreated[timediff(@SystemTime)<=%d]]]", ms)}
			},
			skipErr: skipOnDenied("wevtutil"),
		})
	}
	return out
}
