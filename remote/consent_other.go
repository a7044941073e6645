//go:build !unix

package remote

import (
	"fmt"
	"io/fs"
	"os"
)

// checkConsentDir refuses a consent folder that is a link. On Windows who may write there is
// the state folder's ACL (the installed service's folder is Administrators' and SYSTEM's).
func checkConsentDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if fi.Mode()&fs.ModeSymlink != 0 || !fi.IsDir() {
		return fmt.Errorf("consent folder %s is not a folder (a link?): answers there are ignored", dir)
	}
	return nil
}

// checkAnswerFile refuses an answer that is not a regular file.
func checkAnswerFile(p string) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("answer %s is not a regular file (a link?): ignored", p)
	}
	return nil
}
