package intake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// RevocationCacheTTL is how long an instance with S3 storage trusts that a token is not revoked
// before asking the bucket again: a revoked token is refused on every instance within this time.
const RevocationCacheTTL = 5 * time.Second

// revocationTimeout bounds one revocation lookup in the bucket; past it the token is refused.
const revocationTimeout = 10 * time.Second

// revocationStore is where revocations live: one empty file or object per token id.
type revocationStore interface {
	revoke(id string) error
	// isRevoked is (false, nil) only when the store says id is not revoked; an error means it
	// could not tell.
	isRevoked(id string) (bool, error)
}

// Revocations are revoked token ids, kept in storage so every instance sharing it refuses them
// without a database: empty files <storage>/revoked/<id> for a folder, empty objects
// <prefix>revoked/<id> for S3. Revoke writes to the first store; Revoked consults all of them and
// fails closed: a store that cannot be read refuses the token.
type Revocations struct {
	stores []revocationStore
	ttl    time.Duration // how long "not revoked" is cached; 0: not at all

	mu      sync.Mutex
	clear   map[string]time.Time // id -> when a lookup last found it not revoked
	revoked map[string]bool      // revocations are final: cached for good
}

func newRevocations(ttl time.Duration, stores ...revocationStore) *Revocations {
	return &Revocations{stores: stores, ttl: ttl, clear: map[string]time.Time{}, revoked: map[string]bool{}}
}

// NewRevocations is the revocation list of a data folder (<data>/revoked), the folder backend
// when storage is the data folder itself. With a config, use OpenRevocations.
func NewRevocations(dataDir string) *Revocations {
	return newRevocations(0, dirRevocations(filepath.Join(dataDir, "revoked")))
}

// OpenRevocations is the revocation list of the storage cfg names (nil: the data folder):
// <storage>/revoked for a folder, <prefix>revoked/ in the bucket for S3 (keys from the
// environment variables the config names). What `intake revoke` writes to and what the server
// consults. <data>/revoked, where revocations were kept before they moved into storage, is
// consulted too.
func OpenRevocations(dataDir string, cfg *Config) (*Revocations, error) {
	var st Storage
	if cfg != nil {
		st = cfg.Storage
	}
	if !st.IsS3() {
		return folderRevocations(dataDir, st.URL), nil
	}
	b, err := openS3(st, filepath.Join(dataDir, "tmp"))
	if err != nil {
		return nil, err
	}
	return s3Revocations(b, dataDir), nil
}

// folderRevocations keeps revocations in <storage>/revoked, checking <data>/revoked as well when
// storage is another folder. Not cached: a stat is cheap.
func folderRevocations(dataDir, storageDir string) *Revocations {
	local := filepath.Join(dataDir, "revoked")
	if storageDir == "" {
		return newRevocations(0, dirRevocations(local))
	}
	shared := filepath.Join(storageDir, "revoked")
	if filepath.Clean(shared) == filepath.Clean(local) {
		return newRevocations(0, dirRevocations(local))
	}
	return newRevocations(0, dirRevocations(shared), dirRevocations(local))
}

// s3Revocations keeps revocations in the bucket, checking <data>/revoked as well; lookups that
// find a token not revoked are cached for RevocationCacheTTL.
func s3Revocations(b *s3Storage, dataDir string) *Revocations {
	return newRevocations(RevocationCacheTTL, b, dirRevocations(filepath.Join(dataDir, "revoked")))
}

// Revoke records id as revoked.
func (r *Revocations) Revoke(id string) error {
	if !tokenIDRe.MatchString(id) {
		return ErrTokenMalformed
	}
	if err := r.stores[0].revoke(id); err != nil {
		return err
	}
	r.mu.Lock()
	r.revoked[id] = true
	r.mu.Unlock()
	return nil
}

// Revoked reports whether id was revoked. Fail closed: a store that cannot be read refuses the
// token (and the answer is not cached, so the next request asks again).
func (r *Revocations) Revoked(id string) bool {
	if !tokenIDRe.MatchString(id) {
		return true
	}
	r.mu.Lock()
	if r.revoked[id] {
		r.mu.Unlock()
		return true
	}
	if t, ok := r.clear[id]; ok && r.ttl > 0 && time.Since(t) < r.ttl {
		r.mu.Unlock()
		return false
	}
	r.mu.Unlock()

	asked := time.Now()
	for _, s := range r.stores {
		rev, err := s.isRevoked(id)
		if err != nil {
			return true
		}
		if rev {
			r.mu.Lock()
			r.revoked[id] = true
			delete(r.clear, id)
			r.mu.Unlock()
			return true
		}
	}
	if r.ttl > 0 {
		r.mu.Lock()
		if len(r.clear) >= 10_000 {
			for k, t := range r.clear {
				if time.Since(t) >= r.ttl {
					delete(r.clear, k)
				}
			}
		}
		if !r.revoked[id] {
			r.clear[id] = asked
		}
		r.mu.Unlock()
	}
	return false
}

// dirRevocations is a folder of empty files named by token id.
type dirRevocations string

func (d dirRevocations) revoke(id string) error {
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(string(d), id), nil, 0o600)
}

func (d dirRevocations) isRevoked(id string) (bool, error) {
	_, err := os.Stat(filepath.Join(string(d), id))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, err
}

func (b *s3Storage) revokedKey(id string) string { return b.prefix + "revoked/" + id }

// revoke stores the empty object <prefix>revoked/<id>.
func (b *s3Storage) revoke(id string) error {
	ctx, cancel := context.WithTimeout(context.Background(), s3Timeout)
	defer cancel()
	_, err := b.c.PutObject(ctx, &s3.PutObjectInput{Bucket: &b.bucket, Key: aws.String(b.revokedKey(id)),
		Body: bytes.NewReader(nil), ContentLength: aws.Int64(0)})
	if err != nil {
		return fmt.Errorf("revoking: storing s3://%s/%s: %w", b.bucket, b.revokedKey(id), err)
	}
	return nil
}

// isRevoked reads <prefix>revoked/<id>: found is revoked, NoSuchKey is not; anything else is an
// error (403 included: S3 answers 403 for a missing key without s3:ListBucket). GetObject rather
// than HeadObject: a HEAD's 404 has no body, so a missing bucket would read as "not revoked".
func (b *s3Storage) isRevoked(id string) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), revocationTimeout)
	defer cancel()
	key := b.revokedKey(id)
	o, err := b.c.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.bucket, Key: &key})
	if err == nil {
		o.Body.Close()
		return true, nil
	}
	var nk *types.NoSuchKey
	if errors.As(err, &nk) {
		return false, nil
	}
	return false, fmt.Errorf("s3://%s/%s: %w", b.bucket, key, err)
}
