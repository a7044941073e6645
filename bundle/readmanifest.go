package bundle

import (
	"errors"
	"fmt"
	"io"
)

var errManifestRead = errors.New("manifest read")

// ReadManifest reads only manifest.json. casefile writes it as the archive's first entry, so
// this decompresses a few KiB instead of the whole bundle (Read hashes every file); in an
// archive made otherwise the walk goes on until it finds it. The archive past the manifest is
// not checked: Read and Verify do that.
func ReadManifest(p string, lim ReadLimits) (*Manifest, error) {
	var m *Manifest
	var perr error
	_, err := Walk(p, lim, func(e Entry, r io.Reader) error {
		if e.Name != "manifest.json" {
			return nil
		}
		if e.Size > lim.MaxMetaSize {
			return unsafef("%s is larger than %d bytes", e.Name, lim.MaxMetaSize)
		}
		var fatal error
		if m, perr, fatal = readManifestDoc(&metaReader{r: r, name: e.Name, max: lim.MaxMetaSize}, lim); fatal != nil {
			return fatal
		}
		return errManifestRead
	})
	switch {
	case errors.Is(err, errManifestRead):
		return m, perr
	case err != nil:
		return nil, err
	}
	return nil, fmt.Errorf("%s: no manifest.json in the bundle", p)
}
