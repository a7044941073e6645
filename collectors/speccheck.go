package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/redact"
	"github.com/casefile/casefile/spec"
)

var families = map[string]bool{
	collectors.FamilySystem: true, collectors.FamilyNetwork: true, collectors.FamilyLogs: true,
	collectors.FamilyCommands: true, collectors.FamilyFiles: true, "command": true,
}

// checkSpecNames checks the names a spec uses for collectors and redaction rules. A rule id or a
// family that does not exist is an error. A collector name that does not exist on this machine is
// a warning: a vendor's spec may name collectors of another OS (logs.unified on macOS).
func checkSpecNames(s *spec.Spec, cs []collectors.Collector) (errs spec.Errors, warnings []string) {
	names := map[string]bool{}
	for _, c := range cs {
		names[c.Name()] = true
	}
	check := func(key, sel string) {
		fam, _, _ := strings.Cut(sel, ".")
		switch {
		case !families[fam]:
			errs = append(errs, s.Problem(key, "%q: no collector family %q (families: commands, files, logs, network, system)", sel, fam))
		case families[sel] || names[sel]:
		default:
			matched := false
			for n := range names {
				if strings.HasPrefix(n, sel+".") {
					matched = true
				}
			}
			if !matched {
				p := s.Problem(key, "no collector named %q on this machine", sel)
				warnings = append(warnings, p.Error())
			}
		}
	}
	for i, sel := range s.Collectors.Disable {
		check(fmt.Sprintf("collectors.disable[%d]", i), sel)
	}
	for i, sel := range s.Collectors.Only {
		check(fmt.Sprintf("collectors.only[%d]", i), sel)
	}
	timeouts := make([]string, 0, len(s.Collectors.Timeouts))
	for n := range s.Collectors.Timeouts {
		timeouts = append(timeouts, n)
	}
	sort.Strings(timeouts)
	for _, n := range timeouts {
		check("collectors.timeouts."+n, n)
	}
	rules := map[string]bool{}
	for _, r := range redact.Rules() {
		rules[r.ID] = true
	}
	for _, r := range s.Redact.Regexes {
		rules[r.ID] = true
	}
	for i, id := range s.Redact.Disable {
		if !rules[id] {
			errs = append(errs, s.Problem(fmt.Sprintf("redact.disable[%d]", i), "no redaction rule %q (see 'casefile redact --list-rules')", id))
		}
	}
	return errs, warnings
}
