package files

import (
	"context"
	"strings"
	"testing"

	"github.com/casefile/casefile/collectors/collectorstest"
)

// TestDoubleStar: "**" in a spec path matches at any depth; the walk from the top leaves the
// root's /proc, /sys and /dev alone; an --add path that does not exist but is a pattern is
// expanded.
func TestDoubleStar(t *testing.T) {
	eng := engine(t)
	root := t.TempDir()
	for _, f := range []string{"etc/acme/app.conf", "etc/acme/site/a/db.conf", "etc/acme/site/b/c/cache.conf", "etc/acme/notes.txt",
		"proc/1/environ.conf", "sys/x.conf", "dev/y.conf"} {
		writeFile(t, root, f, []byte("k = v\n"))
	}
	sources := func(idx []Record) string {
		var s []string
		for _, r := range idx {
			s = append(s, r.Source)
		}
		return strings.Join(s, " ")
	}
	_, idx, err := collect(t, eng, root, "/etc/acme/**/*.conf", 0)
	if err != nil || sources(idx) != "/etc/acme/app.conf /etc/acme/site/a/db.conf /etc/acme/site/b/c/cache.conf" {
		t.Fatalf("spec **: %v %s", err, sources(idx))
	}
	_, idx, err = collect(t, eng, root, "/**/*.conf", 0)
	if err != nil || strings.Contains(sources(idx), "/proc/") || strings.Contains(sources(idx), "/sys/") || strings.Contains(sources(idx), "/dev/") || len(idx) != 3 {
		t.Fatalf("from the top: %v %s", err, sources(idx))
	}

	c := &Collector{name: "files.added", folder: "added", patterns: []string{"/etc/acme/site/**/*.conf", "/etc/acme/none/**/*.conf"}, root: root, literal: true}
	sink := &collectorstest.Sink{Family: "files", Redactor: eng}
	err = c.Collect(context.Background(), sink)
	if err := sink.JSON("files/added/index.json", &idx); err != nil {
		t.Fatal(err)
	}
	if got := sources(idx); got != "/etc/acme/site/a/db.conf /etc/acme/site/b/c/cache.conf /etc/acme/none/**/*.conf" || err == nil {
		t.Fatalf("--add pattern: %v %s", err, got)
	}
	if _, ok := sink.File("files/added/etc/acme/site/b/c/cache.conf"); !ok {
		t.Fatalf("not copied: %v", sink.Files())
	}
}
