package bundle

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Temporary names carry the writing process's id, so a later run can tell a leftover of a
// process that is gone (SIGKILL, an OOM kill, a power cut) from the work of one still running.
const (
	stagePrefix   = ".casefile-tmp-"
	partialPrefix = ".casefile-partial-"
)

func tempPrefix(prefix string) string { return prefix + strconv.Itoa(os.Getpid()) + "-" }

// RemoveStale removes staging folders and partial archives in dir left by casefile processes
// that no longer run, and returns what it removed. They hold only redacted bytes, but can be
// large. Names without a process id (older casefile versions) are left alone.
func RemoveStale(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, e := range entries {
		name := e.Name()
		var rest string
		switch {
		case strings.HasPrefix(name, stagePrefix):
			rest = name[len(stagePrefix):]
		case strings.HasPrefix(name, partialPrefix):
			rest = name[len(partialPrefix):]
		default:
			continue
		}
		pidText, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid <= 0 || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		p := filepath.Join(dir, name)
		if err := os.RemoveAll(p); err != nil {
			return removed, fmt.Errorf("removing %s left by process %d: %w", p, pid, err)
		}
		removed = append(removed, p)
	}
	return removed, nil
}
