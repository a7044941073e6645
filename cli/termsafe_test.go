package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestTermSafe(t *testing.T) {
	for in, want := range map[string]string{
		"4821":                  "4821",
		"ünïcødé-票":             "ünïcødé-票",
		"\x1b[2J\x1b[31mred":    `\x1b[2J\x1b[31mred`,
		"a\nb\tc\rd":            `a\nb\tc\rd`,
		"bell\a":                `bell\x07`,
		"\x1b]0;owned\x07title": `\x1b]0;owned\x07title`,
		"c1\u009b31m":           `c1\x9b31m`,
		"bad\xffutf8":           `bad\xffutf8`,
		"del\x7f":               `del\x7f`,
	} {
		if got := termSafe(in); got != want {
			t.Errorf("termSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

// A ticket holding terminal escapes and a newline reaches inspect's output escaped.
func TestInspectEscapesBundleText(t *testing.T) {
	out := t.TempDir()
	ticket := "48\x1b[2J\x1b[31m21\x07\nnext\x1b]0;owned\x07"
	var so, se bytes.Buffer
	if code := Run(context.Background(), []string{"collect", "--only", "system.host", "--out", out, "--ticket", ticket}, strings.NewReader(""), &so, &se); code != 0 {
		t.Fatalf("collect: %d %s", code, se.String())
	}
	for _, s := range []string{so.String(), se.String()} {
		if strings.ContainsAny(s, "\x1b\x07") {
			t.Errorf("collect printed a control character: %q", s)
		}
	}
	path := strings.TrimSpace(so.String())
	so.Reset()
	se.Reset()
	if code := Run(context.Background(), []string{"inspect", path}, strings.NewReader(""), &so, &se); code != 0 {
		t.Fatalf("inspect: %d %s", code, se.String())
	}
	text := so.String()
	if strings.ContainsAny(text, "\x1b\x07") || strings.Contains(text, "21\nnext") {
		t.Errorf("inspect printed the ticket raw:\n%q", text)
	}
	if !strings.Contains(text, `48\x1b[2J\x1b[31m21\x07\nnext`) {
		t.Errorf("inspect does not show the escaped ticket:\n%s", text)
	}
}
