package files

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/collectors/collectorstest"
)

// The collector's error lists at most 20 problems, each at most 300 characters, then how many
// more; index.json keeps every one in full.
func TestErrorTextIsCapped(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "f"), []byte("x"), 0o644)
	long := "/f/" + strings.Repeat("é", 400) // a path under a regular file: "not a directory"
	pats := []string{long}
	for i := range 99 {
		pats = append(pats, fmt.Sprintf("/f/child%02d", i))
	}
	c := &Collector{name: "files.added", folder: "added", patterns: pats, root: root, literal: true}
	sink := &collectorstest.Sink{Family: "files"}
	err := c.Collect(context.Background(), sink)
	if err == nil || collectors.IsPartial(err) {
		t.Fatalf("Collect = %v, want failed", err)
	}
	msg := err.Error()
	items := strings.Split(msg, "; ")
	if len(items) != 21 || !strings.Contains(items[20], "and 80 more") || !strings.Contains(items[20], "files/added/index.json") {
		t.Errorf("%d items, last %q", len(items), items[len(items)-1])
	}
	for _, it := range items {
		if n := utf8.RuneCountInString(it); n > 300 || !utf8.ValidString(it) {
			t.Errorf("item of %d characters: %q", n, it)
		}
	}
	var idx []Record
	if err := sink.JSON("files/added/index.json", &idx); err != nil {
		t.Fatal(err)
	}
	if len(idx) != 100 || idx[0].Source != long || !strings.Contains(idx[0].Error, "not a directory") {
		t.Errorf("index: %d records, first %+v", len(idx), idx[0])
	}

	// A skip names the patterns, as many as fit.
	pats = nil
	for i := range 500 {
		pats = append(pats, fmt.Sprintf("/nothing/here/%03d/*.log", i))
	}
	c = &Collector{name: "files.x", folder: "x", patterns: pats, root: root}
	err = c.Collect(context.Background(), &collectorstest.Sink{Family: "files"})
	if !collectors.IsSkip(err) || len(err.Error()) > 2000 {
		t.Errorf("skip of %d bytes: %.200s", len(err.Error()), err)
	}
}
