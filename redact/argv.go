package redact

import "strings"

// Argv redacts a command line given as separate arguments. A secret often sits in the argument
// after its flag (`--password X`, `sshpass -p X`); written as a JSON or YAML list, the two would
// be on different lines and neither alone looks secret. The arguments are redacted as the one
// command line they form; where a marker replaced more than one argument, each argument is
// redacted alone and after the one before it instead.
func (e *Engine) Argv(file string, argv []string) []string {
	out := make([]string, len(argv))
	line := strings.Join(argv, " ")
	red := e.String(file, line)
	if red == line {
		copy(out, argv)
		return out
	}
	if parts := strings.Split(red, " "); len(parts) == len(argv) {
		return parts
	}
	for i, a := range argv {
		out[i] = e.String(file, a)
		if i == 0 || out[i] != a {
			continue
		}
		prev := argv[i-1]
		if rest, ok := strings.CutPrefix(e.String(file, prev+" "+a), prev+" "); ok && rest != a {
			out[i] = rest
		}
	}
	// A value the line-level rules found but no narrower context did: mark it all the same.
	for i, a := range out {
		if i > 0 && len(a) >= 4 && a == argv[i] && strings.Contains(line, a) && !strings.Contains(red, a) {
			out[i] = "[REDACTED:argv]"
		}
	}
	return out
}
