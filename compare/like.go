package compare

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/spec"
)

// LikeSource is the spec source kind of a collection run with another bundle's spec
// (manifest spec.source: "bundle").
const LikeSource = "bundle"

// literalMarker is what a bundle's spec.yaml holds in place of each literal secret.
var literalMarker = regexp.MustCompile(`^\[REDACTED:[a-z0-9.-]+\]$`)

// LikeSpec reads the effective spec of the bundle at p (archive or unpacked folder, through the
// bundle package's safe reader), so that the same collection runs on this machine (casefile
// collect --like). The spec was redacted when the bundle was made: literal secrets are markers
// and are dropped (the values are gone; a marker would only redact itself); a URL's password
// stays a marker, which the spec accepts and which is sent as it is; command arguments stay as
// they were recorded.
func LikeSpec(p string) (*spec.Spec, []byte, spec.Source, error) {
	var raw []byte
	found := false
	_, err := bundle.Walk(p, bundle.DefaultReadLimits, func(e bundle.Entry, r io.Reader) error {
		if e.Name != "spec.yaml" {
			return nil
		}
		b, err := io.ReadAll(io.LimitReader(r, spec.MaxSpecSize+1))
		if err != nil {
			return err
		}
		if len(b) > spec.MaxSpecSize {
			return fmt.Errorf("spec.yaml: %w", spec.ErrTooLarge)
		}
		raw, found = b, true
		return nil
	})
	src := spec.Source{Kind: LikeSource, Name: p + ": spec.yaml"}
	if err != nil {
		return nil, nil, src, fmt.Errorf("--like %s: %w", p, err)
	}
	if !found {
		return nil, nil, src, errors.New("--like " + p + ": the bundle has no spec.yaml")
	}
	s, err := spec.Parse(src.Name, raw)
	if err != nil {
		return nil, nil, src, err
	}
	kept := s.Redact.Literals[:0]
	for _, l := range s.Redact.Literals {
		if !literalMarker.MatchString(l) {
			kept = append(kept, l)
		}
	}
	s.Redact.Literals = kept
	for i := range s.Network.HTTP {
		s.Network.HTTP[i].URL = escapeUserinfo(s.Network.HTTP[i].URL)
	}
	return s, raw, src, nil
}

// escapeUserinfo percent-encodes the brackets of a redaction marker in a URL's user:password
// part ("https://u:[REDACTED:url-password]@host/"), which URL parsers refuse there. The check
// then sends the marker as the password, as it stands in the bundle: the reproduction does not
// know the customer's password, and the server says so (401) rather than the check failing to
// parse its URL.
func escapeUserinfo(u string) string {
	i := strings.Index(u, "://")
	if i < 0 {
		return u
	}
	rest := u[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return u
	}
	info := strings.NewReplacer("[", "%5B", "]", "%5D").Replace(rest[:at])
	return u[:i+3] + info + rest[at:]
}
