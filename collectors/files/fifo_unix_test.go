//go:build unix

package files

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/collectors/collectorstest"
	"github.com/casefile/casefile/internal/testenv"
	"github.com/casefile/casefile/spec"
)

func TestAddedFolderAndSpecials(t *testing.T) {
	root := fixture(t)
	fifo := filepath.Join(root, "etc/acme/pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		testenv.Missing(t, "a temp folder that can hold a FIFO (mkfifo): %v", err)
	}
	cs, _ := Collectors(collectors.Options{Spec: &spec.Spec{}, Root: root, Add: []string{"/etc/acme", "/nope"}})
	if len(cs) != 1 || cs[0].Name() != "files.added" {
		t.Fatalf("collectors %v", cs)
	}
	sink := &collectorstest.Sink{Family: "files"}
	err := cs[0].Collect(context.Background(), sink)
	if !collectors.IsPartial(err) {
		t.Fatalf("Collect = %v", err)
	}
	if _, ok := sink.File("files/added/etc/acme/sub/deep.conf"); !ok {
		t.Errorf("folder not walked: %v", sink.Files())
	}
	if _, ok := sink.File("files/added/etc/outside/secret.txt"); ok {
		t.Errorf("followed a symlinked folder out of the added folder")
	}
	var idx []Record
	sink.JSON("files/added/index.json", &idx)
	var pipe, nope Record
	for _, r := range idx {
		switch r.Source {
		case "/etc/acme/pipe":
			pipe = r
		case "/nope":
			nope = r
		}
	}
	// A FIFO would block a reader forever; it is listed, never opened.
	if !strings.HasPrefix(pipe.Skipped, "not a regular file") {
		t.Errorf("fifo record %+v", pipe)
	}
	// A path the customer named that is not there is an error, not a quiet skip.
	if !strings.Contains(nope.Error, "no such file") || !strings.Contains(err.Error(), "/nope") {
		t.Errorf("missing path record %+v", nope)
	}
}
