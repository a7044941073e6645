// Package system collects the facts of the machine casefile runs on: host, CPU, memory, disks,
// interfaces, sockets, processes, logged-in users, time, resource limits and proxy settings, one
// collector and one JSON file per area under system/. It also builds the bundle's environment.json
// facts (see Environment).
//
// Every host file is read through an injectable root (collectors.Options.Root), both by this
// package's own parsers and by gopsutil, which receives the root through its context env map.
package system

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v3/common"

	"github.com/casefile/casefile/collectors"
)

// area is one system collector: it returns the value written to system/<name>.json. A non-nil
// value with a non-nil error is written and reported as partial; Skip errors write nothing.
type area struct {
	name string
	fn   func(ctx context.Context, s *source) (any, error)
}

var areas = []area{
	{"host", collectHost},
	{"cpu", collectCPU},
	{"memory", collectMemory},
	{"disks", collectDisks},
	{"interfaces", collectInterfaces},
	{"sockets", collectSockets},
	{"processes", collectProcesses},
	{"users", collectUsers},
	{"time", collectTime},
	{"limits", collectLimits},
	{"proxy", collectProxy},
}

// Collectors returns the system family, one collector per area, named "system.<area>".
func Collectors(opts collectors.Options) ([]collectors.Collector, error) {
	s, err := newSource(opts.Root)
	if err != nil {
		return nil, err
	}
	if !opts.Now.IsZero() {
		s.now = func() time.Time { return opts.Now }
	}
	out := make([]collectors.Collector, 0, len(areas))
	for _, a := range areas {
		out = append(out, collectors.Func{
			CName:   collectors.FamilySystem + "." + a.name,
			CFamily: collectors.FamilySystem,
			Fn:      runArea(a, s),
		})
	}
	return out, nil
}

func runArea(a area, s *source) func(ctx context.Context, sink collectors.Sink) error {
	return func(ctx context.Context, sink collectors.Sink) error {
		v, err := a.fn(ctx, s)
		if collectors.IsSkip(err) {
			return err
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if v == nil {
			if err == nil {
				err = errors.New("no data")
			}
			return err
		}
		if werr := sink.WriteJSON(collectors.FamilySystem+"/"+a.name+".json", v); werr != nil {
			return errors.Join(werr, err)
		}
		return collectors.Partial(err)
	}
}

// source is where host facts come from: a root directory ("/" in production) plus the process
// environment and clock.
type source struct {
	root    string
	isHost  bool // root is "/": facts not readable from files (syscalls, commands) belong to this host
	now     func() time.Time
	environ func() []string // KEY=value list, os.Environ in production

	// Test hooks for the CPU and process samples: betweenSamples runs between the two passes,
	// sampleElapsed (when set) replaces the measured time between them.
	betweenSamples func()
	sampleElapsed  time.Duration
}

func newSource(root string) (*source, error) {
	if root == "" {
		root = string(filepath.Separator)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("system collectors: root %q: %w", root, err)
	}
	return &source{
		root:    abs,
		isHost:  abs == filepath.VolumeName(abs)+string(filepath.Separator),
		now:     time.Now,
		environ: os.Environ,
	}, nil
}

// path returns a host path (slash-separated, absolute as on the host) under the root.
func (s *source) path(p string) string {
	return filepath.Join(s.root, filepath.FromSlash(p))
}

// readFile reads a small host file, at most limit bytes.
func (s *source) readFile(p string, limit int64) ([]byte, error) {
	f, err := os.Open(s.path(p))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

func (s *source) exists(p string) bool {
	_, err := os.Stat(s.path(p))
	return err == nil
}

// gctx hands the root to gopsutil, which reads /proc, /sys, /etc, ... through this env map.
func (s *source) gctx(ctx context.Context) context.Context {
	return context.WithValue(ctx, common.EnvKey, common.EnvMap{
		common.HostProcEnvKey: s.path("/proc"),
		common.HostSysEnvKey:  s.path("/sys"),
		common.HostEtcEnvKey:  s.path("/etc"),
		common.HostVarEnvKey:  s.path("/var"),
		common.HostRunEnvKey:  s.path("/run"),
		common.HostDevEnvKey:  s.path("/dev"),
		common.HostRootEnvKey: s.root,
	})
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// problems gathers non-fatal errors of one area.
type problems []error

func (p *problems) add(what string, err error) {
	if err != nil {
		*p = append(*p, fmt.Errorf("%s: %w", what, err))
	}
}

func (p problems) err() error { return errors.Join(p...) }

// ignoreNotImpl drops gopsutil's "not implemented" error (its sentinel lives in an internal package).
func ignoreNotImpl(err error) error {
	if err != nil && err.Error() == "not implemented yet" {
		return nil
	}
	return err
}

// lookupEnv finds a variable in the source's environment.
func (s *source) lookupEnv(key string) (string, bool) {
	for _, kv := range s.environ() {
		if k, v, ok := strings.Cut(kv, "="); ok && (k == key || runtime.GOOS == "windows" && strings.EqualFold(k, key)) {
			return v, true
		}
	}
	return "", false
}

func (s *source) getenv(key string) string {
	v, _ := s.lookupEnv(key)
	return v
}

// parseEnvFile parses KEY=value lines with optional shell quotes (os-release, /etc/default/locale).
func parseEnvFile(b []byte) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k = strings.TrimSpace(strings.TrimPrefix(k, "export "))
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			double := v[0] == '"'
			v = v[1 : len(v)-1]
			if double {
				v = strings.NewReplacer(`\"`, `"`, `\\`, `\`, `\$`, `$`, "\\`", "`").Replace(v)
			}
		}
		m[k] = v
	}
	return m
}

// firstLine returns the first line of a small host file, trimmed, or "" when unreadable.
func (s *source) firstLine(p string) string {
	b, err := s.readFile(p, 4096)
	if err != nil {
		return ""
	}
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return strings.TrimSpace(string(b))
}
