package collect

import (
	"context"
	"strings"
	"testing"
)

// Every bundle holds report.html, listed in the manifest, rendered from redacted data only:
// the collector error that names a URL password reaches the page redacted.
func TestRunWritesReport(t *testing.T) {
	s := testSpec(t, "")
	req := baseRequest(t, s, "token=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789\n")
	res, err := Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	listed := false
	for _, f := range res.Manifest.Files {
		listed = listed || f.Path == "report.html"
	}
	if !listed {
		t.Error("report.html is not in the manifest")
	}
	page := string(bundleFiles(t, res.Path)["report.html"])
	for _, want := range []string{"<!DOCTYPE html>", "ticket 4821", "network.fake", "[REDACTED:"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	for _, secret := range []string{"ErrPw-77x1", "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"} {
		if strings.Contains(page, secret) {
			t.Errorf("report.html holds %s", secret)
		}
	}
}
