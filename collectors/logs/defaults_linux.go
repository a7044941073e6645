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
			name: "journald", file: "journal.log", since: since, until: opts.Until, maxFile: caps.file,
			argv: func() []string {
				// --lines bounds journalctl's work on a busy journal to about what the cap can
				// keep (entries average well over 64 bytes); it prints the newest entries, in order.
				argv := []string{"journalctl", "--since", fmt.Sprintf("@%d", since.Unix())}
				if !opts.Until.IsZero() {
					argv = append(argv, "--until", fmt.Sprintf("@%d", opts.Until.Unix()))
				}
				return append(argv, "--lines", fmt.Sprint(max(caps.file/64, 1000)), "--no-pager", "--quiet", "-o", "short-iso")
			},
			empty:   func(b []byte) bool { return bytes.HasPrefix(b, []byte("-- No entries --")) },
			skipErr: skipOnDenied("journalctl"),
		},
		&cmdSource{
			name: "dmesg", file: "dmesg.log", since: since, until: opts.Until, maxFile: caps.file, filter: true,
			argv:    func() []string { return []string{"dmesg", "--time-format=iso"} },
			skipErr: skipOnDenied("dmesg"),
		},
	)
}
