//go:build linux

package logs

import (
	"archive/tar"
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
)

// The whole-process check of issue 5: `casefile collect` over a generated 2 GiB log with planted
// secrets keeps peak RSS under 100 MB, obeys the caps and the window, and ships no secret.
// It writes 2 GiB to the temp dir and takes about a minute, so it runs only when asked:
//
//	CASEFILE_BIGLOG=1 go test ./collectors/logs -run TestBigLogWholeProcess -v
//
// CASEFILE_BIGLOG_SIZE (bytes, default 2GiB) makes a smaller log for a quick try.
// CASEFILE_BIGLOG_THROUGHPUT=1 adds a run with caps large enough to read, redact and compress
// a 400 MiB window, and reports its MB/s.
func TestBigLogWholeProcess(t *testing.T) {
	if os.Getenv("CASEFILE_BIGLOG") == "" {
		t.Skip("set CASEFILE_BIGLOG=1 to run the 2 GiB whole-process check")
	}
	size := int64(2 << 30)
	if v := os.Getenv("CASEFILE_BIGLOG_SIZE"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		size = n
	}
	dir := t.TempDir()
	bin := buildCasefile(t, dir)
	now := time.Now().UTC().Truncate(time.Second)

	begin := time.Now()
	logDir := filepath.Join(dir, "var-log-acme")
	os.MkdirAll(logDir, 0o755)
	secrets, lastLine, lines := generateBigLog(t, filepath.Join(logDir, "big.log"), size, now.Add(-72*time.Hour), now)
	// A small log whose window is cut inside, and a compressed rotation outside the window.
	small := genLines(now.Add(-3*time.Hour), now, 2*time.Second, rfc3339Fmt)
	writeFile(t, logDir, "small.log", small, now, false)
	writeFile(t, logDir, "small.log.1.gz", genLines(now.Add(-6*time.Hour), now.Add(-3*time.Hour), 2*time.Second, rfc3339Fmt), now.Add(-3*time.Hour), true)
	t.Logf("generated %d MiB (%d lines, %d planted secrets) in %s", size>>20, lines, len(secrets), time.Since(begin).Round(time.Millisecond))

	specFile := filepath.Join(dir, "spec.yaml")
	writeSpec(t, specFile, logDir, "")
	out := filepath.Join(dir, "out")
	os.MkdirAll(out, 0o755)
	res, rss, took := runCollect(t, bin, specFile, out)
	t.Logf("collect: %s, peak RSS %.1f MB, status %s", took.Round(time.Millisecond), float64(rss)/1e6, res.Status)
	if rss >= 100e6 {
		t.Errorf("peak RSS %d bytes, want < 100 MB", rss)
	}
	files := readArchive(t, res.Bundle)
	os.Remove(res.Bundle)

	// No planted secret anywhere in the archive.
	for name, data := range files {
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				t.Fatalf("%s contains planted secret %q", name, s)
			}
		}
	}
	// The per-file cap keeps the newest whole lines, recorded in the manifest.
	bigPath := findSuffix(t, files, "logs/acme/"+bundleName(filepath.Join(logDir, "big.log")))
	big := files[bigPath]
	if len(big) > 10<<20 || len(big) < 9<<20 {
		t.Errorf("big.log: %d bytes in the bundle, want just under the 10 MiB cap", len(big))
	}
	if !bytes.HasSuffix(big, []byte(lastLine)) {
		t.Errorf("big.log: the newest line is missing from the kept part")
	}
	if !bytes.Contains(big, []byte("[REDACTED:")) {
		t.Errorf("big.log: no redaction markers in the kept tail (secrets are planted there too)")
	}
	var m struct {
		Files []struct {
			Path      string `json:"path"`
			Truncated bool   `json:"truncated"`
			Kept      int64  `json:"bytes_kept"`
			Seen      int64  `json:"bytes_seen"`
		} `json:"files"`
	}
	if err := json.Unmarshal(files[findSuffix(t, files, "manifest.json")], &m); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range m.Files {
		if strings.HasSuffix(f.Path, "/big.log") {
			found = true
			t.Logf("manifest: %s truncated=%v bytes_kept=%d bytes_seen=%d", f.Path, f.Truncated, f.Kept, f.Seen)
			if !f.Truncated || f.Seen < size/3-(1<<20) || f.Kept > 10<<20 {
				t.Errorf("manifest entry for big.log: %+v, want truncated, a third of the log seen (the 24h window)", f)
			}
		}
	}
	if !found {
		t.Error("big.log not in the manifest")
	}
	// The window: small.log starts at its first line inside the last 24h... of 3h: all of it;
	// with the 1h window of the second source it is cut at the first line of the last hour.
	smallOut := files[findSuffix(t, files, "logs/recent/"+bundleName(filepath.Join(logDir, "small.log")))]
	// The window is relative to the collection time, not to when the log was generated.
	since := res.CreatedAt.Add(-time.Hour)
	first, _ := (&tsParser{loc: time.UTC}).parse(smallOut)
	want := since.Add(-since.Sub(now.Add(-3*time.Hour)) % (2 * time.Second)) // the 2s grid of small.log
	if since.After(want) {
		want = want.Add(2 * time.Second)
	}
	if !first.Equal(want) {
		t.Errorf("small.log with a 1h window starts at %s (%d bytes), want the first line at or after %s, %s", first, len(smallOut), since, want)
	}
	for name := range files {
		if strings.Contains(name, "small.log.1") && strings.Contains(name, "logs/recent/") {
			t.Errorf("%s: a rotation older than the window was collected", name)
		}
	}

	if os.Getenv("CASEFILE_BIGLOG_THROUGHPUT") != "" {
		writeSpec(t, specFile, logDir, "  max_file_size: 400MiB\n  max_collector_size: 500MiB\n")
		res, rss, took := runCollect(t, bin, specFile, out)
		var kept int64
		fi, _ := os.Stat(res.Bundle)
		files := readArchive(t, res.Bundle)
		for name, data := range files {
			if strings.Contains(name, "/logs/acme/") {
				kept += int64(len(data))
			}
		}
		os.Remove(res.Bundle)
		t.Logf("throughput run: %d MiB of logs read, redacted and compressed into a %d MiB archive in %s: %.0f MB/s, peak RSS %.1f MB",
			kept>>20, fi.Size()>>20, took.Round(time.Millisecond), float64(kept)/took.Seconds()/1e6, float64(rss)/1e6)
		if rss >= 100e6 {
			t.Errorf("peak RSS %d bytes, want < 100 MB", rss)
		}
	}
}

