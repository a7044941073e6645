//go:build unix

package remote

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// trustedOwner: the daemon's own user or root may answer.
func trustedOwner(fi fs.FileInfo) (uint32, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return st.Uid, st.Uid == 0 || int(st.Uid) == os.Geteuid()
}

// checkConsentDir refuses a consent folder that someone other than the daemon's user or root
// could write answers into: a symbolic link, another owner, or group or world write access.
func checkConsentDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if fi.Mode()&fs.ModeSymlink != 0 || !fi.IsDir() {
		return fmt.Errorf("consent folder %s is not a folder (a symbolic link?): answers there are ignored", dir)
	}
	if uid, ok := trustedOwner(fi); !ok {
		return fmt.Errorf("consent folder %s belongs to user %d, not to the daemon's user or root: answers there are ignored", dir, uid)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("consent folder %s is writable by group or others (mode %04o): answers there are ignored (chmod 700 it)", dir, fi.Mode().Perm())
	}
	return nil
}

// checkAnswerFile refuses an answer that is not a regular file of the daemon's user or root.
func checkAnswerFile(p string) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("answer %s is not a regular file (a symbolic link?): ignored", p)
	}
	if uid, ok := trustedOwner(fi); !ok {
		return fmt.Errorf("answer %s belongs to user %d, not to the daemon's user or root: ignored", p, uid)
	}
	return nil
}
