package bundle

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/redact"
)

// The stage refuses files past MaxStagedEntries files and folders (issue 14: with raised caps a
// bundle held more entries than casefile's own verify and inspect accept), so the archive stays
// within the reader's entry limit; the refusal names the limit.
func TestStageEntryLimit(t *testing.T) {
	old := MaxStagedEntries
	MaxStagedEntries = 40
	defer func() { MaxStagedEntries = old }()
	eng, err := redact.New(redact.Config{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	st, err := NewStage(dir, eng, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Cleanup()
	sk := st.Sink(namedCollector{"files.test", "files"})
	made, refused := 0, 0
	for i := range 100 {
		// Each file in its own folder: files and folders both count.
		w, err := sk.Create(fmt.Sprintf("files/test/d%03d/f.txt", i))
		if err != nil {
			if !strings.Contains(err.Error(), "at most 40 files and folders") {
				t.Fatalf("refusal %q does not name the limit", err)
			}
			refused++
			continue
		}
		io.WriteString(w, "x\n")
		w.Close()
		made++
	}
	if made == 0 || refused == 0 {
		t.Fatalf("%d created, %d refused", made, refused)
	}
	kept, _ := sk.Finish(true)
	// casefile's own files are not refused.
	if err := st.WriteJSON("environment.json", map[string]string{"os": "linux"}, "casefile"); err != nil {
		t.Fatal(err)
	}
	m := &Manifest{SchemaVersion: SchemaVersion, BundleID: testID, CreatedAt: created, Host: "h1", Format: "tar.gz",
		Collectors: []collectors.Result{{Name: "files.test", Family: "files", Status: collectors.StatusPartial, Start: created, Files: kept}}}
	p, err := st.Write(context.Background(), m, dir)
	if err != nil {
		t.Fatal(err)
	}
	lim := DefaultReadLimits
	lim.MaxEntries = DefaultReadLimits.MaxEntries - old + MaxStagedEntries // the same margin as the real limits
	c, err := Read(p, lim)
	if err != nil {
		t.Fatalf("the reader refuses the bundle: %v", err)
	}
	if probs := c.Verify(); len(probs) != 0 {
		t.Errorf("verify: %v", probs)
	}
	t.Logf("%d files staged, %d refused", made, refused)
}
