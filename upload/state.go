package upload

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
)

// state is what survives a killed client: where the upload lives on the server and what is being
// sent. One file per bundle, <StateDir>/<bundle sha256>.json, written atomically, mode 0600.
type state struct {
	BundleSHA256 string `json:"bundle_sha256"`
	Target       string `json:"target"`              // the tus endpoint the upload was created at
	Recipient    string `json:"recipient,omitempty"` // age recipient; empty: sent in the clear
	Location     string `json:"location,omitempty"`  // the upload's URL; empty until created
	Size         int64  `json:"size"`                // bytes sent in all (ciphertext when encrypted)
	SHA256       string `json:"sha256"`              // of the bytes sent
}

func statePath(dir, sum string) string { return filepath.Join(dir, sum+".json") }
func spoolPath(dir, sum string) string { return filepath.Join(dir, sum+".age") }

func loadState(dir, sum string) (*state, error) {
	data, err := os.ReadFile(statePath(dir, sum))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var s state
	if json.Unmarshal(data, &s) != nil || s.BundleSHA256 != sum {
		return nil, nil // unreadable: start again
	}
	return &s, nil
}

func saveState(dir string, s *state) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(statePath(dir, s.BundleSHA256), data)
}

// writeAtomic writes data to a temporary file beside p and renames it into place.
func writeAtomic(p string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(p), ".state-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// forget removes the state file and the spool of one bundle.
func forget(dir, sum string) {
	os.Remove(statePath(dir, sum))
	os.Remove(spoolPath(dir, sum))
}
