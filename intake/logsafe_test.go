package intake

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A token pasted into a tus address (/files/<token>) does not reach the log: the guard logs
// an upload id tusd makes, anything else by its length, and tusd's own lines are cleaned the
// same way. Each address is requested without a token (refused by the guard), with the token
// of another ticket (refused) and with a valid one (passed to tusd).
func TestTusPathTokensNotLogged(t *testing.T) {
	ts := newTestServer(t, nil)
	tok := ts.token(t, "4821", time.Hour, 0)
	other := ts.token(t, "9999", time.Hour, 0)
	inPath := ts.token(t, "5555", time.Hour, 0)
	data := realBundle(t)
	loc := upload(t, ts, tok, data, bundleMeta(data, "4821"))
	ts.waitFiled(t)
	realID := loc[strings.LastIndex(loc, "/")+1:]

	secrets := []string{inPath, "cfe1.eyJlbmdpbmVlciI6ImFsaWNlIn0.c2VjcmV0LXNpZ25hdHVyZQ",
		"cfh1.eyJpZCI6Imgtd2ViMDEifQ.ZW5yb2xsLXNpZ25hdHVyZQ", strings.Repeat("s3cr3tV4lu3", 20)}
	paths := append([]string{}, secrets...)
	paths = append(paths, "0123456789abcdef0123456789abcdef+"+inPath, "notes/"+inPath)
	for _, p := range paths {
		for _, auth := range []string{"", other, tok} {
			for _, method := range []string{http.MethodHead, http.MethodPatch, http.MethodDelete, http.MethodGet} {
				var body *bytes.Reader
				if method == http.MethodPatch {
					body = bytes.NewReader([]byte("x"))
				} else {
					body = bytes.NewReader(nil)
				}
				req, _ := http.NewRequest(method, ts.url+p, body)
				req.Header.Set("Tus-Resumable", "1.0.0")
				if method == http.MethodPatch {
					req.Header.Set("Upload-Offset", "0")
					req.Header.Set("Content-Type", "application/offset+octet-stream")
				}
				resp, _ := do(t, req, auth)
				if resp.StatusCode < 400 {
					t.Errorf("%s %s: %d", method, p, resp.StatusCode)
				}
			}
		}
	}
	// A real upload id is logged whole: a HEAD of it with another ticket's token is refused.
	req, _ := http.NewRequest(http.MethodHead, loc, nil)
	req.Header.Set("Tus-Resumable", "1.0.0")
	do(t, req, other)

	logs := ts.logs.String()
	t.Logf("%d log lines, %d of them tusd's", strings.Count(logs, "\n"), strings.Count(logs, `"component":"tusd"`))
	for _, s := range append(secrets, "cf1.", "cfe1.", "cfh1.", "s3cr3t") {
		if strings.Contains(logs, s) {
			t.Errorf("the log holds %.20s…:\n%s", s, logs)
		}
	}
	for _, want := range []string{`"upload":"[not an upload id, `, `"upload":"0123456789abcdef0123456789abcdef+…"`, `"upload":"` + realID + `"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %s:\n%s", want, logs)
		}
	}
}

func TestLogUploadID(t *testing.T) {
	for id, want := range map[string]string{
		"":                                   "",
		"0123456789abcdef0123456789abcdef":   "0123456789abcdef0123456789abcdef",
		"0123456789abcdef0123456789abcdef+x": "0123456789abcdef0123456789abcdef+…",
		"cf1.abc.def":                        "[not an upload id, 11 bytes]",
		"0123456789ABCDEF0123456789abcdef":   "[not an upload id, 32 bytes]",
		"0123456789abcdef0123456789abcdef/x": "[not an upload id, 34 bytes]",
	} {
		if got := logUploadID(id); got != want {
			t.Errorf("logUploadID(%q) = %q, want %q", id, got, want)
		}
	}
	if got := tusLogValue("message", `open /var/x/cfe1.abc.def: no such file`); got != "open /var/x/[token]: no such file" {
		t.Errorf("tusLogValue(message) = %q", got)
	}
}
