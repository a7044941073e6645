package collectorstest

import (
	"bytes"
	"testing"

	"github.com/ulikunitz/xz"
)

// XZ compresses data with the xz library (fixtures need no xz tool).
func XZ(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := xz.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
