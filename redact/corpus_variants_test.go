package redact

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casefile/casefile/redact/redacttest"
)

// TestDevCorpusVariants re-wraps the dev corpus the way other collectors and platforms would
// deliver the same content: CRLF line endings, every line as a JSON log record (journald,
// container runtimes), a syslog prefix on every line, and UTF-16 (Windows tools). Recall and
// benign_kept must hold for each.
func TestDevCorpusVariants(t *testing.T) {
	corpus := corpusDir(t, "redaction-dev")
	files, _ := filepath.Glob(filepath.Join(corpus, "files", "*"))
	raw := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		raw[filepath.Base(f)] = string(b)
	}
	labels, err := redacttest.ReadLabels(corpus)
	if err != nil {
		t.Fatal(err)
	}

	perLine := func(s string, f func(string) string) string {
		lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
		for i, l := range lines {
			lines[i] = f(l)
		}
		return strings.Join(lines, "\n") + "\n"
	}
	jsonEsc := func(s string) string {
		b, _ := json.Marshal(s)
		return string(b[1 : len(b)-1])
	}
	variants := []struct {
		name string
		wrap func(string) string
		core func(string) string // how a core appears after wrapping
	}{
		{"crlf", func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }, nil},
		{"json-lines", func(s string) string {
			n := 0
			return perLine(s, func(l string) string {
				n++
				return fmt.Sprintf(`{"ts":"2026-11-27T10:00:%02d.000Z","stream":"stdout","log":"%s"}`, n%60, jsonEsc(l))
			})
		}, jsonEsc},
		{"syslog-prefix", func(s string) string {
			n := 0
			return perLine(s, func(l string) string {
				n++
				return fmt.Sprintf("Nov 27 10:00:%02d host-7 agent[%d]: %s", n%60, 7+(n*37)%12000, l)
			})
		}, nil},
		{"utf16", func(s string) string { return string(utf16le(s, true)) }, nil},
	}
	e, _ := New(Config{})
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			out := map[string]string{}
			for name, text := range raw {
				out[name] = chunkWrite(t, e, v.wrap(text), []int{4093})
			}
			var secrets, leaks, benign, destroyed int
			var examples []string
			for _, l := range labels {
				core := l.Core
				if v.core != nil {
					core = v.core(core)
				}
				text := out[l.File]
				if l.Class == "secret" {
					secrets++
					if redacttest.Leaked(core, text) {
						leaks++
						if len(examples) < 10 {
							examples = append(examples, l.Kind+": "+context(text, core))
						}
					}
				} else {
					benign++
					if !strings.Contains(text, core) {
						destroyed++
						if len(examples) < 20 {
							examples = append(examples, "destroyed "+l.Kind+": "+core)
						}
					}
				}
			}
			recall := 1 - float64(leaks)/float64(secrets)
			kept := 1 - float64(destroyed)/float64(benign)
			t.Logf("%s: recall=%.4f (%d leaked) benign_kept=%.4f (%d destroyed)", v.name, recall, leaks, kept, destroyed)
			if recall < 0.995 || kept < 0.99 {
				for _, ex := range examples {
					t.Log(ex)
				}
				t.Fatalf("%s below the bar", v.name)
			}
		})
	}
}
