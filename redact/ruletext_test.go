package redact

import (
	"strings"
	"testing"
)

// A vendor regex does not redact its own rule in the bundle's spec.yaml (id: cat[REDACTED:cata]
// made collect --like of that bundle fail), but still redacts what it is for.
func TestVendorRuleKeepsItsOwnText(t *testing.T) {
	e, err := New(Config{Regexes: []Rule{{ID: "cata", Pattern: `cat[a-z]+`}, {ID: "acme-license", Pattern: `ACME-[0-9A-F]{6}\d*`}}})
	if err != nil {
		t.Fatal(err)
	}
	spec := "redact:\n  regexes:\n    - id: cata\n      pattern: cat[a-z]+\n    - id: acme-license\n      pattern: ACME-[0-9A-F]{6}\\d*\n    - {id: acme-license, pattern: \"ACME-[0-9A-F]{6}\\\\d*\"}\n"
	if out := e.String("spec.yaml", spec); out != spec {
		t.Errorf("spec.yaml changed:\n%s", out)
	}
	out := e.String("app.log", "user catalog opened with ACME-12AB3F99 and ACME-[0-9A-F]{6}\n")
	if strings.Contains(out, "catalog") || strings.Contains(out, "ACME-12AB3F99") || !strings.Contains(out, "ACME-[0-9A-F]{6}") {
		t.Errorf("log: %s", out)
	}
}
