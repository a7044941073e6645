package collectors

import (
	"fmt"
	"sort"
	"strings"

	"github.com/casefile/casefile/spec"
)

var specFamilies = map[string]bool{
	FamilySystem: true, FamilyNetwork: true, FamilyLogs: true,
	FamilyCommands: true, FamilyFiles: true, "command": true,
}

// CheckSpecNames checks the names a spec uses for collectors and redaction rules (builtinRules
// lists the redactor's own rule ids; a vendor rule may not reuse one). A rule id or a family that does not exist is an error. A collector name that does not exist on this machine is
// a warning: a vendor's spec may name collectors of another OS (logs.unified on macOS).
func CheckSpecNames(s *spec.Spec, cs []Collector, builtinRules []string) (errs spec.Errors, warnings []string) {
	names := map[string]bool{}
	for _, c := range cs {
		names[c.Name()] = true
	}
	check := func(key, sel string) {
		fam, _, _ := strings.Cut(sel, ".")
		switch {
		case !specFamilies[fam]:
			errs = append(errs, s.Problem(key, "%q: no collector family %q (families: commands, files, logs, network, system)", sel, fam))
		case specFamilies[sel] || names[sel]:
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
	for _, id := range builtinRules {
		rules[id] = true
	}
	for i, r := range s.Redact.Regexes {
		if rules[r.ID] {
			errs = append(errs, s.Problem(fmt.Sprintf("redact.regexes[%d].id", i), "%q is a built-in rule's id; give the vendor rule its own (see 'casefile redact --list-rules')", r.ID))
		}
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
