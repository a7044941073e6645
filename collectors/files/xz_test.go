package files

import (
	"bytes"
	"github.com/casefile/casefile/collectors/collectorstest"
	"strings"
	"testing"
)

// TestXZCapAndDamage: the cap keeps the newest lines of the decompressed text; a damaged xz
// file is an error for that file, never shipped as it is.
func TestXZCapAndDamage(t *testing.T) {
	eng := engine(t)
	var text strings.Builder
	for i := 0; i < 2000; i++ {
		text.WriteString("line ")
		text.WriteString(strings.Repeat("x", i%50))
		text.WriteString("\n")
	}
	data := []byte(text.String() + "password=" + secret + "\n")
	root := t.TempDir()
	writeFile(t, root, "var/app/app.log.2.xz", collectorstest.XZ(t, data))
	sink, idx, err := collect(t, eng, root, "/var/app/*", 4096)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := sink.File("files/app/var/app/app.log.2")
	r := idx[0]
	if r.Decompressed != "xz" || !r.Truncated || r.Seen != int64(len(data)) || r.Kept <= 0 || r.Kept > 4096 {
		t.Fatalf("record %+v, %d bytes stored", r, len(got))
	}
	tail := data[len(data)-int(r.Kept):]
	if data[len(data)-int(r.Kept)-1] != '\n' || string(got) != eng.String("x", string(tail)) {
		t.Fatalf("stored %q, want the redacted newest whole lines %q", got, tail)
	}
	if strings.Contains(string(got), secret) || !strings.Contains(string(got), "[REDACTED:") {
		t.Fatalf("stored tail %q", got)
	}

	bad := append(collectorstest.XZ(t, data)[:60], bytes.Repeat([]byte{9}, 100)...)
	writeFile(t, root, "var/app/app.log.2.xz", bad)
	sink, idx, err = collect(t, eng, root, "/var/app/*", 0)
	if err == nil || idx[0].Error == "" || idx[0].Bundle != "" || len(sink.Files()) != 1 {
		t.Fatalf("damaged xz: err %v, record %+v, files %v", err, idx[0], sink.Files())
	}
}
