package system

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/collectors/collectorstest"
)

// runAll runs every system collector against root and returns the sink and each one's error.
func runAll(t *testing.T, s *source) (*collectorstest.Sink, map[string]error) {
	t.Helper()
	sink := &collectorstest.Sink{Family: collectors.FamilySystem}
	errs := map[string]error{}
	for _, a := range areas {
		errs[a.name] = runArea(a, s)(context.Background(), sink)
	}
	return sink, errs
}

func TestCollectorsNamesAndFamily(t *testing.T) {
	cs, err := Collectors(collectors.Options{Root: "/"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cs {
		if c.Family() != collectors.FamilySystem {
			t.Errorf("%s: family %q", c.Name(), c.Family())
		}
		names = append(names, c.Name())
	}
	want := "system.host system.cpu system.memory system.disks system.interfaces system.sockets system.processes system.users system.time system.limits system.proxy"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("names:\n got %s\nwant %s", got, want)
	}
}

// TestLiveHost runs the family on this machine: every area writes its file (or skips with a
// reason), in well under the budget, with sane values.
func TestLiveHost(t *testing.T) {
	s, err := newSource("/")
	if err != nil {
		t.Fatal(err)
	}
	cs, _ := Collectors(collectors.Options{Root: "/"})
	sink := &collectorstest.Sink{Family: collectors.FamilySystem}
	start := time.Now()
	errc := make(chan error, len(cs))
	for _, c := range cs {
		go func(c collectors.Collector) {
			err := c.Collect(context.Background(), sink)
			if err != nil {
				err = &namedErr{c.Name(), err}
			}
			errc <- err
		}(c)
	}
	for range cs {
		if err := <-errc; err != nil {
			if collectors.IsSkip(err) {
				t.Logf("skipped: %v", err)
				continue
			}
			t.Errorf("%v", err)
		}
	}
	elapsed := time.Since(start)
	t.Logf("system family in parallel: %s", elapsed)
	// A bound, not a benchmark (docs/bench/system.md has the speed): generous enough for a
	// loaded CI machine, tight enough to catch a collector that blocks.
	if elapsed > 15*time.Second {
		t.Errorf("system family took %s, bound 15s", elapsed)
	}
	_ = s
	if os.Getenv("CASEFILE_DUMP") != "" {
		for _, f := range sink.Files() {
			b, _ := sink.File(f)
			os.WriteFile(filepath.Join(os.Getenv("CASEFILE_DUMP"), filepath.Base(f)), b, 0o644)
		}
	}
	for _, f := range sink.Files() {
		b, _ := sink.File(f)
		if !json.Valid(b) {
			t.Errorf("%s: invalid JSON", f)
		}
	}
}

type namedErr struct {
	name string
	err  error
}

func (e *namedErr) Error() string { return e.name + ": " + e.err.Error() }
func (e *namedErr) Unwrap() error { return e.err }

func newSink() *collectorstest.Sink { return &collectorstest.Sink{Family: collectors.FamilySystem} }

func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func ptr[T any](v T) *T { return &v }
