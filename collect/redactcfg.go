package collect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/casefile/casefile/redact"
	"github.com/casefile/casefile/spec"
)

// RedactOptions are what a redaction engine is built from: the spec's redact section plus what a
// command line adds. `casefile collect` and `casefile redact` build their engines here, so the
// same input is redacted the same way by both.
type RedactOptions struct {
	Spec   *spec.Spec
	Source spec.Source
	// Extra values from flags.
	Literals, Keys, Disable, Domains []string
	Anonymize                        bool
	AnonymizeMap                     string // key and token map file; its key is reused when it exists
	// This machine's names, pseudonymized when anonymizing.
	Hostname, Username string
	// CommandSecrets makes the values a spec gives commands in sensitive environment variables
	// literals (a command printing its environment would show them bare, with no key beside them).
	CommandSecrets bool
}

// Config returns the redaction config for o.
func (o RedactOptions) Config() (redact.Config, error) {
	s := o.Spec
	if s == nil {
		s = &spec.Spec{}
	}
	cfg := redact.Config{
		Literals:  append(append([]string{}, s.Redact.Literals...), o.Literals...),
		Keys:      append(append([]string{}, s.Redact.Keys...), o.Keys...),
		Disable:   append(append([]string{}, s.Redact.Disable...), o.Disable...),
		Anonymize: s.Redact.Anonymize || o.Anonymize || o.AnonymizeMap != "",
		Domains:   append(append([]string{}, s.Redact.Domains...), o.Domains...),
	}
	for _, r := range s.Redact.Regexes {
		cfg.Regexes = append(cfg.Regexes, redact.Rule{ID: r.ID, Pattern: r.Pattern, File: o.Source.Name, Line: r.Line})
	}
	if cfg.Anonymize {
		if h := o.Hostname; h != "" {
			short, _, _ := strings.Cut(h, ".")
			cfg.Hosts = append(cfg.Hosts, h, short)
		}
		if u := o.Username; u != "" {
			if i := strings.LastIndexByte(u, '\\'); i >= 0 {
				u = u[i+1:] // DOMAIN\user on Windows
			}
			cfg.Users = append(cfg.Users, u)
		}
		if o.AnonymizeMap != "" {
			key, err := readMapKey(o.AnonymizeMap)
			if err != nil {
				return cfg, err
			}
			cfg.AnonymizeKey = key
		}
	}
	if o.CommandSecrets {
		if err := addCommandEnvSecrets(&cfg, s); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// NewEngine builds the redaction engine for o.
func NewEngine(o RedactOptions) (*redact.Engine, error) {
	cfg, err := o.Config()
	if err != nil {
		return nil, err
	}
	return redact.New(cfg)
}

// BuiltinRuleIDs lists the redactor's own rule ids.
func BuiltinRuleIDs() []string {
	var ids []string
	for _, r := range redact.Rules() {
		ids = append(ids, r.ID)
	}
	return ids
}

func readMapKey(path string) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("--anonymize-map: %w", err)
	}
	defer f.Close()
	key, err := redact.ReadTokenMapKey(f)
	if err != nil {
		return nil, fmt.Errorf("--anonymize-map %s: %w", path, err)
	}
	return key, nil
}

func addCommandEnvSecrets(cfg *redact.Config, s *spec.Spec) error {
	probe, err := redact.New(*cfg)
	if err != nil {
		return err
	}
	for _, c := range s.Commands {
		for _, kv := range c.Env {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || len(v) < MinLiteral {
				continue
			}
			if probe.String("spec", k+"="+v) != k+"="+v {
				cfg.Literals = append(cfg.Literals, v)
			}
		}
	}
	return nil
}

// WriteAnonMap writes the key and the token map (mode 0600), keeping the tokens an earlier run
// with the same key recorded, so every bundle made with this map can still be read back. It is
// written to a temporary name and renamed, so a crash never leaves half a map.
func WriteAnonMap(path string, eng *redact.Engine) error { return writeAnonMap(path, eng) }

func writeAnonMap(path string, eng *redact.Engine) error {
	var cur bytes.Buffer
	if err := eng.WriteTokenMap(&cur); err != nil {
		return fmt.Errorf("--anonymize-map: %w", err)
	}
	type tokenMap struct {
		Key    string            `json:"key"`
		Tokens map[string]string `json:"tokens"`
	}
	var m tokenMap
	if err := json.Unmarshal(cur.Bytes(), &m); err != nil {
		return fmt.Errorf("--anonymize-map: %w", err)
	}
	if old, err := os.ReadFile(path); err == nil {
		var prev tokenMap
		if json.Unmarshal(old, &prev) == nil && prev.Key == m.Key {
			for k, v := range prev.Tokens {
				if _, ok := m.Tokens[k]; !ok {
					m.Tokens[k] = v
				}
			}
		}
	}
	out, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(out, '\n'), 0o600); err != nil {
		return fmt.Errorf("--anonymize-map: %w", err)
	}
	return os.Rename(tmp, path)
}
