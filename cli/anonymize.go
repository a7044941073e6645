package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"strings"

	"github.com/casefile/casefile/redact"
)

// setupAnonymize completes an anonymizing redaction config: this machine's host name and the
// current user's name are pseudonymized too, and the key of an existing --anonymize-map file is reused so tokens stay the
// same from run to run on this machine.
func setupAnonymize(cfg *redact.Config, mapPath string) error {
	if !cfg.Anonymize {
		return nil
	}
	// This machine's names: the bundle's name and every file carry the pseudonym instead.
	if h, err := os.Hostname(); err == nil && h != "" {
		short, _, _ := strings.Cut(h, ".")
		cfg.Hosts = append(cfg.Hosts, h, short)
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		name := u.Username
		if i := strings.LastIndexByte(name, '\\'); i >= 0 {
			name = name[i+1:] // DOMAIN\user on Windows
		}
		cfg.Users = append(cfg.Users, name)
	}
	if mapPath == "" {
		return nil
	}
	f, err := os.Open(mapPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--anonymize-map: %w", err)
	}
	defer f.Close()
	key, err := redact.ReadTokenMapKey(f)
	if err != nil {
		return fmt.Errorf("--anonymize-map %s: %w", mapPath, err)
	}
	cfg.AnonymizeKey = key
	return nil
}

// minLiteral is the shortest --redact-literal value accepted.
const minLiteral = 3

// writeAnonMap writes the key and the token map (mode 0600), keeping the tokens an earlier run
// with the same key recorded, so every bundle made with this map can still be read back.
func writeAnonMap(path string, eng *redact.Engine) error {
	var cur bytes.Buffer
	if err := eng.WriteTokenMap(&cur); err != nil {
		return fmt.Errorf("--anonymize-map: %w", err)
	}
	var m struct {
		Key    string            `json:"key"`
		Tokens map[string]string `json:"tokens"`
	}
	if err := json.Unmarshal(cur.Bytes(), &m); err != nil {
		return fmt.Errorf("--anonymize-map: %w", err)
	}
	if old, err := os.ReadFile(path); err == nil {
		var prev struct {
			Key    string            `json:"key"`
			Tokens map[string]string `json:"tokens"`
		}
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
