// Package analyze turns collected results into findings: what is wrong, the evidence for it and
// what to do next. Analyzers read collected files only (a bundle, the stage, or a map in tests),
// never the live machine, so the same findings come out at collection time and offline.
package analyze

import (
	"sort"
)

// Severity of a finding.
type Severity string

// Severities, most severe first.
const (
	Critical Severity = "critical"
	Warning  Severity = "warning"
	Info     Severity = "info"
)

func (s Severity) rank() int {
	switch s {
	case Critical:
		return 0
	case Warning:
		return 1
	case Info:
		return 2
	}
	return 3
}

// Evidence points at what a finding rests on: a bundle path and, where it helps, a 1-based line.
type Evidence struct {
	Path string `json:"path"`
	Line int    `json:"line,omitempty"`
}

// Finding is one conclusion drawn from collected data. ID is stable across versions
// ("tls.expired"); Title names the target.
type Finding struct {
	ID       string     `json:"id"`
	Severity Severity   `json:"severity"`
	Title    string     `json:"title"`
	Detail   string     `json:"detail"`
	Target   string     `json:"target"`
	Evidence []Evidence `json:"evidence"`
	NextStep string     `json:"next_step"`
}

// Findings is the findings.json document.
type Findings struct {
	Findings []Finding `json:"findings"`
}

// Sort orders findings by severity (critical first), then id, then target, then title.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity.rank() != b.Severity.rank() {
			return a.Severity.rank() < b.Severity.rank()
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		if a.Target != b.Target {
			return a.Target < b.Target
		}
		return a.Title < b.Title
	})
}

// Count returns how many findings have severity s.
func (f Findings) Count(s Severity) int {
	n := 0
	for _, x := range f.Findings {
		if x.Severity == s {
			n++
		}
	}
	return n
}

// Serious returns the critical and warning findings, in order.
func (f Findings) Serious() []Finding {
	var out []Finding
	for _, x := range f.Findings {
		if x.Severity == Critical || x.Severity == Warning {
			out = append(out, x)
		}
	}
	return out
}
