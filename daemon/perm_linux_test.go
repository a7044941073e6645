package daemon

import (
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/casefile/casefile/internal/testenv"
)

// TestSocketPermissions: the socket is 0660 root:group; a process of uid 65534 (nobody) is
// refused, by the file's mode and, with the mode opened wide, by the peer-credential check on
// the connection; the same uid with the socket group among its supplementary groups is let in.
func TestSocketPermissions(t *testing.T) {
	testenv.NeedRoot(t)
	grp, err := user.LookupGroup("daemon")
	if err != nil {
		testenv.Missing(t, "a group named daemon in /etc/group: %v", err)
	}
	gid, _ := strconv.Atoi(grp.Gid)
	td := startDaemon(t, specHead+"daemon: {socket_group: daemon}\nmonitors:\n  - {name: mem, interval: 1s, memory: {}}\n")
	// The folders on the way to the socket and the client binary must be open to nobody.
	if err := os.Chmod(td.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(td.socket)
	if err != nil {
		t.Fatal(err)
	}
	sys := st.Sys().(*syscall.Stat_t)
	if st.Mode().Perm() != 0o660 || st.Mode()&os.ModeSocket == 0 || int(sys.Gid) != gid || sys.Uid != 0 {
		t.Fatalf("socket mode %v uid %d gid %d; want srw-rw---- root:daemon (gid %d)", st.Mode(), sys.Uid, sys.Gid, gid)
	}
	bin := filepath.Join(td.dir, "client.test")
	copyFile(t, os.Args[0], bin)

	run := func(groups []uint32) (string, error) {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "CASEFILE_TEST_DIAL="+td.socket)
		cmd.Dir = td.dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: groups}}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	// nobody, not in the group: the socket file's mode refuses the connect.
	out, err := run(nil)
	if err == nil || !strings.Contains(out, "permission denied on the socket") {
		t.Errorf("nobody without the group: err %v, output %q; want refused", err, out)
	}
	// nobody in the group: allowed.
	out, err = run([]uint32{uint32(gid)})
	if err != nil || !strings.Contains(out, "ok: spec test") {
		t.Errorf("nobody in group daemon: err %v, output %q; want the status", err, out)
	}
	// With the file's mode opened wide, the daemon's own check on the peer's credentials refuses.
	if err := os.Chmod(td.socket, 0o666); err != nil {
		t.Fatal(err)
	}
	out, err = run(nil)
	if err == nil || !strings.Contains(out, "uid 65534 is neither root nor a member of the daemon's socket group") {
		t.Errorf("nobody on a 0666 socket: err %v, output %q; want refused by the peer check", err, out)
	}
	if !strings.Contains(td.log.String(), "API request refused") {
		t.Errorf("the refusal is not logged:\n%s", indent(td.log.String()))
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
