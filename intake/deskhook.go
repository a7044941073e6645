package intake

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/intake/desk"
)

// A bundle's desk delivery state lives beside it in storage: <bundle>.desk.json.
const deskSuffix = ".desk.json"

// deskStorage is what the desk queue needs of storage; the folder layout and the S3 bucket
// both have it.
type deskStorage interface {
	storage
	readDesk(rel string) (desk.State, error) // an error wrapping fs.ErrNotExist when there is none
	writeDesk(rel string, st desk.State) error
	open(rel string) (io.ReadCloser, error)
	// deskStates reads every delivery state in storage.
	deskStates() ([]desk.State, error)
}

// startDesk starts the desk queue and resumes the deliveries storage holds as pending.
func (s *Server) startDesk() {
	st := s.stor.(deskStorage)
	retry := desk.DefaultRetry
	if s.opt.Config.Desk != nil {
		retry = s.opt.Config.Desk.Retry
	}
	s.desk = desk.NewQueue(desk.QueueOptions{
		Connector: s.opt.Desk, Store: deskStore{s, st}, Retry: retry, Logger: s.log, Now: s.opt.Now,
		OnChange: func(rel string, ds desk.State) {
			if err := s.idx.setDesk(rel, ds.Brief()); err != nil {
				s.log.Warn("indexing the desk state failed", "path", rel, "err", err)
			}
		},
	})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		states, err := st.deskStates()
		if err != nil {
			s.log.Error("reading pending desk deliveries failed", "err", err)
		}
		n := 0
		for _, ds := range states {
			if ds.Status == desk.StatusPending {
				s.desk.Resume(ds)
				n++
			}
		}
		if n > 0 {
			s.log.Info("resuming pending desk deliveries", "count", n)
		}
	}()
}

// bundleLink is where an engineer fetches a bundle on the intake: the web view's download
// (engineer token required).
func (s *Server) bundleLink(rec Record) string {
	if s.opt.Config.PublicURL == "" {
		return ""
	}
	return s.opt.Config.PublicURL + "/web/t/" + url.PathEscape(rec.Ticket) + "/b/" + url.PathEscape(rec.ID) + "/download"
}

// deskFiled queues the desk comment for a bundle filed ok for the first time. It runs before
// the tus upload is removed, so a crash in between files it again and queues it then.
func (s *Server) deskFiled(rec Record, uploadID string) {
	if s.desk == nil || rec.Status != StatusOK || rec.ID != uploadID {
		return
	}
	st := s.stor.(deskStorage)
	if _, err := st.readDesk(rec.Path); err == nil {
		return // queued before (the same upload filed again after a crash)
	} else if !errors.Is(err, fs.ErrNotExist) {
		s.log.Error("reading the desk state failed; the bundle is not queued for the desk", "path", rec.Path, "err", err)
		return
	}
	ext := extOf(rec.Path)
	err := s.desk.Enqueue(desk.State{Ticket: rec.Ticket, Path: rec.Path, Size: rec.Size, SHA256: rec.SHA256,
		FileName: path.Base(rec.Path), FileType: mimeOf(ext), Link: s.bundleLink(rec)})
	if err != nil {
		s.log.Error("queueing the desk comment failed", "path", rec.Path, "err", err)
	}
}

func extOf(rel string) string {
	base := path.Base(rel)
	if _, ext, ok := strings.Cut(base, "."); ok {
		return ext
	}
	return ""
}

func mimeOf(ext string) string {
	switch ext {
	case "tar.gz":
		return "application/gzip"
	case "tar.zst":
		return "application/zstd"
	case "zip":
		return "application/zip"
	}
	return "application/octet-stream"
}

// deskStore gives the queue the storage and the bundle's summary.
type deskStore struct {
	s  *Server
	st deskStorage
}

func (d deskStore) SaveState(rel string, ds desk.State) error { return d.st.writeDesk(rel, ds) }

func (d deskStore) Open(rel string) (io.ReadCloser, error) { return d.st.open(rel) }

// Summarize reads the bundle (a local copy for S3) and names the attachment after the bundle's
// top folder.
func (d deskStore) Summarize(rel string) (desk.Summary, error) {
	p := ""
	if l, ok := d.st.(Layout); ok {
		p = l.abs(rel)
	} else {
		r, err := d.st.open(rel)
		if err != nil {
			return desk.Summary{}, err
		}
		defer r.Close()
		if err := os.MkdirAll(d.s.tmp, 0o700); err != nil {
			return desk.Summary{}, err
		}
		f, err := os.CreateTemp(d.s.tmp, "desk-*-"+path.Base(rel))
		if err != nil {
			return desk.Summary{}, err
		}
		defer os.Remove(f.Name())
		_, err = io.Copy(f, r)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return desk.Summary{}, err
		}
		p = f.Name()
	}
	c, err := bundle.Read(p, bundle.DefaultReadLimits)
	if err != nil {
		return desk.Summary{}, fmt.Errorf("reading %s: %w", rel, err)
	}
	return desk.Summarize(c), nil
}

