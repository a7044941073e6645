package analyze

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

const systemctlFailed = "commands/systemctl-failed/stdout.txt"

// analyzeServices reports the units `systemctl --failed` lists. Without systemd (the command
// failed, wrote only to stderr) there is nothing to say.
func analyzeServices(src Source) []Finding {
	data, err := src.ReadFile(systemctlFailed)
	if err != nil {
		return nil
	}
	var out []Finding
	sc := bufio.NewScanner(bytes.NewReader(data))
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimLeft(sc.Text(), " ●*×\t")
		f := strings.Fields(text)
		// UNIT LOAD ACTIVE SUB DESCRIPTION...
		if len(f) < 4 || !strings.Contains(f[0], ".") || f[2] != "failed" {
			continue
		}
		unit := f[0]
		desc := strings.Join(f[4:], " ")
		detail := fmt.Sprintf("systemd lists %s as failed (load %s, active %s, sub %s).", unit, f[1], f[2], f[3])
		if desc != "" {
			detail += " Description: " + desc + "."
		}
		out = append(out, Finding{ID: "service.failed", Severity: Warning, Target: unit,
			Evidence: []Evidence{{Path: systemctlFailed, Line: line}},
			Title:    fmt.Sprintf("Service %s has failed", unit),
			Detail:   detail,
			NextStep: fmt.Sprintf("Read why: `systemctl status %s` and `journalctl -u %s -b`; restart it once fixed, or `systemctl reset-failed %s` if it is no longer needed.", unit, unit, unit),
		})
	}
	return out
}
