package logs

import (
	"bytes"
	"fmt"

	"github.com/casefile/casefile/collectors"
)

// osDefaults are the Linux logs support engineers expect: the journal and kernel ring buffer for
// the window, and the classic syslog files with their rotations.
func osDefaults(opts collectors.Options, caps capSet) []collectors.Collector {
	out := []collectors.Collector{
		defaultFiles(opts, caps, "syslog", []string{"/var/log/syslog*", "/var/log/messages*", "/var/log/kern.log*"}),
	}
	if !liveSystem(opts) {
		return append(out, fixtureSkip("journald"), fixtureSkip("dmesg"))
	}
	since := windowStartOf(opts)
	return append(out,
		&cmdSource{
			name: "journald", file: "journal.log", since: since, maxFile: caps.file,
			argv: func() []string {
				return []string{"journalctl", "--since", fmt.Sprintf("@%d", since.Unix()), "--no-pager", "--quiet", "-o", "short-iso"}
			},
			empty:   func(b []byte) bool { return bytes.HasPrefix(b, []byte("-- No entries --")) },
			skipErr: skipOnDenied("journalctl"),
		},
		&cmdSource{
			name: "dmesg", file: "dmesg.log", since: since, maxFile: caps.file, filter: true,
			argv:    func() []string { return []string{"dmesg", "--time-format=iso"} },
			skipErr: skipOnDenied("dmesg"),
		},
	)
}
