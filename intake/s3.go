package intake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
	"github.com/tus/tusd/v2/pkg/s3store"
)

// s3Storage keeps everything an intake instance writes, except its index cache, its key and its
// scratch space, in one S3-compatible bucket under a prefix:
//
//	<prefix>tus/...                          tus upload state (tusd's s3store: data, .info, .part)
//	<prefix>bundles/<ticket>/<sha256>.<ext>  filed bundles, each with its .json record
//	<prefix>quarantine/<ticket>/...          likewise
//	<prefix>revoked/<token id>               revocations (empty objects; revoke.go)
//
// so several intake instances can share it and any of them resume an upload another began.
type s3Storage struct {
	c      *s3.Client
	bucket string
	prefix string // empty or ending in "/"
	tmp    string // local scratch folder
	tus    s3store.S3Store
}

// s3Timeout bounds one small request (records, listings); uploads and downloads of bundles are
// bounded by s3Transfer.
const (
	s3Timeout  = time.Minute
	s3Transfer = time.Hour
)

// newS3Client makes an S3 client from the config: keys from the environment variables it names,
// path-style addressing (what S3-compatible servers expect), checksums only where required.
func newS3Client(st Storage) (*s3.Client, error) {
	opts := s3.Options{
		Region:                     st.Region,
		UsePathStyle:               true,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if st.Endpoint != "" {
		opts.BaseEndpoint = aws.String(st.Endpoint)
	}
	if st.AccessKeyEnv != "" {
		ak, sk := os.Getenv(st.AccessKeyEnv), os.Getenv(st.SecretKeyEnv)
		switch {
		case ak == "":
			return nil, fmt.Errorf("intake: storage.access_key_env: environment variable %s is not set", st.AccessKeyEnv)
		case sk == "":
			return nil, fmt.Errorf("intake: storage.secret_key_env: environment variable %s is not set", st.SecretKeyEnv)
		}
		opts.Credentials = aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(ak, sk, ""))
	} else {
		opts.Credentials = aws.AnonymousCredentials{}
	}
	return s3.New(opts), nil
}

// openS3 connects to the bucket of st and checks that it is there.
func openS3(st Storage, tmp string) (*s3Storage, error) {
	c, err := newS3Client(st)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), s3Timeout)
	defer cancel()
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &st.Bucket}); err != nil {
		return nil, fmt.Errorf("intake: storage %s: bucket %s: %w", st.URL, st.Bucket, err)
	}
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, err
	}
	b := &s3Storage{c: c, bucket: st.Bucket, prefix: st.Prefix, tmp: tmp}
	b.tus = s3store.New(st.Bucket, c)
	b.tus.ObjectPrefix = st.Prefix + "tus/"
	b.tus.TemporaryDirectory = tmp
	return b, nil
}

// tusStore puts tusd's s3store in the composer. Locks are per instance (memorylocker): tusd has
// no S3 locker, so two PATCH requests for one upload must not reach two instances at once — a
// tus client sends one at a time, and resuming elsewhere after a cut connection is safe.
func (b *s3Storage) tusStore(comp *handler.StoreComposer) handler.DataStore {
	b.tus.UseIn(comp)
	memorylocker.New().UseIn(comp)
	return b.tus
}

func (b *s3Storage) key(rel string) string { return b.prefix + rel }

// fetchTus copies a completed tus upload to a local file in dir and returns its path.
func (b *s3Storage) fetchTus(id, dir string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s3Transfer)
	defer cancel()
	up, err := b.tus.GetUpload(ctx, id)
	if err != nil {
		return "", err
	}
	r, err := up.GetReader(ctx)
	if err != nil {
		return "", err
	}
	defer r.Close()
	return b.toTemp(dir, "upload-*", r)
}

func (b *s3Storage) toTemp(dir, pattern string, r io.Reader) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// removeTus deletes a filed upload's tus objects.
func (b *s3Storage) removeTus(info handler.FileInfo) error {
	ctx, cancel := context.WithTimeout(context.Background(), s3Timeout)
	defer cancel()
	up, err := b.tus.GetUpload(ctx, info.ID)
	if err != nil {
		return err
	}
	return b.tus.AsTerminatableUpload(up).Terminate(ctx)
}

