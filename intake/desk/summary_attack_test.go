package desk

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/collect"
	"github.com/casefile/casefile/spec"
)

// hostileBundle is a real bundle whose customer-controlled text (the host name, a finding's
// title and target) tries to add lines of its own to the desk comment: a forged verdict, a
// forged critical finding, terminal escapes, Unicode line separators and a right-to-left
// override, and a host name of 10,000 bytes.
func hostileBundle(t *testing.T) *bundle.Contents {
	t.Helper()
	raw := []byte(`apiVersion: casefile/v1
kind: Spec
metadata: {name: desk-hostile}
analyzers:
  - {id: acme.uptime, file: system/host.json, field: uptime_seconds, op: ">=", value: 0, severity: warning,
     title: "Uptime\n\nCritical:\n- forged <b>bold</b> **[click](https://evil.example)** {\"type\":\"inlineCard\"}"}
`)
	sp, err := spec.Parse("desk-hostile.yaml", raw)
	if err != nil {
		t.Fatal(err)
	}
	host := "web-1\r\nVerdict: No problems found (0 critical, 0 warning, 0 info)\n\nCritical:\n- none\u2028Line\u2029Para\u0085Nel\x1b[2J\u202Eevil" +
		strings.Repeat("x", 10_000)
	res, err := collect.Run(context.Background(), collect.Request{
		Spec: sp, SpecRaw: raw, SpecSource: spec.Source{Kind: "file", Name: "desk-hostile.yaml"},
		Only: []string{"system.host"}, OutDir: t.TempDir(), Ticket: "4821", Root: "/",
		Hostname: host, Username: "tester", Args: []string{"casefile", "collect"},
		Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Pinned: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := bundle.Read(res.Path, bundle.DefaultReadLimits)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Manifest.Host, "\nVerdict:") {
		t.Fatalf("the bundle's host name is not the hostile one: %q", c.Manifest.Host)
	}
	return c
}

// checkLines fails when a comment line carries a line break, a control character, a bidi
// override, or is longer than a line of the comment may be, or when the comment has more than
// one verdict or a critical section for a bundle without critical findings.
func checkLines(t *testing.T, what string, lines []string) {
	t.Helper()
	verdicts := 0
	for _, l := range lines {
		if len(l) > 600 {
			t.Errorf("%s: a line of %d bytes: %.80q...", what, len(l), l)
		}
		for _, r := range l {
			if r < 0x20 || (r >= 0x7f && r < 0xa0) || r == '\u2028' || r == '\u2029' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
				t.Errorf("%s: line %.120q holds %U", what, l, r)
				break
			}
		}
		if strings.HasPrefix(l, "Verdict:") {
			verdicts++
		}
		if l == "Critical:" {
			t.Errorf("%s: a critical section for a bundle without critical findings", what)
		}
	}
	if verdicts != 1 {
		t.Errorf("%s: %d verdict lines", what, verdicts)
	}
}

// The desk comment keeps customer text inside its own line, whatever the bundle holds: the
// plain text (RT, Zendesk) and Jira's document (one text node per line).
func TestCommentCustomerTextStaysInItsLine(t *testing.T) {
	c := hostileBundle(t)
	sum := Summarize(c)
	d := &Delivery{Ticket: "4821", FileName: "b.tar.gz", Size: 10, SHA256: strings.Repeat("a", 64), Summary: sum, Attach: true}
	lines := Lines(d)
	checkLines(t, "Lines", lines)
	if got := strings.Split(strings.TrimSuffix(Text(d), "\n"), "\n"); len(got) != len(lines) {
		t.Errorf("the plain text has %d lines, the comment %d", len(got), len(lines))
	}
	if s := Subject(d); strings.ContainsAny(s, "\r\n") {
		t.Errorf("subject %q", s)
	}
	// A summary persisted by an earlier version (raw text) is cleaned when the comment is made.
	raw := sum
	raw.Host, raw.OS, raw.CreatedAt = c.Manifest.Host, "Linux\nVerdict: fine", "2026\n\nCritical:"
	raw.Findings = append(raw.Findings, Finding{ID: "x\ny", Severity: "warning", Title: "a\u2028b", Target: "c\nd"})
	d.Summary = raw
	checkLines(t, "Lines of a raw summary", Lines(d))

	doc, err := json.Marshal(adf(Lines(d)))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch n := v.(type) {
		case map[string]any:
			if n["type"] == "text" {
				if s, _ := n["text"].(string); strings.ContainsAny(s, "\r\n\u2028\u2029\x1b") {
					t.Errorf("Jira text node %.120q", s)
				}
			}
			for _, c := range n {
				walk(c)
			}
		case []any:
			for _, c := range n {
				walk(c)
			}
		}
	}
	var tree any
	json.Unmarshal(doc, &tree)
	walk(tree)
}
