package analyze

import (
	"fmt"
)

// Analyzer is one built-in check over collected files.
type Analyzer struct {
	// Name says what it looks at ("disk", "tls"); it is not part of the findings.
	Name string
	Run  func(src Source) []Finding
}

// Builtin returns the built-in analyzers in a fixed order.
func Builtin() []Analyzer {
	return []Analyzer{
		{"disk", analyzeDisk},
		{"memory", analyzeMemory},
		{"load", analyzeLoad},
		{"clock", analyzeClock},
		{"dns", analyzeDNS},
		{"ping", analyzePing},
		{"trace", analyzeTrace},
		{"tcp", analyzeTCP},
		{"http", analyzeHTTP},
		{"tls", analyzeTLS},
		{"proxy", analyzeProxy},
		{"mtu", analyzeMTU},
		{"kernel", analyzeKernel},
		{"logs", analyzeLogBursts},
		{"services", analyzeServices},
		{"collectors", analyzeCollectors},
		{"history", analyzeHistory},
	}
}

// Analyze runs the built-in analyzers and the analyzers of the bundle's own spec.yaml (its
// analyzers: section) over src and returns the findings in order. Collection and
// `casefile analyze` both call it, so both give the same findings for a bundle.
func Analyze(src Source) Findings {
	rules, problems := bundleSpecAnalyzers(src)
	fs := Run(src, append(Builtin(), rules...))
	if len(problems) > 0 {
		fs.Findings = append(fs.Findings, problems...)
		Sort(fs.Findings)
	}
	return fs
}

// Run runs the given analyzers over src. An analyzer that panics (a malformed document it did
// not expect) yields an info finding "analyze.error" instead of ending the analysis.
func Run(src Source, analyzers []Analyzer) Findings {
	out := []Finding{}
	for _, a := range analyzers {
		out = append(out, runOne(src, a)...)
	}
	for i := range out {
		if out[i].Evidence == nil {
			out[i].Evidence = []Evidence{}
		}
	}
	Sort(out)
	return Findings{Findings: out}
}

func runOne(src Source, a Analyzer) (fs []Finding) {
	defer func() {
		if r := recover(); r != nil {
			fs = []Finding{{
				ID:       "analyze.error",
				Severity: Info,
				Title:    fmt.Sprintf("The %s analyzer could not read this bundle", a.Name),
				Detail:   fmt.Sprint(r),
				Target:   a.Name,
				NextStep: "Report this to the casefile maintainers with the bundle's manifest.json.",
			}}
		}
	}()
	return a.Run(src)
}
