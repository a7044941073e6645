package redact

import (
	"strings"
	"testing"
)

// A file named after a secret is caught wherever its path is written, whatever the secret looks
// like: an index's "source" field held /x/password=namePwdfFQvzsCkRPO.txt unredacted when the
// secret was letters only (it read as a file name).
func TestSecretFileNameInPath(t *testing.T) {
	e, _ := New(Config{})
	for _, pw := range []string{"namePwdfFQvzsCkRPO", "namePwvutnZWNcKEAw", "namePw3x9Qz", "hunter"} {
		for _, line := range []string{
			`    "source": "/tmp/T/001/named/pw/password=` + pw + `.txt",`,
			`copied C:\Users\x\password=` + pw + `.conf`,
			`open /srv/password=` + pw + `.json`,
		} {
			if out := e.String("files/added/index.json", line); strings.Contains(out, pw) {
				t.Errorf("%s: kept %q", line, out)
			}
		}
	}
	// A file name as the value of a key that names a file stays.
	for _, keep := range []string{"GOOGLE_APPLICATION_CREDENTIALS=key.json", "password_file=secrets/db.txt", "tls_key: server.key"} {
		if out := e.String("x", keep); out != keep {
			t.Errorf("%s -> %s", keep, out)
		}
	}
}
