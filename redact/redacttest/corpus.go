package redacttest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Label is one line of a labeled redaction corpus (labels.jsonl): a planted secret or a benign
// look-alike in one of the corpus's files.
type Label struct {
	File  string `json:"file"`
	Kind  string `json:"kind"`
	Class string `json:"class"` // "secret" or "benign"
	Core  string `json:"core"`
}

// ReadLabels reads corpus/labels.jsonl.
func ReadLabels(corpus string) ([]Label, error) {
	f, err := os.Open(filepath.Join(corpus, "labels.jsonl"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var labels []Label
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var l Label
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("labels.jsonl:%d: %w", n, err)
		}
		labels = append(labels, l)
	}
	return labels, sc.Err()
}

// Leaked mirrors the corpus scorer (score.py): the core, or any 12-byte window of a core longer
// than 16 bytes, is still in text.
func Leaked(core, text string) bool {
	if strings.Contains(text, core) {
		return true
	}
	if len(core) > 16 {
		for i := 0; i+12 <= len(core); i++ {
			if strings.Contains(text, core[i:i+12]) {
				return true
			}
		}
	}
	return false
}
