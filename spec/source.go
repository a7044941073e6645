package spec

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
)

// MaxSpecSize caps a spec read from a file or URL.
const MaxSpecSize = 1 << 20

//go:embed default.yaml
var defaultSpec []byte

// embedded is set by a build-tagged file when a vendor spec is compiled in (make build SPEC=...).
var embedded []byte

// DefaultYAML returns the built-in default spec text.
func DefaultYAML() []byte { return defaultSpec }

// Default returns the built-in default spec: system facts only, nothing that touches the network.
func Default() *Spec {
	s, err := Parse("built-in default spec", defaultSpec)
	if err != nil {
		panic(err) // covered by tests
	}
	return s
}

// Source says where the effective spec came from.
type Source struct {
	Kind string `json:"kind"` // file, url, embedded, default
	Name string `json:"name"`
}

// Load resolves the effective spec: ref (a file path or an http(s) URL) when given, else the
// spec embedded at build time, else the built-in default.
func Load(ctx context.Context, ref string) (*Spec, []byte, Source, error) {
	var (
		data []byte
		src  Source
		err  error
	)
	switch {
	case strings.HasPrefix(ref, "https://") || strings.HasPrefix(ref, "http://"):
		src = Source{Kind: "url", Name: RedactURL(ref)}
		if err = checkSpecURL(ref); err == nil {
			data, err = fetch(ctx, ref)
		}
	case ref == "-":
		src = Source{Kind: "file", Name: "<stdin>"}
		data, err = readCapped(os.Stdin, "<stdin>")
	case strings.Contains(ref, "://"):
		return nil, nil, Source{Kind: "url", Name: RedactURL(ref)}, fmt.Errorf("spec %s: unsupported URL scheme (want https://)", RedactURL(ref))
	case ref != "":
		src = Source{Kind: "file", Name: ref}
		var f *os.File
		if f, err = os.Open(ref); err == nil {
			data, err = readCapped(f, ref)
			f.Close()
		}
	case embedded != nil:
		src, data = Source{Kind: "embedded", Name: "embedded spec"}, embedded
	default:
		src, data = Source{Kind: "default", Name: "built-in default spec"}, defaultSpec
	}
	if err != nil {
		return nil, nil, src, err
	}
	s, err := Parse(src.Name, data)
	if err != nil {
		return nil, nil, src, err
	}
	return s, data, src, nil
}

func readCapped(r io.Reader, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSpecSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading spec %s: %w", name, err)
	}
	if len(data) > MaxSpecSize {
		return nil, fmt.Errorf("spec %s: %w (over %d bytes)", name, ErrTooLarge, MaxSpecSize)
	}
	return data, nil
}

// checkSpecURL refuses plain http except to this machine: a spec names commands to run, so one
// fetched in clear over a network could be swapped by anyone on the path.
func checkSpecURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("spec URL %q: not a valid URL", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
		return fmt.Errorf("spec URL %s: plain http is refused (a spec can run commands); use https://", RedactURL(raw))
	}
	return fmt.Errorf("spec URL %q: want https://", raw)
}

var specClient = &http.Client{
	CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return fmt.Errorf("too many redirects")
		}
		return checkSpecURL(req.URL.String())
	},
}

func fetch(ctx context.Context, u string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("spec URL %s: %w", RedactURL(u), err)
	}
	resp, err := specClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching spec %s: %s", RedactURL(u), RedactURL(err.Error()))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching spec %s: HTTP %s", RedactURL(u), resp.Status)
	}
	return readCapped(resp.Body, RedactURL(u))
}

// urlPasswordMarker stands for a URL's password in messages, in the product's marker form.
const urlPasswordMarker = "[REDACTED:url-password]"

// userinfoRE matches a URL's password inside free text (an error message, an unparsable URL).
var userinfoRE = regexp.MustCompile(`(://[^/@\s:]*):[^/@\s]*@`)

// RedactURL hides a URL's password (anywhere in s) for messages. A string that is one URL goes
// through url.URL.Redacted, which knows where the userinfo ends; its "xxxxx" becomes the
// product's marker. Free text and what does not parse fall back to userinfoRE, so a password in
// a malformed URL is hidden too.
func RedactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.Host != "" && !strings.ContainsAny(s, " \t\r\n") {
		if _, ok := u.User.Password(); !ok {
			return s
		}
		// The user name is escaped in Redacted's output, so the first ":xxxxx@" is the password.
		return strings.Replace(u.Redacted(), ":xxxxx@", ":"+urlPasswordMarker+"@", 1)
	}
	return userinfoRE.ReplaceAllString(s, "$1:"+urlPasswordMarker+"@")
}