func writeSpec(t *testing.T, path, logDir, collectorsExtra string) {
	t.Helper()
	s := fmt.Sprintf(`apiVersion: casefile/v1
kind: Spec
metadata: {name: biglog}
collectors:
  timeout: 5m
%slogs:
  - {name: acme, paths: [%q], since: 24h}
  - {name: recent, paths: [%q], since: 1h}
bundle: {format: tar.gz, max_size: 1GiB}
`, collectorsExtra, filepath.Join(logDir, "big.log*"), filepath.Join(logDir, "small.log*"))
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

type collectJSON struct {
	Bundle     string    `json:"bundle"`
	Status     string    `json:"status"`
	CreatedAt  time.Time `json:"created_at"`
	Collectors []struct {
		Name   string `json:"name"`
		Status string `json:"status"`
		Error  string `json:"error"`
	} `json:"collectors"`
}

func runCollect(t *testing.T, bin, specFile, out string) (collectJSON, int64, time.Duration) {
	t.Helper()
	rssFile := filepath.Join(t.TempDir(), "rss")
	cmd, err := measuredCommand(rssFile, bin, "collect", "--spec", specFile, "--out", out, "--only", "logs.acme,logs.recent", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	begin := time.Now()
	err = cmd.Run()
	took := time.Since(begin)
	if err != nil {
		t.Fatalf("casefile collect: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	var res collectJSON
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("collect --json: %v\n%s", err, stdout.String())
	}
	for _, c := range res.Collectors {
		if c.Status != "ok" {
			t.Errorf("%s: %s %s", c.Name, c.Status, c.Error)
		}
	}
	rss, err := readRSS(rssFile)
	if err != nil {
		t.Fatal(err)
	}
	return res, rss, took
}

func buildCasefile(t *testing.T, dir string) string {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Skipf("go toolchain not available: %v", err)
	}
	bin := filepath.Join(dir, "casefile")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/casefile")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// generateBigLog writes lines from..to up to size bytes, with a planted secret every ~2 MB
// (so the kept tail holds several) and returns the secrets and the last line.
func generateBigLog(t *testing.T, path string, size int64, from, to time.Time) (secrets []string, last string, lines int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	const lineLen = 200
	n := size / lineLen
	span := to.Sub(from)
	var written int64
	stamp, stampSec := "", int64(-1)
	pad := strings.Repeat("p", lineLen)
	for i := int64(0); written < size; i++ {
		ts := from.Add(time.Duration(float64(span) * float64(i) / float64(n)))
		if s := ts.Unix(); s != stampSec {
			stamp, stampSec = ts.Format(time.RFC3339), s
		}
		var line string
		if i%10007 == 5000 {
			k := len(secrets)
			var secret, text string
			switch k % 4 {
			case 0:
				secret = fmt.Sprintf("Hunter2planted%08d", k)
				text = "db connect password=" + secret
			case 1:
				secret = fmt.Sprintf("ghp_PLANTED%026d", k)
				text = "git clone with token " + secret
			case 2:
				secret = fmt.Sprintf("AKIAPLNT%012d", k) // AKIA + 16, as AWS issues them
				text = "aws credentials loaded key=" + secret
			case 3:
				secret = fmt.Sprintf("eyPlantedBearer%020d", k)
				text = "upstream call Authorization: Bearer " + secret
			}
			secrets = append(secrets, secret)
			line = fmt.Sprintf("%s host acme[42]: %s\n", stamp, text)
		} else {
			line = fmt.Sprintf("%s host acme[42]: req=%d user=u%d path=/api/v1/items/%d status=200 ", stamp, i, i%1000, i)
			line += pad[:max(0, lineLen-1-len(line))] + "\n"
		}
		w.WriteString(line)
		written += int64(len(line))
		last = line
		lines++
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return secrets, last, lines
}

func readArchive(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = data
	}
}

func findSuffix(t *testing.T, files map[string][]byte, suffix string) string {
	t.Helper()
	for name := range files {
		if strings.HasSuffix(name, "/"+suffix) {
			return name
		}
	}
	var names []string
	for name := range files {
		names = append(names, name)
	}
	t.Fatalf("no %s in the archive: %v", suffix, names)
	return ""
}
