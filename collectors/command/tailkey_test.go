//go:build unix

package command

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/collectors/collectorstest"
	"github.com/casefile/casefile/redact"
)

// dmesgWithKey is kernel-log-like output with a 2048-bit RSA key logged line by line (26 body
// lines), followed by after bytes of newer lines.
func dmesgWithKey(t *testing.T, after int) (out []byte, body []string) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	block := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
	var b strings.Builder
	for i := range 200 {
		fmt.Fprintf(&b, "[%6d.000000] usb 1-1: new high-speed USB device number %d\n", i, i)
	}
	for _, l := range strings.Split(strings.TrimSuffix(block, "\n"), "\n") {
		if !strings.HasPrefix(l, "-----") {
			body = append(body, l)
		}
		b.WriteString("[  200.000000] " + l + "\n")
	}
	for i, start := 0, b.Len(); b.Len() < start+after; i++ {
		fmt.Fprintf(&b, "[%6d.000000] eth0: link is up, 1000 Mbps full duplex\n", 300+i)
	}
	return []byte(b.String()), body
}

// TestTailCutInsideKeyBlock reproduces the dmesg-tail bug: the kept part of a tailed command's
// output began inside a private-key block whose BEGIN line was cut off, and its body lines passed
// the redactor (26 lines of an RSA key, 0 redactions). Now the redactor sees the whole stream and
// the cut happens on redacted bytes: no body line reaches the bundle.
func TestTailCutInsideKeyBlock(t *testing.T) {
	const after = 600 // newer bytes after the END line
	out, body := dmesgWithKey(t, after)
	if len(body) < 20 {
		t.Fatalf("%d body lines", len(body))
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "dmesg.out")
	if err := os.WriteFile(src, out, 0o600); err != nil {
		t.Fatal(err)
	}
	end := strings.Index(string(out), "-----END")
	endLine := end + strings.IndexByte(string(out[end:]), '\n') + 1
	// The raw cut falls inside the key body, the BEGIN line before it.
	room := int64(len(out) - endLine + 900)
	if begin := strings.Index(string(out), "-----BEGIN"); int64(len(out))-room <= int64(begin) || int64(len(out))-room >= int64(end) {
		t.Fatalf("raw cut at %d is not inside the key (%d..%d)", int64(len(out))-room, begin, end)
	}
	cmd := Cmd{Name: "dmesg-tail", Argv: []string{"cat", src}, Tail: true, MaxOutput: room}

	check := func(name string, got []byte, eng *redact.Engine) {
		t.Helper()
		n := 0
		for _, l := range body {
			if strings.Contains(string(got), l) {
				n++
			}
		}
		if n > 0 {
			t.Errorf("%s: %d key body lines in the bundle file", name, n)
		}
		if strings.Contains(string(got), "PRIVATE KEY") && !strings.Contains(string(got), "[REDACTED:private-key]") {
			t.Errorf("%s: key lines without a marker", name)
		}
		if !strings.HasSuffix(string(out), string(got)) && !strings.Contains(string(got), "[REDACTED:") {
			t.Errorf("%s: kept part is not the newest output", name)
		}
		if !strings.HasSuffix(string(got), "full duplex\n") || int64(len(got)) > room || len(got) == 0 {
			t.Errorf("%s: kept %d bytes (room %d), ending %q", name, len(got), room, got[max(0, len(got)-20):])
		}
	}

	// Through the bundle stage: the redacted stream is spooled into the staged file and cut there.
	eng, err := redact.New(redact.Config{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := bundle.NewStage(dir, eng, bundle.Limits{MaxFileSize: 10 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Cleanup()
	c := collectors.Func{CName: "commands.dmesg-tail", CFamily: "commands"}
	sink := st.Sink(c)
	res, err := Run(context.Background(), sink, cmd, "commands/dmesg-tail")
	if err != nil {
		t.Fatal(err)
	}
	if _, problems := sink.Finish(true); len(problems) > 0 {
		t.Fatal(problems)
	}
	f, err := st.Open("commands/dmesg-tail/stdout.txt")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	check("stage", got, eng)
	if !strings.Contains(string(got), "[REDACTED:private-key]") {
		t.Errorf("stage: the key's marker is not in the kept part (room %d, kept %d)", room, len(got))
	}
	whole, _ := eng.Bytes("x", out)
	if !strings.HasSuffix(string(whole), string(got)) {
		t.Errorf("stage: kept part is not a suffix of the redacted output")
	}
	if !res.Stdout.Truncated || res.Stdout.Seen != int64(len(out)) || res.Stdout.Bytes != int64(len(got)) {
		t.Errorf("stage: result %+v, want truncated, seen %d, bytes %d", res.Stdout, len(out), len(got))
	}
	for _, e := range st.Files() {
		if e.Path == "commands/dmesg-tail/stdout.txt" {
			if e.Size != int64(len(got)) || !e.Truncated || e.BytesKept != e.Size || e.BytesSeen != int64(len(whole)) {
				t.Errorf("stage: manifest entry %+v, want size %d, kept = size, seen %d", e, len(got), len(whole))
			}
		}
	}

	// Through a sink without tail support (the in-memory fallback cuts raw bytes with the key rules).
	ms := &collectorstest.Sink{Family: "commands", Redactor: eng}
	if _, err := Run(context.Background(), ms, cmd, "commands/dmesg-tail"); err != nil {
		t.Fatal(err)
	}
	mgot, _ := ms.File("commands/dmesg-tail/stdout.txt")
	check("memory", mgot, eng)
}
