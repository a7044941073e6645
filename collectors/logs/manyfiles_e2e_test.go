//go:build linux

package logs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The whole-process check of issue 14: `casefile collect --log '<dir>/*.log'` over 100,000 small
// log files keeps peak RSS under 60 MB, collects at most maxSourceFiles of them (the newest),
// records the cut (index and note, status partial), and writes a bundle that `casefile verify`
// accepts. It takes about 20 s (half of it making the files), so it runs when asked (.ci/run does):
//
//	CASEFILE_MANYLOGS=1 go test ./collectors/logs -run TestManyLogFilesWholeProcess -v
func TestManyLogFilesWholeProcess(t *testing.T) {
	switch v := os.Getenv("CASEFILE_MANYLOGS"); v {
	case "1":
	case "0":
		t.Skip("CASEFILE_MANYLOGS=0: the 100,000-file whole-process check was declined explicitly")
	case "":
		// Not a missing requirement: the check is opt-in (20 s); .ci/run asks for it.
		t.Skip("not asked for: set CASEFILE_MANYLOGS=1 to run the 100,000-file whole-process check (.ci/run does)")
	default:
		t.Fatalf("CASEFILE_MANYLOGS=%q: want 1 (run) or 0 (decline)", v)
	}
	if raceEnabled {
		// Not a missing requirement: it measures a separate casefile process built without -race;
		// the plain `go test` pass of the same CI run runs it.
		t.Skip("the 100,000-file check runs in the pass without -race")
	}
	const n = 100_000
	dir := t.TempDir()
	bin := buildCasefile(t, dir)
	logDir := filepath.Join(dir, "d")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	now := time.Now()
	for i := range n {
		p := filepath.Join(logDir, fmt.Sprintf("app-%06d.log", i))
		line := fmt.Sprintf("%s host app[%d]: request ok password=hunter%06d\n", now.Add(-time.Minute).UTC().Format(time.RFC3339), i, i)
		if err := os.WriteFile(p, []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
		// Older files are older: the newest maxSourceFiles must be the ones kept.
		mt := now.Add(-time.Duration(n-i) * time.Second / 10)
		os.Chtimes(p, mt, mt)
	}
	t.Logf("made %d files in %s", n, time.Since(begin).Round(time.Millisecond))

	out := filepath.Join(dir, "out")
	rssFile := filepath.Join(dir, "rss")
	cmd, err := measuredCommand(rssFile, bin, "collect", "--log", filepath.Join(logDir, "*.log"), "--only", "logs.extra", "--out", out, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	begin = time.Now()
	err = cmd.Run()
	took := time.Since(begin)
	if err != nil {
		t.Fatalf("casefile collect: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	rss, err := readRSS(rssFile)
	if err != nil {
		t.Fatal(err)
	}
	var res collectJSON
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("collect --json: %v\n%s", err, stdout.String())
	}
	fi, _ := os.Stat(res.Bundle)
	t.Logf("collect: %s, peak RSS %.1f MB, bundle %d KiB", took.Round(time.Millisecond), float64(rss)/1e6, fi.Size()>>10)
	if rss >= 60e6 {
		t.Errorf("peak RSS %d bytes, want < 60 MB", rss)
	}
	for _, c := range res.Collectors {
		if c.Name != "logs.extra" {
			continue
		}
		if c.Status != "partial" || !strings.Contains(c.Error, fmt.Sprintf("%d of the %d files matched were left out", n-maxSourceFiles, n)) {
			t.Errorf("logs.extra: %s %q, want partial naming the files left out", c.Status, c.Error)
		}
	}

	begin = time.Now()
	vout, err := exec.Command(bin, "verify", res.Bundle).CombinedOutput()
	t.Logf("verify: %s: %s", time.Since(begin).Round(time.Millisecond), strings.TrimSpace(string(vout)))
	if err != nil {
		t.Fatalf("casefile verify refuses the bundle: %v\n%s", err, vout)
	}

	files := readArchive(t, res.Bundle)
	var idx Index
	if err := json.Unmarshal(files[findSuffix(t, files, "logs/extra.json")], &idx); err != nil {
		t.Fatalf("logs/extra.json is not whole JSON: %v", err)
	}
	collected := 0
	for _, e := range idx.Files {
		if e.Status == "collected" {
			collected++
			var k int
			fmt.Sscanf(filepath.Base(e.Source), "app-%06d.log", &k)
			if k < n-maxSourceFiles {
				t.Errorf("%s collected, but newer files were left out", e.Source)
			}
		}
	}
	if idx.FilesMatched != n || collected != maxSourceFiles || idx.Omitted == nil || idx.Omitted.FileLimit != n-maxSourceFiles || idx.MaxTotal <= 0 {
		t.Errorf("index: %d matched, %d collected, omitted %+v, max_total %d", idx.FilesMatched, collected, idx.Omitted, idx.MaxTotal)
	}
	for name, data := range files {
		if bytes.Contains(data, []byte("hunter0")) {
			t.Fatalf("%s holds a planted password", name)
		}
	}
}
