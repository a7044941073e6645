package analyze

import (
	"fmt"
	"strings"
)

type manifestDoc struct {
	Collectors []struct {
		Name   string   `json:"name"`
		Family string   `json:"family"`
		Status string   `json:"status"`
		Error  string   `json:"error"`
		Files  []string `json:"files"`
	} `json:"collectors"`
}

// networkDocs maps the network collectors to their documents: a failed check is recorded there
// and reported by the network analyzers, so the collector's own failure adds nothing.
var networkDocs = map[string]string{
	"network.dns":   dnsPath,
	"network.ping":  pingPath,
	"network.trace": tracePath,
	"network.tcp":   tcpPath,
	"network.http":  httpPath,
}

// analyzeCollectors reports collectors that failed or timed out (manifest.json).
func analyzeCollectors(src Source) []Finding {
	const p = "manifest.json"
	var m manifestDoc
	if !readJSON(src, p, &m) {
		return nil
	}
	var out []Finding
	for _, c := range m.Collectors {
		if c.Status != "failed" && c.Status != "timed_out" {
			continue
		}
		if doc, ok := networkDocs[c.Name]; ok && c.Status == "failed" {
			if _, err := src.ReadFile(doc); err == nil {
				continue
			}
		}
		f := Finding{Severity: Warning, Target: c.Name, Evidence: []Evidence{ev(src, p, "name", c.Name)}}
		errText := strings.TrimSpace(c.Error)
		if errText == "" {
			errText = "no error recorded"
		}
		if c.Status == "failed" {
			f.ID = "collector.failed"
			f.Title = fmt.Sprintf("Collector %s failed", c.Name)
			f.Detail = fmt.Sprintf("What it collects is missing or incomplete in this bundle. Error: %s", errText)
			f.NextStep = "Read the error; run `casefile collect` again (as root if it was denied), and report a panic to the casefile maintainers."
		} else {
			f.ID = "collector.timed_out"
			f.Title = fmt.Sprintf("Collector %s timed out", c.Name)
			f.Detail = fmt.Sprintf("It ran past its timeout; files it had finished are kept (%d). Error: %s", len(c.Files), errText)
			f.NextStep = "Something it reads hung (a dead NFS mount, a slow command): raise collectors.timeouts." + c.Name + " in the spec or find what blocks."
		}
		out = append(out, f)
	}
	return out
}
