package spec

import (
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	const m = "[REDACTED:url-password]"
	for _, c := range []struct{ in, want string }{
		{"https://api.example.com/health", "https://api.example.com/health"},
		{"https://bob@api.example.com/", "https://bob@api.example.com/"},
		{"https://bob:hunter2@api.example.com/x?y=1", "https://bob:" + m + "@api.example.com/x?y=1"},
		// A password holding "@" and ":" (escaped or not): url.Parse knows the last "@" ends it.
		{"https://bob:p%40ss:w@api.example.com/", "https://bob:" + m + "@api.example.com/"},
		{"https://bob:p@ss@api.example.com/", "https://bob:" + m + "@api.example.com/"},
		{"https://bob:@api.example.com/", "https://bob:" + m + "@api.example.com/"},
		{"https://xxxxx:xxxxx@api.example.com/", "https://xxxxx:" + m + "@api.example.com/"},
		// A URL re-read from a bundle's spec.yaml: the marker is not a valid password, the text
		// form keeps it.
		{"http://admin:" + m + "@127.0.0.1:8080/", "http://admin:" + m + "@127.0.0.1:8080/"},
		// Free text: an error message quoting the URL.
		{`Get "https://bob:hunter2@api.example.com/": dial tcp: refused`, `Get "https://bob:` + m + `@api.example.com/": dial tcp: refused`},
		// Malformed URLs still lose their password.
		{"https://bob:hunter2@api.example.com:port/", "https://bob:" + m + "@api.example.com:port/"},
		{"https://bob:hunter2@bad host/", "https://bob:" + m + "@bad host/"},
	} {
		got := RedactURL(c.in)
		if got != c.want {
			t.Errorf("RedactURL(%q) = %q, want %q", c.in, got, c.want)
		}
		if strings.Contains(got, "hunter2") || strings.Contains(got, "p@ss") || strings.Contains(got, "p%40ss") {
			t.Errorf("RedactURL(%q) = %q leaks the password", c.in, got)
		}
	}
}
