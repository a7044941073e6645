package redact

import (
	"strings"
	"testing"

	"github.com/casefile/casefile/redact/redacttest"
)

// TestSamples: every planted sample the end-to-end tests use is redacted, bare and inside JSON.
func TestSamples(t *testing.T) {
	e, _ := New(Config{})
	for _, s := range redacttest.Samples() {
		for _, in := range []string{s.Line, "2026-01-01T00:00:00Z INFO " + s.Line + " done"} {
			out := e.String("x", in)
			if strings.Contains(out, s.Core) {
				t.Errorf("%s: core survived: %s", s.Kind, out)
			}
		}
	}
}
