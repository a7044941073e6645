package redact

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/casefile/casefile/internal/testenv"
	"github.com/casefile/casefile/redact/redacttest"
)

// corpusDir finds ../shared/corpus/<name> beside the module root. Missing, it skips on a laptop
// and fails under CASEFILE_REQUIRE_ALL=1 (CI).
func corpusDir(t testing.TB, name string) string {
	t.Helper()
	c := testenv.SharedDir(t, filepath.Join("corpus", name))
	if _, err := os.Stat(filepath.Join(c, "labels.jsonl")); err != nil {
		testenv.Missing(t, "corpus %s labels (../shared/corpus/%s/labels.jsonl): %v", name, name, err)
	}
	return c
}

type score struct {
	secrets, leaks, benign, destroyed int
	leakKinds                         map[string]int
	destroyedKinds                    map[string]int
	examples                          []string
}

func (s score) recall() float64 { return 1 - float64(s.leaks)/float64(s.secrets) }
func (s score) kept() float64   { return 1 - float64(s.destroyed)/float64(s.benign) }

// redactCorpus redacts every file of corpus/files through NewWriter with small irregular writes,
// the way collectors stream, and scores the result.
func redactCorpus(t *testing.T, corpus, outDir string) score {
	t.Helper()
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	files, err := os.ReadDir(filepath.Join(corpus, "files"))
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{}
	for _, f := range files {
		raw, err := os.ReadFile(filepath.Join(corpus, "files", f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		w := e.NewWriter(&sb, f.Name())
		for off, step := 0, 1; off < len(raw); step = step%4093 + 7 {
			end := min(off+step, len(raw))
			if _, err := w.Write(raw[off:end]); err != nil {
				t.Fatal(err)
			}
			off = end
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		texts[f.Name()] = sb.String()
		if outDir != "" {
			if err := os.WriteFile(filepath.Join(outDir, f.Name()), []byte(sb.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	labels, err := redacttest.ReadLabels(corpus)
	if err != nil {
		t.Fatal(err)
	}
	sc := score{leakKinds: map[string]int{}, destroyedKinds: map[string]int{}}
	for _, l := range labels {
		text := texts[l.File]
		if l.Class == "secret" {
			sc.secrets++
			if redacttest.Leaked(l.Core, text) {
				sc.leaks++
				sc.leakKinds[l.Kind]++
				if len(sc.examples) < 40 {
					sc.examples = append(sc.examples, "leak "+l.Kind+" in "+l.File+": "+context(text, l.Core))
				}
			}
		} else {
			sc.benign++
			if !strings.Contains(text, l.Core) {
				sc.destroyed++
				sc.destroyedKinds[l.Kind]++
				if len(sc.examples) < 40 {
					sc.examples = append(sc.examples, "destroyed "+l.Kind+" in "+l.File+": "+l.Core)
				}
			}
		}
	}
	return sc
}

func context(text, core string) string {
	k := core
	if !strings.Contains(text, k) && len(core) > 16 {
		for i := 0; i+12 <= len(core); i++ {
			if strings.Contains(text, core[i:i+12]) {
				k = core[i : i+12]
				break
			}
		}
	}
	i := strings.Index(text, k)
	if i < 0 {
		return "?"
	}
	s := strings.LastIndexByte(text[:i], '\n') + 1
	e := strings.IndexByte(text[i:], '\n')
	if e < 0 {
		e = len(text) - i
	}
	return text[s : i+e]
}

// TestDevCorpus asserts the quality bar on the shared development corpus: recall >= 0.995 and
// benign_kept >= 0.99. When python3 is available the official scorer is run too and must agree.
func TestDevCorpus(t *testing.T) {
	corpus := corpusDir(t, "redaction-dev")
	out := t.TempDir()
	sc := redactCorpus(t, corpus, out)
	kinds := make([]string, 0, len(sc.leakKinds))
	for k := range sc.leakKinds {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	t.Logf("recall=%.4f leaked=%d/%d benign_kept=%.4f destroyed=%d/%d leaks=%v destroyed=%v",
		sc.recall(), sc.leaks, sc.secrets, sc.kept(), sc.destroyed, sc.benign, sc.leakKinds, sc.destroyedKinds)
	if sc.recall() < 0.995 || sc.kept() < 0.99 {
		for _, ex := range sc.examples {
			t.Log(ex)
		}
		t.Fatalf("quality bar missed: recall %.4f (want >= 0.995), benign_kept %.4f (want >= 0.99)", sc.recall(), sc.kept())
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		if testenv.Strict() {
			t.Fatal("python3 (the official scorer) is required by CASEFILE_REQUIRE_ALL=1")
		}
		t.Log("python3 not found; official scorer not run")
		return
	}
	cmd := exec.Command(py, filepath.Join(corpus, "..", "score.py"), corpus, out, "--json")
	res, err := cmd.Output()
	if err != nil {
		t.Fatalf("score.py: %v", err)
	}
	var r struct {
		Recall     float64 `json:"recall"`
		BenignKept float64 `json:"benign_kept"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		t.Fatalf("score.py output %q: %v", res, err)
	}
	t.Logf("score.py: %s", strings.TrimSpace(string(res)))
	if r.Recall < 0.995 || r.BenignKept < 0.99 {
		t.Fatalf("score.py: recall %.4f benign_kept %.4f", r.Recall, r.BenignKept)
	}
}
