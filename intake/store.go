package intake

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/tus/tusd/v2/pkg/filestore"
	"github.com/tus/tusd/v2/pkg/handler"

	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/intake/desk"
)

// Statuses of a filed upload.
const (
	StatusOK          = "ok"
	StatusQuarantined = "quarantined"
	StatusEncrypted   = "encrypted"
)

// Record is one filed bundle. It is written beside the bundle as <file>.json, so storage alone
// rebuilds the index.
type Record struct {
	ID         string      `json:"id"` // the tus upload id of its first arrival
	Ticket     string      `json:"ticket"`
	SHA256     string      `json:"sha256"` // of the stored file
	Size       int64       `json:"size"`
	ReceivedAt time.Time   `json:"received_at"`
	Status     string      `json:"status"`
	BundleID   string      `json:"bundle_id,omitempty"`
	Filename   string      `json:"filename,omitempty"`
	Findings   Counts      `json:"findings"`
	Reason     string      `json:"reason,omitempty"` // why it is quarantined
	Decrypted  bool        `json:"decrypted,omitempty"`
	Duplicates []Duplicate `json:"duplicates,omitempty"`
	Path       string      `json:"path"` // relative to the storage root, slash separated
	// Desk is the support-desk delivery (kept in storage beside the bundle as .desk.json).
	Desk *desk.State `json:"desk,omitempty"`
}

// Counts are findings by severity.
type Counts struct {
	Critical int `json:"critical"`
	Warning  int `json:"warning"`
	Info     int `json:"info"`
}

// hasUpload reports whether the tus upload id is this record's first arrival or a duplicate.
func (r Record) hasUpload(id string) bool {
	if r.ID == id {
		return true
	}
	for _, d := range r.Duplicates {
		if d.ID == id {
			return true
		}
	}
	return false
}

// Duplicate is a later upload of the same bytes.
type Duplicate struct {
	ID         string    `json:"id"`
	ReceivedAt time.Time `json:"received_at"`
}

// Layout is where bundles live under the storage root:
// bundles/<ticket>/<sha256>.<ext> and quarantine/<ticket>/<sha256>.<ext>, each with its .json.
type Layout struct {
	Root string
	tmp  string
}

// NewLayout is the layout of a data folder; storage, when set, is another folder for bundles.
func NewLayout(dataDir, storage string) Layout {
	root := dataDir
	if storage != "" {
		root = storage
	}
	return Layout{Root: root, tmp: filepath.Join(dataDir, "tmp")}
}

// destRel is where a bundle is filed, relative to the storage root, slash separated.
func destRel(status, ticket, sha, ext string) string {
	top := "bundles"
	if status == StatusQuarantined {
		top = "quarantine"
	}
	return top + "/" + ticket + "/" + sha + "." + ext
}

// storage is where filed bundles and their records live: a folder (Layout) or an S3 bucket
// (s3Storage). rel is a bundle's slash-separated path under the storage root; its record is
// rel + ".json".
type storage interface {
	// readRecord reads the record of rel; an error wrapping fs.ErrNotExist when there is none.
	readRecord(rel string) (Record, error)
	writeRecord(rel string, r Record) error
	// place stores the local file src as rel; src may be moved away.
	place(src, rel string) error
	// Scan reads every record in storage.
	Scan() ([]Record, error)
}

func (l Layout) abs(rel string) string { return filepath.Join(l.Root, filepath.FromSlash(rel)) }

func (l Layout) readRecord(rel string) (Record, error) { return readRecord(l.abs(rel) + ".json") }

func (l Layout) writeRecord(rel string, r Record) error { return writeRecord(l.abs(rel)+".json", r) }

func (l Layout) place(src, rel string) error {
	if err := os.MkdirAll(filepath.Dir(l.abs(rel)), 0o750); err != nil {
		return err
	}
	return place(src, l.abs(rel))
}

// sniff names a file's format from its first bytes.
func sniff(p string) string {
	f, err := os.Open(p)
	if err != nil {
		return "bin"
	}
	defer f.Close()
	b := make([]byte, 32)
	n, _ := io.ReadFull(f, b)
	b = b[:n]
	switch {
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		return "tar.gz"
	case bytes.HasPrefix(b, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return "tar.zst"
	case bytes.HasPrefix(b, []byte("PK")):
		return "zip"
	case bytes.HasPrefix(b, []byte("age-encryption.org/")), bytes.HasPrefix(b, []byte("-----BEGIN AGE")):
		return "age"
	}
	return "bin"
}

func hashFile(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil)), n, err
}

