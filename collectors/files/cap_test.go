package files

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/spec"
)

// stageRun runs c against a real bundle stage with the given limits and returns the manifest's
// file entries of the collector, its error and problems, and a reader of staged files.
func stageRun(t *testing.T, c collectors.Collector, limits bundle.Limits) (files []bundle.FileEntry, err error, problems []string, read func(string) []byte) {
	t.Helper()
	st, serr := bundle.NewStage(t.TempDir(), engine(t), limits)
	if serr != nil {
		t.Fatal(serr)
	}
	t.Cleanup(func() { st.Cleanup() })
	sink := st.Sink(c)
	err = c.Collect(context.Background(), sink)
	_, problems = sink.Finish(true)
	for _, f := range st.Files() {
		if f.Collector == c.Name() {
			files = append(files, f)
		}
	}
	read = func(p string) []byte {
		f, oerr := st.Open(p)
		if oerr != nil {
			return nil
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		return b
	}
	return files, err, problems, read
}

// folderOf makes n files of size bytes each (text lines) under <root>/data/big.
func folderOf(t *testing.T, n, size int) string {
	root := t.TempDir()
	line := strings.Repeat("x", 99) + "\n"
	for i := range n {
		writeFile(t, root, fmt.Sprintf("data/big/f%02d.txt", i), []byte(strings.Repeat(line, size/100)))
	}
	return root
}

// The repro was 30 × 10 MB files under the default caps (10 MiB a file, 100 MiB a collector):
// the same path is taken here with 30 × 64,000-byte files under 64 KiB and 640 KiB caps. Files
// that do not fit are listed in the index as left out (no empty placeholders), the index is
// always written, and the collector says what was left out.
func TestFolderAtTheCollectorCap(t *testing.T) {
	root := folderOf(t, 30, 64000)
	limits := bundle.Limits{MaxFileSize: 64 << 10, MaxCollectorSize: 640 << 10, MaxBundleSize: 100 << 20}
	withSpec := func() collectors.Collector {
		s := &spec.Spec{Collectors: spec.CollectorsCfg{MaxFileSize: spec.Size(limits.MaxFileSize), MaxCollectorSize: spec.Size(limits.MaxCollectorSize)}}
		cs, _ := Collectors(collectors.Options{Spec: s, Root: root, Add: []string{"/data/big"}})
		return cs[0]
	}
	// Without the spec's caps the collector learns the room from the sink alone.
	noSpec := func() collectors.Collector {
		return &Collector{name: "files.added", folder: "added", patterns: []string{"/data/big"}, root: root, literal: true}
	}
	for name, mk := range map[string]func() collectors.Collector{"spec": withSpec, "sink": noSpec} {
		t.Run(name, func(t *testing.T) {
			files, err, problems, read := stageRun(t, mk(), limits)
			if !collectors.IsPartial(err) || !strings.Contains(err.Error(), "size cap") {
				t.Errorf("Collect = %v, want partial saying files were left out at the cap", err)
			}
			if len(problems) > 0 {
				t.Errorf("the stage had to cut or drop files: %q", problems)
			}
			var total int64
			haveIndex := false
			copied := map[string]bool{}
			for _, f := range files {
				total += f.Size
				if f.Path == "files/added/index.json" {
					haveIndex = true
					continue
				}
				copied[f.Path] = true
				if f.Size == 0 {
					t.Errorf("zero-byte placeholder %s", f.Path)
				}
				if f.Truncated && f.BytesKept == 0 {
					t.Errorf("%s truncated with bytes_kept 0: %+v", f.Path, f)
				}
			}
			if !haveIndex {
				t.Fatalf("files/added/index.json left out; files: %d", len(files))
			}
			if total > limits.MaxCollectorSize {
				t.Errorf("collector wrote %d bytes, cap %d", total, limits.MaxCollectorSize)
			}
			var idx []Record
			if err := json.Unmarshal(read("files/added/index.json"), &idx); err != nil {
				t.Fatal(err)
			}
			left := 0
			for _, r := range idx {
				switch {
				case r.Bundle != "":
					if !copied[r.Bundle] {
						t.Errorf("index names %s, not in the bundle", r.Bundle)
					}
					delete(copied, r.Bundle)
				case r.Skipped == SkipCap:
					left++
				default:
					t.Errorf("record %+v", r)
				}
			}
			if len(copied) > 0 {
				t.Errorf("files not in the index: %v", copied)
			}
			if left < 15 || left+len(idx)-left != 30 || len(files)-1+left != 30 {
				t.Errorf("%d records, %d left out, %d files copied", len(idx), left, len(files)-1)
			}
		})
	}
}

// When even the records of a folder's files do not fit under the caps, the index lists the first
// ones, the rest are neither copied nor listed, and one record and the collector's error say so.
func TestIndexIsBounded(t *testing.T) {
	root := t.TempDir()
	for i := range 200 {
		writeFile(t, root, fmt.Sprintf("data/many/f%03d.conf", i), []byte("k = v\n"))
	}
	limits := bundle.Limits{MaxFileSize: 8 << 10, MaxCollectorSize: 32 << 10, MaxBundleSize: 1 << 20}
	s := &spec.Spec{Collectors: spec.CollectorsCfg{MaxFileSize: spec.Size(limits.MaxFileSize), MaxCollectorSize: spec.Size(limits.MaxCollectorSize)}}
	cs, _ := Collectors(collectors.Options{Spec: s, Root: root, Add: []string{"/data/many"}})
	files, err, problems, read := stageRun(t, cs[0], limits)
	if !collectors.IsPartial(err) || !strings.Contains(err.Error(), "index.json reached its size bound") {
		t.Errorf("Collect = %v", err)
	}
	if len(problems) > 0 {
		t.Errorf("stage problems %q", problems)
	}
	var idx []Record
	if err := json.Unmarshal(read("files/added/index.json"), &idx); err != nil {
		t.Fatalf("index: %v (files %d)", err, len(files))
	}
	last := idx[len(idx)-1]
	listed := len(idx) - 1
	if listed < 5 || listed >= 200 || !strings.Contains(last.Skipped, fmt.Sprintf("this and %d more", 200-listed-1)) {
		t.Errorf("%d listed, last record %+v", listed, last)
	}
	if len(files) != listed+1 {
		t.Errorf("%d files in the bundle, %d listed", len(files), listed)
	}
}

// A truncated record always carries bytes_kept and bytes_seen, also when one is 0; others do not.
func TestRecordKeptZeroIsWritten(t *testing.T) {
	b, _ := json.Marshal(Record{Source: "/x", Truncated: true, Kept: 0, Seen: 10})
	if !strings.Contains(string(b), `"bytes_kept":0`) || !strings.Contains(string(b), `"bytes_seen":10`) {
		t.Errorf("%s", b)
	}
	b, _ = json.Marshal(Record{Source: "/x", Size: 3})
	if strings.Contains(string(b), "bytes_") {
		t.Errorf("%s", b)
	}
	var r Record
	if err := json.Unmarshal([]byte(`{"source":"/x","truncated":true,"bytes_kept":5,"bytes_seen":9}`), &r); err != nil || r.Kept != 5 || r.Seen != 9 {
		t.Errorf("%+v %v", r, err)
	}
}

// An empty file is copied as the empty file it is (not a placeholder: nothing was left out).
func TestEmptyFileIsCopied(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "etc/empty.conf", nil)
	c := &Collector{name: "files.added", folder: "added", patterns: []string{"/etc/empty.conf"}, root: root, literal: true}
	files, err, problems, read := stageRun(t, c, bundle.Limits{MaxFileSize: 1 << 20})
	if err != nil || len(problems) > 0 || len(files) != 2 {
		t.Fatalf("Collect = %v, problems %q, files %+v", err, problems, files)
	}
	var idx []Record
	json.Unmarshal(read("files/added/index.json"), &idx)
	if len(idx) != 1 || idx[0].Bundle != "files/added/etc/empty.conf" || idx[0].Truncated || idx[0].Skipped != "" {
		t.Errorf("index %+v", idx)
	}
}
