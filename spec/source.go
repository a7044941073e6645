package spec

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"net/http"
	"os"
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
		src = Source{Kind: "url", Name: ref}
		data, err = fetch(ctx, ref)
	case ref == "-":
		src = Source{Kind: "file", Name: "<stdin>"}
		data, err = readCapped(os.Stdin, "<stdin>")
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

func fetch(ctx context.Context, u string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("spec URL %s: %w", u, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching spec: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching spec %s: HTTP %s", u, resp.Status)
	}
	return readCapped(resp.Body, u)
}
