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
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/casefile/casefile/internal/testenv"
)

// The whole-process check of issue 5: `casefile collect` over a generated 2 GiB log with planted
// secrets keeps peak RSS under 100 MB, obeys the caps and the window, and ships no secret.
// It writes 2 GiB to the temp dir and takes about half a minute, so it runs only when asked:
//
//	CASEFILE_BIGLOG=1 go test ./collectors/logs -run TestBigLogWholeProcess -v
//
// CASEFILE_BIGLOG_SIZE (bytes, default 2GiB) makes a smaller log for a quick try.
//
// Two runs over the same log. The default caps keep the newest 10 MiB: casefile binary-searches
// to the window and reads only that tail. The stream run raises the caps so that about 387 MiB
// (the newest part of the 24 h window) is read, redacted, staged and compressed; it reports MB/s.
// A secret is planted every plantEvery lines (about every 200 KB) throughout the log, so both
// runs read planted secrets: each run counts those inside the bytes it read (from the offset the
// logs index records to the end of the file) and checks that none reached the archive and that
// the manifest counts at least that many redactions in big.log.
func TestBigLogWholeProcess(t *testing.T) {
	size := bigLogGate(t)
	dir := t.TempDir()
	bin := buildCasefile(t, dir)
	now := time.Now().UTC().Truncate(time.Second)

	begin := time.Now()
	logDir := filepath.Join(dir, "var-log-acme")
	os.MkdirAll(logDir, 0o755)
	secrets, lastLine, lines := generateBigLog(t, filepath.Join(logDir, "big.log"), size, now.Add(-72*time.Hour), now)
	fi, err := os.Stat(filepath.Join(logDir, "big.log"))
	if err != nil {
		t.Fatal(err)
	}
	logSize := fi.Size() // size, rounded up to a whole line
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

	// No planted secret anywhere in the archive; every one inside the read tail redacted.
	checkPlanted(t, "default caps", files, secrets, logSize)
	// The per-file cap keeps the newest whole lines, recorded in the manifest.
	bigPath := findSuffix(t, files, "logs/acme/"+bundleName(filepath.Join(logDir, "big.log")))
	big := files[bigPath]
	if len(big) > 10<<20 || len(big) < 9<<20 {
		t.Errorf("big.log: %d bytes in the bundle, want just under the 10 MiB cap", len(big))
	}
	if !bytes.HasSuffix(big, []byte(lastLine)) {
		t.Errorf("big.log: the newest line is missing from the kept part")
	}
	m := readManifest(t, files)
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

	// The stream run: caps large enough to read, redact and compress ~387 MiB of the window.
	writeSpec(t, specFile, logDir, "  max_file_size: 400MiB\n  max_collector_size: 500MiB\n")
	res, rss, took = runCollect(t, bin, specFile, out)
	fi, _ = os.Stat(res.Bundle)
	files = readArchive(t, res.Bundle)
	os.Remove(res.Bundle)
	var kept int64
	for name, data := range files {
		if strings.Contains(name, "/logs/acme/") {
			kept += int64(len(data))
		}
	}
	read := checkPlanted(t, "stream run", files, secrets, logSize)
	t.Logf("stream run: %d MiB of big.log read, redacted and compressed (%d MiB in the bundle, %d MiB archive) in %s: %.0f MB/s read, peak RSS %.1f MB",
		read>>20, kept>>20, fi.Size()>>20, took.Round(time.Millisecond), float64(read)/took.Seconds()/1e6, float64(rss)/1e6)
	if rss >= 100e6 {
		t.Errorf("peak RSS %d bytes, want < 100 MB", rss)
	}
	if min(size/3, 400<<20)-read > 32<<20 {
		t.Errorf("stream run read %d bytes of big.log, want about %d (the window, under the 400 MiB cap less headroom)", read, min(size/3, 400<<20))
	}
}

// bigLogGate decides whether the big-log check runs and returns the log size. CASEFILE_BIGLOG=1
// asks for it (.ci/run does); unset or 0, it is skipped. Asked for but unable to run (too little
// room in the temp folder), it skips on a laptop and fails under CASEFILE_REQUIRE_ALL=1.
func bigLogGate(t *testing.T) int64 {
	switch v := os.Getenv("CASEFILE_BIGLOG"); v {
	case "1":
	case "0":
		t.Skip("CASEFILE_BIGLOG=0: the 2 GiB whole-process check was declined explicitly")
	case "":
		// Not a missing requirement: the check is opt-in (2 GiB of temp space, half a minute);
		// .ci/run asks for it explicitly.
		t.Skip("not asked for: set CASEFILE_BIGLOG=1 to run the 2 GiB whole-process check (.ci/run does)")
	default:
		t.Fatalf("CASEFILE_BIGLOG=%q: want 1 (run) or 0 (decline)", v)
	}
	if raceEnabled {
		// Not a missing requirement: the check measures a separate casefile process built
		// without -race; the plain `go test` pass of the same CI run runs it.
		t.Skip("the big-log check runs in the pass without -race")
	}
	size := int64(2 << 30)
	if v := os.Getenv("CASEFILE_BIGLOG_SIZE"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		size = n
	}
	// The log, plus the stream run's staged copy and archive (up to 400 MiB each), plus slack.
	need := size + 1<<30
	var st syscall.Statfs_t
	if err := syscall.Statfs(os.TempDir(), &st); err != nil {
		t.Fatal(err)
	}
	if free := int64(st.Bavail) * st.Bsize; free < need {
		testenv.Missing(t, "%d MiB free in %s for the big-log check (CASEFILE_BIGLOG=1); %d MiB free", need>>20, os.TempDir(), free>>20)
	}
	return size
}