// file files one completed upload: decrypt, verify, store, index. A failure to file leaves the
// tus upload in place (filed again at the next start); a bundle that fails verification is
// quarantined, never dropped.
func (s *Server) file(info handler.FileInfo) {
	log := s.log.With("upload", info.ID, "ticket", info.MetaData["ticket"], "token_id", info.MetaData["token_id"])
	rec, err := s.fileUpload(info)
	if err != nil {
		log.Error("filing upload failed; kept in tus storage", "err", err)
		return
	}
	s.deskFiled(rec, info.ID)
	s.removeTus(info)
	if len(rec.Duplicates) > 0 && rec.Duplicates[len(rec.Duplicates)-1].ID == info.ID {
		log.Info("upload is a duplicate", "sha256", rec.SHA256, "first", rec.ID, "status", rec.Status)
	} else {
		log.Info("upload filed", "sha256", rec.SHA256, "size", rec.Size, "status", rec.Status, "reason", rec.Reason,
			"critical", rec.Findings.Critical, "warning", rec.Findings.Warning)
	}
	if s.opt.OnFiled != nil {
		s.opt.OnFiled(rec)
	}
}

func (s *Server) removeTus(info handler.FileInfo) {
	if s.s3 != nil {
		if err := s.s3.removeTus(info); err != nil {
			s.log.Warn("removing a filed upload's tus objects failed", "upload", info.ID, "err", err)
		}
		return
	}
	bin := info.Storage[filestore.StorageKeyPath]
	if bin == "" {
		bin = filepath.Join(s.opt.DataDir, "tus", info.ID)
	}
	os.Remove(bin)
	os.Remove(filepath.Join(s.opt.DataDir, "tus", info.ID+".info"))
	os.Remove(filepath.Join(s.opt.DataDir, "tus", info.ID+".lock"))
}

func (s *Server) fileUpload(info handler.FileInfo) (Record, error) {
	meta := info.MetaData
	ticket := meta["ticket"]
	if !ValidTicket(ticket) {
		return Record{}, fmt.Errorf("upload %s has no valid ticket in its metadata", info.ID)
	}
	var cleanup []string
	defer func() {
		for _, p := range cleanup {
			os.Remove(p)
		}
	}()
	src := info.Storage[filestore.StorageKeyPath]
	if s.s3 != nil {
		// The upload is an object in the bucket: checked and decrypted from a local copy.
		var err error
		if src, err = s.s3.fetchTus(info.ID, s.tmp); err != nil {
			return Record{}, err
		}
		cleanup = append(cleanup, src)
	} else if src == "" {
		src = filepath.Join(s.opt.DataDir, "tus", info.ID)
	}
	sha, size, err := hashFile(src)
	if err != nil {
		return Record{}, err
	}
	rec := Record{ID: info.ID, Ticket: ticket, SHA256: sha, Size: size, ReceivedAt: s.opt.Now().UTC(),
		Filename: meta["filename"], BundleID: meta["bundle_id"], Status: StatusOK}
	cand := src // the file to be stored
	plain := "" // its decrypted copy
	switch {
	case meta["sha256"] != "" && meta["sha256"] != sha:
		rec.Status, rec.Reason = StatusQuarantined, fmt.Sprintf("the bytes received hash to %s, the client sent sha256 %s", sha, meta["sha256"])
	case meta["encrypted"] == "age" && len(s.opt.Identities) == 0:
		rec.Status = StatusEncrypted
	case meta["encrypted"] == "age":
		var err error
		plain, err = s.decrypt(src)
		if err != nil {
			rec.Status, rec.Reason = StatusQuarantined, "decryption failed: "+err.Error()
			break
		}
		cleanup = append(cleanup, plain)
		cand, rec.Decrypted = plain, true
		if rec.SHA256, rec.Size, err = hashFile(plain); err != nil {
			return Record{}, err
		}
		s.check(&rec, cand, ticket)
	default:
		s.check(&rec, cand, ticket)
	}
	rec.Reason = s.reasonNames(rec.Reason, info.ID, src, plain)
	ext := sniff(cand)
	if rec.Status == StatusEncrypted {
		ext = "age"
	}
	rel := destRel(rec.Status, ticket, rec.SHA256, ext)
	rec.Path = rel
	prev, err := s.stor.readRecord(rel)
	switch {
	case err == nil && prev.hasUpload(info.ID):
		// Filed already (by another instance, or before a crash that kept the tus upload).
		return prev, s.idx.Put(prev)
	case err == nil:
		// The same bytes for the same ticket: one entry, the duplicate noted.
		prev.Duplicates = append(prev.Duplicates, Duplicate{ID: info.ID, ReceivedAt: rec.ReceivedAt})
		if err := s.stor.writeRecord(rel, prev); err != nil {
			return Record{}, err
		}
		return prev, s.idx.Put(prev)
	case !errors.Is(err, fs.ErrNotExist):
		return Record{}, err
	}
	if err := s.stor.place(cand, rel); err != nil {
		return Record{}, err
	}
	if err := s.stor.writeRecord(rel, rec); err != nil {
		return Record{}, err
	}
	return rec, s.idx.Put(rec)
}

