package redact

import (
	"strings"
	"testing"
)

// TestContainerBound: an open container under a sensitive key ends after containerMaxLines
// lines; the lines after the bound are scanned as usual again.
func TestContainerBound(t *testing.T) {
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString("\"tokens\": [\n")
	for k := 0; k < containerMaxLines+5; k++ {
		sb.WriteString("  \"Ab3Cd5Ef7\",\n")
	}
	sb.WriteString("  \"tail1\" ]\n")
	out := e.String("big.json", sb.String())
	lines := strings.Split(out, "\n")
	if got := lines[1]; got != `  "[REDACTED:sensitive-key]",` {
		t.Fatalf("first element: %q", got)
	}
	if got := lines[containerMaxLines]; got != `  "[REDACTED:sensitive-key]",` {
		t.Fatalf("element %d: %q", containerMaxLines, got)
	}
	if got := lines[containerMaxLines+2]; got != `  "Ab3Cd5Ef7",` {
		t.Fatalf("past the bound: %q", got)
	}
}
