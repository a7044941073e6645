package intake

import (
	"archive/tar"
	"os"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
)

// Quarantine reasons name the upload, never the intake's own files: the errors behind them said
// "/var/lib/casefile/tus/<id> is not a casefile bundle", and engineers read reasons in the web
// view and in intake list. Uploaded as plain bytes, as a tar.gz without a manifest, and
// age-encrypted (decrypted by the intake to a temporary file, then refused).
func TestQuarantineReasonsNameTheUpload(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, nil, id)
	tok := ts.token(t, "4821", time.Hour, 0)
	garbage := []byte("this is not a bundle at all\n")
	noManifest := rawTarGz(t, []*tar.Header{{Name: "casefile-x/", Typeflag: tar.TypeDir}, {Name: "casefile-x/notes.txt", Typeflag: tar.TypeReg}},
		map[string][]byte{"casefile-x/notes.txt": []byte("hello\n")})
	for _, tc := range []struct {
		name      string
		data      []byte
		encrypted bool
		want      string
	}{
		{"plain bytes", garbage, false, " is not a casefile bundle"},
		{"no manifest", noManifest, false, "no manifest.json in upload "},
		{"encrypted plain bytes", []byte("not a bundle either\n"), true, " (decrypted) is not a casefile bundle"},
	} {
		data := tc.data
		meta := bundleMeta(data, "4821")
		if tc.encrypted {
			data = encrypt(t, data, id.Recipient())
			meta = bundleMeta(data, "4821")
			meta["encrypted"] = "age"
		}
		upload(t, ts, tok, data, meta)
		r := ts.waitFiled(t)
		t.Logf("%s: %s", tc.name, r.Reason)
		if r.Status != StatusQuarantined || !strings.Contains(r.Reason, "upload "+r.ID) || !strings.Contains(r.Reason, tc.want) {
			t.Errorf("%s: %s %q, want a reason naming upload %s and saying %q", tc.name, r.Status, r.Reason, r.ID, tc.want)
		}
		for _, dir := range []string{ts.data, os.TempDir(), "/tus/"} {
			if strings.Contains(r.Reason, dir) {
				t.Errorf("%s: the reason %q names the server's path %s", tc.name, r.Reason, dir)
			}
		}
	}
}
