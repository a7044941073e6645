package upload

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
)

// ParseRecipient reads one age recipient: an X25519 (age1...) or a hybrid post-quantum
// (age1pq1...) public key.
func ParseRecipient(s string) (age.Recipient, error) {
	rs, err := age.ParseRecipients(strings.NewReader(strings.TrimSpace(s)))
	if err != nil {
		return nil, fmt.Errorf("age recipient %q: %v", s, err)
	}
	if len(rs) != 1 {
		return nil, fmt.Errorf("age recipient: want one, got %d", len(rs))
	}
	return rs[0], nil
}

// encryptSpool encrypts src to rcpt into dst (a ciphertext spool, mode 0600), written under a
// temporary name and renamed into place when complete. It returns the ciphertext's size and
// sha256. Plaintext goes from src through age into the file: no plaintext is written anywhere.
func encryptSpool(ctx context.Context, src, dst string, rcpt age.Recipient) (int64, string, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, "", err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".spool-*")
	if err != nil {
		return 0, "", err
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(tmp, h)}
	enc, err := age.Encrypt(cw, rcpt)
	if err != nil {
		return 0, "", err
	}
	if _, err := io.Copy(enc, ctxReader{ctx, in}); err != nil {
		return 0, "", fmt.Errorf("encrypting %s: %w", src, err)
	}
	if err := enc.Close(); err != nil {
		return 0, "", err
	}
	if err := tmp.Sync(); err != nil {
		return 0, "", err
	}
	if err := tmp.Close(); err != nil {
		return 0, "", err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return 0, "", err
	}
	ok = true
	return cw.n, hex.EncodeToString(h.Sum(nil)), nil
}

// Decrypt decrypts the age file in with the identities in identityFile (as written by age-keygen)
// into out, written under a temporary name and renamed into place only when the whole file has
// decrypted and authenticated: a wrong key or a damaged file leaves nothing behind.
func Decrypt(in, identityFile, out string) error {
	idf, err := os.Open(identityFile)
	if err != nil {
		return err
	}
	ids, err := age.ParseIdentities(idf)
	idf.Close()
	if err != nil {
		return fmt.Errorf("%s: %v", identityFile, err)
	}
	src, err := os.Open(in)
	if err != nil {
		return err
	}
	defer src.Close()
	r, err := age.Decrypt(src, ids...)
	if err != nil {
		return fmt.Errorf("%s: %v", in, err)
	}
	if _, err := os.Lstat(out); err == nil {
		return fmt.Errorf("%s already exists; not overwriting it", out)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".decrypt-*")
	if err != nil {
		return err
	}
	_, err = io.Copy(tmp, r)
	if err != nil {
		err = fmt.Errorf("%s: %v", in, err)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), out)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ctxReader stops a copy when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