// planted is a secret written into the big log and the offset of its line.
type planted struct {
	secret string
	off    int64
}

// Every planted secret carries plantHead and plantTail, which no other generated text holds, so
// the archive is checked in one pass per file: a secret that survived whole or in part (either
// end of it) shows one of them.
const plantHead, plantTail = "PLNT", "TNLP"

// plantEvery: a secret every this many lines, about every 200 KB of log.
const plantEvery = 1009

// checkPlanted checks that no planted secret is in the archive and that every one inside the
// part of big.log that was read is counted as redacted. It returns the bytes of big.log read.
func checkPlanted(t *testing.T, run string, files map[string][]byte, secrets []planted, size int64) int64 {
	t.Helper()
	for name, data := range files {
		for _, tag := range []string{plantHead, plantTail} {
			if i := bytes.Index(data, []byte(tag)); i >= 0 {
				t.Fatalf("%s: %s holds a planted secret: %q", run, name, data[max(0, i-60):min(len(data), i+60)])
			}
		}
	}
	// What was read: from the offset the logs index records to the end of the file.
	var idx Index
	if err := json.Unmarshal(files[findSuffix(t, files, "logs/acme.json")], &idx); err != nil {
		t.Fatal(err)
	}
	var e *FileEntry
	for i := range idx.Files {
		if strings.HasSuffix(idx.Files[i].Source, "/big.log") {
			e = &idx.Files[i]
		}
	}
	if e == nil || e.Status != "collected" {
		t.Fatalf("%s: big.log in the logs index: %+v", run, e)
	}
	if e.Offset+e.Kept != size {
		t.Errorf("%s: big.log read from %d for %d bytes, want up to its end (%d)", run, e.Offset, e.Kept, size)
	}
	n := 0
	for _, p := range secrets {
		if p.off >= e.Offset {
			n++
		}
	}
	// Planted throughout: about one per plantEvery lines of 200 bytes.
	if expect := e.Kept / (plantEvery * 200); int64(n) < expect*9/10 || n == 0 {
		t.Errorf("%s: %d planted secrets in the %d bytes read, want about %d", run, n, e.Kept, expect)
	}
	var redactions int
	for _, f := range readManifest(t, files).Files {
		if f.Path == e.Path || strings.HasSuffix(f.Path, "/"+e.Path) {
			redactions = f.Redactions
		}
	}
	big := files[findSuffix(t, files, e.Path)]
	markers := bytes.Count(big, []byte("[REDACTED:"))
	t.Logf("%s: read big.log bytes %d..%d (%d MiB), %d planted secrets in them, 0 in the archive; %d redactions in the manifest, %d markers",
		run, e.Offset, size, e.Kept>>20, n, redactions, markers)
	if redactions < n || markers < n {
		t.Errorf("%s: %d planted secrets read but %d redactions counted in the manifest and %d markers in big.log", run, n, redactions, markers)
	}
	return e.Kept
}

type manifestJSON struct {
	Files []struct {
		Path       string `json:"path"`
		Truncated  bool   `json:"truncated"`
		Kept       int64  `json:"bytes_kept"`
		Seen       int64  `json:"bytes_seen"`
		Redactions int    `json:"redactions"`
	} `json:"files"`
}

func readManifest(t *testing.T, files map[string][]byte) manifestJSON {
	t.Helper()
	var m manifestJSON
	if err := json.Unmarshal(files[findSuffix(t, files, "manifest.json")], &m); err != nil {
		t.Fatal(err)
	}
	return m
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
		testenv.Missing(t, "the go toolchain (go env GOMOD): %v", err)
	}
	bin := filepath.Join(dir, "casefile")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/casefile")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// generateBigLog writes lines from..to up to size bytes, with a planted secret every plantEvery
// lines throughout, and returns the secrets with their line offsets and the last line.
func generateBigLog(t *testing.T, path string, size int64, from, to time.Time) (secrets []planted, last string, lines int) {
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
		if i%plantEvery == plantEvery/2 {
			k := len(secrets)
			var secret, text string
			switch k % 7 {
			case 0:
				secret = fmt.Sprintf("Hunter2%s%08d%s", plantHead, k, plantTail)
				text = "db connect password=" + secret
			case 1:
				secret = fmt.Sprintf("ghp_%s%028d%s", plantHead, k, plantTail) // ghp_ + 36
				text = "git clone with token " + secret
			case 2:
				secret = fmt.Sprintf("AKIA%s%08d%s", plantHead, k, plantTail) // AKIA + 16, as AWS issues them
				text = "aws credentials loaded key=" + secret
			case 3:
				secret = fmt.Sprintf("%sbearer%020d%s", plantHead, k, plantTail)
				text = "upstream call Authorization: Bearer " + secret
			case 4:
				secret = fmt.Sprintf("%s%08d%s", plantHead, k, plantTail)
				text = "connecting to postgres://app:" + secret + "@db.internal:5432/acme"
			case 5:
				secret = fmt.Sprintf("xoxb-123456789012-1234567890123-%s%016d%s", plantHead, k, plantTail)
				text = "slack notify " + secret + " sent"
			case 6:
				secret = fmt.Sprintf("sk_live_%s%016d%s", plantHead, k, plantTail)
				text = "stripe charge with " + secret + " ok"
			}
			secrets = append(secrets, planted{secret: secret, off: written})
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