// tusIDs lists the tus uploads in the bucket (their ids are in the .info objects).
func (b *s3Storage) tusIDs() ([]string, error) {
	keys, err := b.list(b.prefix + "tus/")
	if err != nil {
		return nil, err
	}
	var ids []string
	for k := range keys {
		if !strings.HasSuffix(k, ".info") {
			continue
		}
		data, err := b.get(k)
		if err != nil {
			return nil, err
		}
		var info handler.FileInfo
		if err := json.Unmarshal(data, &info); err != nil || info.ID == "" {
			continue
		}
		ids = append(ids, info.ID)
	}
	return ids, nil
}

// list returns every key under prefix with its modification time.
func (b *s3Storage) list(prefix string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	p := s3.NewListObjectsV2Paginator(b.c, &s3.ListObjectsV2Input{Bucket: &b.bucket, Prefix: &prefix})
	for p.HasMorePages() {
		ctx, cancel := context.WithTimeout(context.Background(), s3Timeout)
		page, err := p.NextPage(ctx)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("listing s3://%s/%s: %w", b.bucket, prefix, err)
		}
		for _, o := range page.Contents {
			out[aws.ToString(o.Key)] = aws.ToTime(o.LastModified)
		}
	}
	return out, nil
}

// get reads a small object; a missing one is an error wrapping fs.ErrNotExist.
func (b *s3Storage) get(key string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s3Timeout)
	defer cancel()
	o, err := b.c.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.bucket, Key: &key})
	if err != nil {
		var nk *types.NoSuchKey
		if errors.As(err, &nk) {
			return nil, fmt.Errorf("s3://%s/%s: %w", b.bucket, key, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("s3://%s/%s: %w", b.bucket, key, err)
	}
	defer o.Body.Close()
	return io.ReadAll(o.Body)
}

func (b *s3Storage) readRecord(rel string) (Record, error) {
	var r Record
	data, err := b.get(b.key(rel) + ".json")
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("s3://%s/%s.json: %w", b.bucket, b.key(rel), err)
	}
	return r, nil
}

func (b *s3Storage) writeRecord(rel string, r Record) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	ctx, cancel := context.WithTimeout(context.Background(), s3Timeout)
	defer cancel()
	_, err = b.c.PutObject(ctx, &s3.PutObjectInput{Bucket: &b.bucket, Key: aws.String(b.key(rel) + ".json"),
		Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data))), ContentType: aws.String("application/json")})
	return err
}

// place uploads the local file src as rel (one PutObject: bundles are below S3's 5 GiB limit,
// the intake's max_size default is 2 GiB).
func (b *s3Storage) place(src, rel string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), s3Transfer)
	defer cancel()
	_, err = b.c.PutObject(ctx, &s3.PutObjectInput{Bucket: &b.bucket, Key: aws.String(b.key(rel)),
		Body: f, ContentLength: aws.Int64(st.Size())})
	if err != nil {
		return fmt.Errorf("storing s3://%s/%s: %w", b.bucket, b.key(rel), err)
	}
	return nil
}

// Scan reads every record in the bucket: the .json beside each bundle; a bundle without one is
// fetched, checked again and described from its key and modification time.
func (b *s3Storage) Scan() ([]Record, error) {
	var out []Record
	for _, top := range []string{"bundles", "quarantine"} {
		keys, err := b.list(b.prefix + top + "/")
		if err != nil {
			return nil, err
		}
		for k, mod := range keys {
			if strings.HasSuffix(k, ".json") {
				continue
			}
			rel := strings.TrimPrefix(k, b.prefix)
			if _, ok := keys[k+".json"]; ok {
				r, err := b.readRecord(rel)
				if err != nil {
					return nil, err
				}
				r.Path = rel
				out = append(out, r)
				continue
			}
			r, err := b.describe(k, rel, top, mod)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	sortRecords(out)
	return out, nil
}

func (b *s3Storage) describe(key, rel, top string, mod time.Time) (Record, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s3Transfer)
	defer cancel()
	o, err := b.c.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.bucket, Key: &key})
	if err != nil {
		return Record{}, fmt.Errorf("s3://%s/%s: %w", b.bucket, key, err)
	}
	defer o.Body.Close()
	// The local copy keeps the bundle's name, extension and all.
	p, err := b.toTemp(b.tmp, "scan-*-"+path.Base(key), o.Body)
	if err != nil {
		return Record{}, err
	}
	defer os.Remove(p)
	return describe(p, rel, top, mod)
}
