package spec

import (
	"strings"
	"testing"
)

func TestUploadConsent(t *testing.T) {
	const head = "apiVersion: casefile/v1\nkind: Spec\nmetadata: {name: x}\n"
	for _, c := range []string{"auto", "ask", "never"} {
		s, err := Parse("ok.yaml", []byte(head+"upload: {url: \"https://intake.example\", consent: "+c+"}\n"))
		if err != nil {
			t.Fatalf("consent %s: %v", c, err)
		}
		if s.Upload.Consent != c {
			t.Fatalf("consent %q, want %q", s.Upload.Consent, c)
		}
	}
	_, err := Parse("bad.yaml", []byte(head+"upload:\n  url: https://intake.example\n  consent: sometimes\n"))
	if err == nil || !strings.Contains(err.Error(), `bad.yaml:6: upload.consent: must be auto, ask or never, got "sometimes"`) {
		t.Fatalf("error %v", err)
	}
}
