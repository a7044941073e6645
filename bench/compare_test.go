package bench

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/casefile/casefile/redact"
	"github.com/casefile/casefile/redact/redacttest"
	"github.com/zricethezav/gitleaks/v8/detect"
)

func corpusDir(t testing.TB) string {
	c := filepath.Join("..", "..", "shared", "corpus", "redaction-dev")
	if _, err := os.Stat(filepath.Join(c, "labels.jsonl")); err != nil {
		t.Skipf("corpus not present at %s", c)
	}
	return c
}

func loadCorpus(t testing.TB) (map[string][]byte, []redacttest.Label) {
	dir := corpusDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "files", "*"))
	texts := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		texts[filepath.Base(f)] = b
	}
	labels, err := redacttest.ReadLabels(dir)
	if err != nil {
		t.Fatal(err)
	}
	return texts, labels
}

func score(texts map[string]string, labels []redacttest.Label) (recall, kept float64, leaks map[string]int) {
	leaks = map[string]int{}
	var sec, lk, ben, des int
	for _, l := range labels {
		t := texts[l.File]
		if l.Class == "secret" {
			sec++
			if redacttest.Leaked(l.Core, t) {
				lk++
				leaks[l.Kind]++
			}
		} else {
			ben++
			if !strings.Contains(t, l.Core) {
				des++
			}
		}
	}
	return 1 - float64(lk)/float64(sec), 1 - float64(des)/float64(ben), leaks
}

// gitleaksRedact removes every secret gitleaks finds (its default rules), the way a redactor
// built on it would.
func gitleaksRedact(t testing.TB, text []byte) string {
	d, err := detect.NewDetectorDefaultConfig()
	if err != nil {
		t.Fatal(err)
	}
	out := string(text)
	for _, f := range d.DetectBytes(text) {
		if f.Secret != "" {
			out = strings.ReplaceAll(out, f.Secret, "[REDACTED:"+f.RuleID+"]")
		}
	}
	return out
}

// TestCompareDevCorpus scores both engines on the dev corpus and logs the table.
func TestCompareDevCorpus(t *testing.T) {
	texts, labels := loadCorpus(t)
	e, _ := redact.New(redact.Config{})
	cf, gl := map[string]string{}, map[string]string{}
	for name, b := range texts {
		out, err := e.Bytes(name, b)
		if err != nil {
			t.Fatal(err)
		}
		cf[name] = string(out)
		gl[name] = gitleaksRedact(t, b)
	}
	r1, k1, l1 := score(cf, labels)
	r2, k2, l2 := score(gl, labels)
	t.Logf("casefile: recall=%.4f benign_kept=%.4f leaks=%v", r1, k1, l1)
	t.Logf("gitleaks: recall=%.4f benign_kept=%.4f leaks=%v", r2, k2, sortedMap(l2))
	if r1 < r2 {
		t.Errorf("casefile recall %.4f below gitleaks %.4f", r1, r2)
	}
}

// TestCompareSparse: planted secrets in the sparse log.
func TestCompareSparse(t *testing.T) {
	data, cores := redacttest.SparseLog(4<<20, 1)
	e, _ := redact.New(redact.Config{})
	out, _ := e.Bytes("sparse", data)
	gl := gitleaksRedact(t, data)
	count := func(text string) int {
		n := 0
		for _, c := range cores {
			if strings.Contains(text, c) {
				n++
			}
		}
		return n
	}
	t.Logf("planted %d: casefile leaked %d, gitleaks leaked %d", len(cores), count(string(out)), count(gl))
}

func sortedMap(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	for _, k := range keys {
		sb.WriteString(k + ":" + strconv.Itoa(m[k]) + " ")
	}
	return sb.String()
}

func sparseInput(b *testing.B) []byte {
	mb := 32
	if v, err := strconv.Atoi(os.Getenv("REDACT_BENCH_MB")); err == nil && v > 0 {
		mb = v
	}
	data, _ := redacttest.SparseLog(mb<<20, 1)
	return data
}

func denseInput(b *testing.B) []byte {
	texts, _ := loadCorpus(b)
	names := make([]string, 0, len(texts))
	for n := range texts {
		names = append(names, n)
	}
	sort.Strings(names)
	var data []byte
	for _, n := range names {
		data = append(data, texts[n]...)
	}
	return data
}

func benchCasefile(b *testing.B, data []byte) {
	e, _ := redact.New(redact.Config{})
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		w := e.NewWriter(io.Discard, "bench")
		for off := 0; off < len(data); off += 64 << 10 {
			w.Write(data[off:min(off+64<<10, len(data))])
		}
		w.Close()
	}
}

// benchGitleaks feeds gitleaks line-aligned fragments of ~100 KB, as its file source does.
func benchGitleaks(b *testing.B, data []byte) {
	var frags []string
	for off := 0; off < len(data); {
		end := min(off+100<<10, len(data))
		if i := bytes.IndexByte(data[end:], '\n'); i >= 0 && end < len(data) {
			end += i + 1
		} else {
			end = len(data)
		}
		frags = append(frags, string(data[off:end]))
		off = end
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		d, err := detect.NewDetectorDefaultConfig()
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for _, f := range frags {
			d.Detect(detect.Fragment{Raw: f})
		}
	}
}

func BenchmarkSparseCasefile(b *testing.B) { benchCasefile(b, sparseInput(b)) }
func BenchmarkSparseGitleaks(b *testing.B) { benchGitleaks(b, sparseInput(b)) }
func BenchmarkDenseCasefile(b *testing.B)  { benchCasefile(b, denseInput(b)) }
func BenchmarkDenseGitleaks(b *testing.B)  { benchGitleaks(b, denseInput(b)) }
