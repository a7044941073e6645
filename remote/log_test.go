package remote

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The log stays within twice its bound: past it the file moves to .1 and begins again; reading
// gives the older file's entries first; a torn last line (a crash mid-write) is skipped.
func TestEventLogBounded(t *testing.T) {
	dir := t.TempDir()
	l := newEventLog(dir, 1000)
	for i := 0; i < 100; i++ {
		if err := l.append(Entry{Request: "r-" + strings.Repeat("a", 16), Ticket: "4821", Event: EventReceived, Note: strings.Repeat("n", 50)}); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{l.path, l.path + ".1"} {
			if st, err := os.Stat(p); err == nil && st.Size() > 1000 {
				t.Fatalf("%s is %d bytes, bound 1000", p, st.Size())
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, LogFile+".1")); err != nil {
		t.Fatal(err)
	}
	f, _ := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"time":"2026-`)
	f.Close()
	es, err := l.read()
	if err != nil || len(es) < 8 || len(es) > 20 {
		t.Fatalf("%d entries, %v", len(es), err)
	}
}