// reasonNames names the upload in a quarantine reason where the error behind it named the
// server's files (the tus upload "/var/lib/casefile/tus/<id>", its decrypted copy, any path
// under the data or temporary folder): engineers read reasons in the web view and intake list.
func (s *Server) reasonNames(reason, id, src, plain string) string {
	if reason == "" {
		return reason
	}
	pairs := []string{}
	if plain != "" {
		pairs = append(pairs, plain, "upload "+id+" (decrypted)")
	}
	pairs = append(pairs, src, "upload "+id)
	for _, dir := range []string{s.tmp, s.opt.DataDir} {
		if dir != "" {
			pairs = append(pairs, dir, "[intake data]")
		}
	}
	return strings.NewReplacer(pairs...).Replace(reason)
}

// check verifies a plaintext bundle and reads its findings; any failure quarantines it.
func (s *Server) check(rec *Record, p, ticket string) {
	c, err := bundle.Read(p, bundle.DefaultReadLimits)
	if err != nil {
		rec.Status, rec.Reason = StatusQuarantined, "unreadable bundle: "+err.Error()
		return
	}
	rec.BundleID = c.Manifest.BundleID
	// Counted over all findings (c.Findings keeps the first 10,000).
	rec.Findings.Critical, rec.Findings.Warning, rec.Findings.Info = c.FindingCounts.Critical, c.FindingCounts.Warning, c.FindingCounts.Info
	if probs := c.Verify(); len(probs) > 0 {
		msgs := make([]string, 0, 3)
		for i, p := range probs {
			if i == 3 {
				msgs = append(msgs, fmt.Sprintf("and %d more", len(probs)-3))
				break
			}
			msgs = append(msgs, p.String())
		}
		rec.Status, rec.Reason = StatusQuarantined, "verification failed: "+strings.Join(msgs, "; ")
		return
	}
	if c.Manifest.Ticket != ticket {
		rec.Status, rec.Reason = StatusQuarantined, fmt.Sprintf("the manifest names ticket %q, the token ticket %q", c.Manifest.Ticket, ticket)
	}
}

func (s *Server) decrypt(src string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	r, err := age.Decrypt(bufio.NewReader(in), s.opt.Identities...)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(s.tmp, 0o700); err != nil {
		return "", err
	}
	out, err := os.CreateTemp(s.tmp, "plain-*")
	if err != nil {
		return "", err
	}
	_, err = io.Copy(out, r)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out.Name())
		return "", err
	}
	return out.Name(), nil
}

// place moves src to dst, copying when they are on different file systems.
func place(src, dst string) error {
	if err := os.Rename(src, dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := dst + ".part"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	os.Remove(src)
	return nil
}

func readRecord(p string) (Record, error) {
	var r Record
	data, err := os.ReadFile(p)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("%s: %w", p, err)
	}
	return r, nil
}

func writeRecord(p string, r Record) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// Scan reads every record in storage: the .json beside each bundle; a bundle without one is
// checked again and described from its place (folder, name, modification time).
func (l Layout) Scan() ([]Record, error) {
	var out []Record
	for _, top := range []string{"bundles", "quarantine"} {
		root := filepath.Join(l.Root, top)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && p == root {
					return nil
				}
				return err
			}
			name := d.Name()
			if d.IsDir() || strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".tmp") || strings.HasSuffix(name, ".part") {
				return nil
			}
			rel, _ := filepath.Rel(l.Root, p)
			rel = filepath.ToSlash(rel)
			if r, err := readRecord(p + ".json"); err == nil {
				r.Path = rel
				out = append(out, r)
				return nil
			}
			st, err := os.Stat(p)
			if err != nil {
				return err
			}
			r, err := describe(p, rel, top, st.ModTime())
			if err != nil {
				return err
			}
			out = append(out, r)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sortRecords(out)
	return out, nil
}

// describe rebuilds a record from a stored file alone.
func describe(p, rel, top string, modTime time.Time) (Record, error) {
	sha, size, err := hashFile(p)
	if err != nil {
		return Record{}, err
	}
	parts := strings.Split(rel, "/")
	r := Record{ID: sha[:16], Ticket: parts[1], SHA256: sha, Size: size, ReceivedAt: modTime.UTC(), Path: rel, Status: StatusOK}
	switch {
	case top == "quarantine":
		r.Status, r.Reason = StatusQuarantined, "quarantined (record lost; reason unknown)"
	case strings.HasSuffix(rel, ".age"):
		r.Status = StatusEncrypted
	default:
		(&Server{}).check(&r, p, r.Ticket)
	}
	return r, nil
}

func sortRecords(rs []Record) {
	sort.Slice(rs, func(i, j int) bool {
		if !rs[i].ReceivedAt.Equal(rs[j].ReceivedAt) {
			return rs[i].ReceivedAt.Before(rs[j].ReceivedAt)
		}
		return rs[i].Path < rs[j].Path
	})
}
