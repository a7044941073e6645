package desk

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// secretEncodings are the forms in which a desk (or a proxy or WAF in front of it) may echo a
// secret in an error body: JSON-escaped (with and without HTML escaping), HTML-escaped in two
// styles, percent-encoded for a query or a path, and in a basic-auth header.
func secretEncodings(user, secret string) map[string]string {
	jsonOf := func(html bool) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		enc.Encode(secret)
		return strings.TrimSuffix(strings.TrimSpace(b.String()), `"`)[1:]
	}
	return map[string]string{
		"raw":           secret,
		"json":          jsonOf(true),
		"json-nohtml":   jsonOf(false),
		"json-slash":    strings.ReplaceAll(jsonOf(false), "/", `\/`),
		"html":          html.EscapeString(secret),
		"html-named":    strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;").Replace(secret),
		"query":         url.QueryEscape(secret),
		"path":          url.PathEscape(secret),
		"basic":         base64.StdEncoding.EncodeToString([]byte(user + ":" + secret)),
		"basic-zendesk": base64.StdEncoding.EncodeToString([]byte(user + "/token:" + secret)),
	}
}

// Whatever form a desk echoes the secret in, it reaches no reason, state or log line. Each
// connector, with a secret holding every character that encodings change, against a desk that
// refuses each request with a body echoing the secret in one form.
func TestSecretEchoedInAnyEncodingIsScrubbed(t *testing.T) {
	const user = "agent@example.com"
	secret := `S3cr&t<x>"q'\/+ =%z9` + secretFor(t)
	forms := secretEncodings(user, secret)
	for _, kind := range []string{KindRT, KindZendesk, KindJira} {
		for name, form := range forms {
			t.Run(kind+"/"+name, func(t *testing.T) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "text/html")
					w.WriteHeader(http.StatusBadRequest)
					if kind == KindZendesk {
						// Zendesk's envelope: details are shown as the desk sent them.
						w.Header().Set("Content-Type", "application/json")
						w.Write([]byte(`{"error":"RecordInvalid","details":{"auth":"` + form + `"}}`))
						return
					}
					w.Write([]byte("<p>denied: " + form + "</p>"))
				}))
				defer srv.Close()
				cfg := Config{Kind: kind, URL: srv.URL, User: user, TokenEnv: "DESK_SECRET"}
				if kind == KindRT {
					cfg.TokenEnv, cfg.PasswordEnv = "", "DESK_SECRET"
				}
				ticket := "4821"
				if kind == KindJira {
					ticket = "SUP-1"
				}
				c, err := New(cfg, envWith("DESK_SECRET", secret))
				if err != nil {
					t.Fatal(err)
				}
				r := deliverOnce(t, c, ticket, 0, "")
				if r.final.Status != StatusFailed || !strings.Contains(r.final.Reason, "HTTP 400") {
					t.Fatalf("final %+v", r.final)
				}
				texts := append([]string{r.logs, r.final.Reason, r.final.String()}, r.saved...)
				for _, text := range texts {
					for fname, f := range forms {
						if strings.Contains(text, f) {
							t.Errorf("the secret (%s form) is in %q", fname, text)
						}
					}
				}
			})
		}
	}
}

// A desk URL refused for holding a query or fragment (where someone may have put a token) is
// not repeated whole in the error.
func TestDeskURLErrorHidesQuery(t *testing.T) {
	for _, u := range []string{
		"https://acme.zendesk.com/?api_token=SeCrEt-in-query",
		"https://acme.zendesk.com/api#SeCrEt-in-fragment",
		"http://desk.example/?SeCrEt-in-query",
		"ftp://desk.example/?token=SeCrEt-in-query",
		"https://:SeCrEt-in-userinfo@desk.example/",
	} {
		err := ValidURL(u)
		if err == nil {
			t.Fatalf("%s accepted", u)
		}
		if strings.Contains(err.Error(), "SeCrEt") {
			t.Errorf("%s: the error shows it: %v", u, err)
		}
		_, err = New(Config{Kind: KindZendesk, URL: u, User: "a@b", TokenEnv: "T"}, envWith("T", "x"))
		if err == nil || strings.Contains(err.Error(), "SeCrEt") {
			t.Errorf("New with %s: %v", u, err)
		}
	}
}
