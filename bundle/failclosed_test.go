package bundle

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/redact"
)

// The stage redacts the manifest's free text itself, whoever filled it in, and redaction.json
// counts those redactions too.
func TestStageRedactsManifest(t *testing.T) {
	eng, err := redact.New(redact.Config{Literals: []string{"Tick3tSecret"}})
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
	w, _ := sk.Create("files/test/a.txt")
	io.WriteString(w, "plain\n")
	w.Close()
	kept, _ := sk.Finish(true)
	m := &Manifest{SchemaVersion: SchemaVersion, BundleID: testID, CreatedAt: created, Host: "h1", Format: "tar.gz",
		Ticket: "4821 Tick3tSecret",
		Collectors: []collectors.Result{{Name: "files.test", Family: "files", Status: collectors.StatusFailed, Start: created, Files: kept,
			Error: "GET https://bob:Err0rPassw0rd@api.example.test/ failed; password=Hunter2Hunter2"}}}
	p, err := st.Write(context.Background(), m, dir)
	if err != nil {
		t.Fatal(err)
	}
	var man, rep []byte
	_, err = Walk(p, DefaultReadLimits, func(e Entry, r io.Reader) error {
		b, err := io.ReadAll(r)
		switch e.Name {
		case "manifest.json":
			man = b
		case "redaction.json":
			rep = b
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"Tick3tSecret", "Err0rPassw0rd", "Hunter2Hunter2"} {
		if strings.Contains(string(man), secret) || strings.Contains(p, secret) {
			t.Errorf("manifest or bundle name holds %q", secret)
		}
	}
	var r redact.Report
	if err := json.Unmarshal(rep, &r); err != nil {
		t.Fatal(err)
	}
	if r.ByFile["manifest.json"] == nil || r.Total < 3 {
		t.Errorf("redaction.json does not count the manifest's redactions: %+v", r)
	}
	var mm Manifest
	json.Unmarshal(man, &mm)
	if mm.Redaction.Total != r.Total {
		t.Errorf("manifest total %d, redaction.json %d", mm.Redaction.Total, r.Total)
	}
	exempt := map[string]bool{}
	for _, e := range mm.RawExemptions {
		exempt[e.Path] = true
	}
	if len(exempt) != 2 || !exempt["manifest.json"] || !exempt["redaction.json"] {
		t.Errorf("raw exemptions %v, want manifest.json and redaction.json only", mm.RawExemptions)
	}
}

// Whatever the redactor makes of a path named after a secret, the raw name is never stored nor
// echoed in an error (safePath leaves a file out when its redacted name is no valid path).
func TestStageDropsUnredactablePath(t *testing.T) {
	eng, err := redact.New(redact.Config{Literals: []string{"secretdir"}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := NewStage(t.TempDir(), eng, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Cleanup()
	sk := st.Sink(namedCollector{"files.test", "files"})
	for _, name := range []string{"files/test/secretdir/x.txt", "files/test/password=hunter2hunter2/x.txt"} {
		w, err := sk.Create(name)
		if err != nil {
			if strings.Contains(err.Error(), "secretdir") || strings.Contains(err.Error(), "hunter2hunter2") {
				t.Errorf("error text holds the raw name: %v", err)
			}
			continue
		}
		io.WriteString(w, "x\n")
		w.Close()
	}
	files, _ := sk.Finish(true)
	for _, f := range files {
		if strings.Contains(f, "secretdir") || strings.Contains(f, "hunter2hunter2") {
			t.Errorf("stored under a raw name: %s", f)
		}
	}
}

func TestFileEntryTruncationFields(t *testing.T) {
	b, _ := json.Marshal(FileEntry{Path: "a", Truncated: true, BytesKept: 0, BytesSeen: 10})
	if !strings.Contains(string(b), `"bytes_kept":0`) || !strings.Contains(string(b), `"bytes_seen":10`) {
		t.Errorf("truncated entry: %s", b)
	}
	b, _ = json.Marshal(FileEntry{Path: "a"})
	if strings.Contains(string(b), "bytes_kept") {
		t.Errorf("whole entry: %s", b)
	}
	var back FileEntry
	json.Unmarshal([]byte(`{"path":"a","truncated":true,"bytes_kept":0,"bytes_seen":10}`), &back)
	if !back.Truncated || back.BytesSeen != 10 {
		t.Errorf("round trip %+v", back)
	}
}

// A JSON document larger than the file cap is left out whole, never cut into invalid JSON.
func TestStageDropsJSONCutByFileCap(t *testing.T) {
	eng, _ := redact.New(redact.Config{})
	st, err := NewStage(t.TempDir(), eng, Limits{MaxFileSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Cleanup()
	sk := st.Sink(namedCollector{"files.test", "files"})
	big := map[string]string{}
	for i := 0; i < 50; i++ {
		big[strings.Repeat("k", i+1)] = "value"
	}
	if err := sk.WriteJSON("files/test/big.json", big); err != nil {
		t.Fatal(err)
	}
	w, _ := sk.Create("files/test/big.txt")
	io.WriteString(w, strings.Repeat("line\n", 100))
	w.Close()
	files, problems := sk.Finish(true)
	for _, f := range files {
		if f == "files/test/big.json" {
			t.Error("a cut JSON document was kept")
		}
	}
	if len(problems) != 1 || !strings.Contains(problems[0], "big.json left out") {
		t.Errorf("problems %q", problems)
	}
	kept := false
	for _, f := range files {
		kept = kept || f == "files/test/big.txt"
	}
	if !kept {
		t.Error("a text file over the cap is kept cut, not dropped")
	}
}
