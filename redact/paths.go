package redact

import "strings"

// Path redacts a slash-separated path: a file or folder can be named after a secret
// (`ghp_....txt`, `password=hunter2.conf`), or, when anonymizing, after a user or host. Each
// name is redacted on its own, and again without its extension so that `password=x.txt` is seen
// as the pair it is. Markers are written as `REDACTED-<rule>`, which every file system accepts,
// and a redacted name loses its `=`, so that the name, quoted in an index, does not read as a
// key=value pair that content redaction would take again.
func (e *Engine) Path(p string) string {
	parts := strings.Split(p, "/")
	changed := false
	for i, seg := range parts {
		if seg == "" || seg == "." || seg == ".." {
			continue
		}
		// The name without its extension first, so a redacted name keeps its type (.txt).
		r := seg
		if dot := strings.LastIndexByte(seg, '.'); dot > 0 {
			if rb := e.String("bundle paths", seg[:dot]); rb != seg[:dot] {
				r = rb + seg[dot:]
			}
		}
		if r == seg {
			r = e.String("bundle paths", seg)
		}
		if r != seg {
			parts[i] = pathSafe.Replace(r)
			changed = true
		}
	}
	if !changed {
		return p
	}
	return strings.Join(parts, "/")
}

var pathSafe = strings.NewReplacer("[REDACTED:", "REDACTED-", "]", "", ":", "_", "\\", "_", "/", "_", "=", "_", "\x00", "")