// Folder storage.

func (l Layout) readDesk(rel string) (desk.State, error) {
	var st desk.State
	data, err := os.ReadFile(l.abs(rel) + deskSuffix)
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return st, fmt.Errorf("%s%s: %w", rel, deskSuffix, err)
	}
	return st, nil
}

func (l Layout) writeDesk(rel string, st desk.State) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	p := l.abs(rel) + deskSuffix
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

func (l Layout) open(rel string) (io.ReadCloser, error) { return os.Open(l.abs(rel)) }

func (l Layout) deskStates() ([]desk.State, error) {
	var out []desk.State
	root := filepath.Join(l.Root, "bundles")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == root {
				return nil
			}
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, deskSuffix) {
			return nil
		}
		rel, _ := filepath.Rel(l.Root, strings.TrimSuffix(p, deskSuffix))
		st, err := l.readDesk(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		st.Path = filepath.ToSlash(rel)
		out = append(out, st)
		return nil
	})
	return out, err
}

// S3 storage.

func (b *s3Storage) readDesk(rel string) (desk.State, error) {
	var st desk.State
	data, err := b.get(b.key(rel) + deskSuffix)
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return st, fmt.Errorf("s3://%s/%s%s: %w", b.bucket, b.key(rel), deskSuffix, err)
	}
	return st, nil
}

func (b *s3Storage) writeDesk(rel string, st desk.State) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	ctx, cancel := context.WithTimeout(context.Background(), s3Timeout)
	defer cancel()
	_, err = b.c.PutObject(ctx, &s3.PutObjectInput{Bucket: &b.bucket, Key: aws.String(b.key(rel) + deskSuffix),
		Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data))), ContentType: aws.String("application/json")})
	return err
}

func (b *s3Storage) open(rel string) (io.ReadCloser, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s3Transfer)
	o, err := b.c.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.bucket, Key: aws.String(b.key(rel))})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("s3://%s/%s: %w", b.bucket, b.key(rel), err)
	}
	return cancelCloser{o.Body, cancel}, nil
}

type cancelCloser struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelCloser) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

func (b *s3Storage) deskStates() ([]desk.State, error) {
	keys, err := b.list(b.prefix + "bundles/")
	if err != nil {
		return nil, err
	}
	var out []desk.State
	for k := range keys {
		if !strings.HasSuffix(k, deskSuffix) {
			continue
		}
		rel := strings.TrimSuffix(strings.TrimPrefix(k, b.prefix), deskSuffix)
		st, err := b.readDesk(rel)
		if err != nil {
			return nil, err
		}
		st.Path = rel
		out = append(out, st)
	}
	return out, nil
}

// withDesk adds each record's desk state from storage (for reindex).
func withDesk(st storage, recs []Record) error {
	ds, ok := st.(deskStorage)
	if !ok {
		return nil
	}
	states, err := ds.deskStates()
	if err != nil {
		return err
	}
	by := map[string]desk.State{}
	for _, s := range states {
		by[s.Path] = s
	}
	for i := range recs {
		if s, ok := by[recs[i].Path]; ok {
			recs[i].Desk = s.Brief()
		}
	}
	return nil
}

// setDesk records a desk state in the index entry of the bundle at rel.
func (x *Index) setDesk(rel string, st *desk.State) error {
	tx, err := x.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var s string
	if err := tx.QueryRow(`SELECT record FROM bundles WHERE path = ?`, rel).Scan(&s); errors.Is(err, sql.ErrNoRows) {
		return nil // filed by another instance sharing the bucket: this index learns it at reindex
	} else if err != nil {
		return err
	}
	var r Record
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return err
	}
	r.Desk = st
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(`UPDATE bundles SET record = ? WHERE path = ?`, string(data), rel); err != nil {
		return err
	}
	return tx.Commit()
}

// keepDesk is Put's rule for the desk state: the desk queue owns it, so a record put without
// one (a duplicate noted by filing) keeps the state the index has.
func (x *Index) keepDesk(r *Record) {
	if r.Desk != nil {
		return
	}
	var s string
	if err := x.db.QueryRow(`SELECT record FROM bundles WHERE path = ?`, r.Path).Scan(&s); err != nil {
		return
	}
	var old Record
	if json.Unmarshal([]byte(s), &old) == nil {
		r.Desk = old.Desk
	}
}
