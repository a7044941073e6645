// Package bundle stages collector output, writes the deterministic v1 archive, and reads, verifies
// and compares bundles.
package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/redact"
)

// FileEntry is the manifest's record of one file.
type FileEntry struct {
	Path       string `json:"path"`
	Size       int64  `json:"size"`
	SHA256     string `json:"sha256"`
	Collector  string `json:"collector"`
	Truncated  bool   `json:"truncated"`
	BytesKept  int64  `json:"bytes_kept,omitempty"`
	BytesSeen  int64  `json:"bytes_seen,omitempty"`
	Redactions int    `json:"redactions"`
}

// MarshalJSON writes bytes_kept and bytes_seen exactly when the file is truncated, 0 included
// (a file cut to nothing still says so).
func (f FileEntry) MarshalJSON() ([]byte, error) {
	type plain FileEntry
	if !f.Truncated {
		return json.Marshal(plain(f))
	}
	return json.Marshal(struct {
		plain
		BytesKept int64 `json:"bytes_kept"`
		BytesSeen int64 `json:"bytes_seen"`
	}{plain(f), f.BytesKept, f.BytesSeen})
}

// Limits bound what a bundle holds.
type Limits struct {
	MaxFileSize      int64 `json:"max_file_size"`
	MaxCollectorSize int64 `json:"max_collector_size"`
	MaxBundleSize    int64 `json:"max_bundle_size"`
}

// Stage holds redacted collector output in a private temporary folder until the archive is
// written. Only redacted bytes ever reach it; Cleanup removes it on every path out.
type Stage struct {
	dir    string
	eng    *redact.Engine
	limits Limits

	mu    sync.Mutex
	files map[string]*FileEntry
	dirs  map[string]int // folders the staged files make in the archive, and how many files each holds
	raw   []RawExemption
	total int64 // bytes staged, all collectors
}

// NewStage makes a staging folder under parent (the output folder, so the final rename is cheap).
func NewStage(parent string, eng *redact.Engine, limits Limits) (*Stage, error) {
	dir, err := os.MkdirTemp(parent, tempPrefix(stagePrefix))
	if err != nil {
		return nil, fmt.Errorf("creating staging folder: %w", err)
	}
	return &Stage{dir: dir, eng: eng, limits: limits, files: map[string]*FileEntry{}, dirs: map[string]int{}}, nil
}

// Dir is the staging folder.
func (s *Stage) Dir() string { return s.dir }

// ContentDir is the folder holding the staged (redacted) files under their bundle paths, for
// readers such as the analyzers.
func (s *Stage) ContentDir() string { return filepath.Join(s.dir, "f") }

// Cleanup removes the staging folder and everything in it.
func (s *Stage) Cleanup() error { return os.RemoveAll(s.dir) }

// Files returns the staged files sorted by path.
func (s *Stage) Files() []FileEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]FileEntry, 0, len(s.files))
	for _, f := range s.files {
		out = append(out, *f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Redactions fills each entry's redaction count from the engine's report.
func (s *Stage) countRedactions() {
	rep := s.eng.Report()
	s.mu.Lock()
	defer s.mu.Unlock()
	for p, f := range s.files {
		n := 0
		for _, c := range rep.ByFile[p] {
			n += c
		}
		f.Redactions = n
	}
}

// WriteFile stages a whole file written by casefile itself (environment.json, spec.yaml ...),
// through the redactor like everything else.
func (s *Stage) WriteFile(p string, data []byte, collector string) error {
	w, err := s.create(p, collector, nil)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		w.abort()
		return err
	}
	return w.Close()
}

// WriteJSON stages v as indented JSON.
func (s *Stage) WriteJSON(p string, v any, collector string) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return s.WriteFile(p, append(data, '\n'), collector)
}

// writeReport stages redaction.json, the one file besides manifest.json that does not pass
// through the redactor as a stream: the redactor could take its keys (rule ids such as
// "password") for sensitive ones. It is typed, not any: it holds counts, rule ids, bundle paths
// (already redacted) and drop reasons (redacted when recorded). The manifest lists it under
// raw_exemptions with the reason.
func (s *Stage) writeReport(rep redact.Report) error {
	const p = "redaction.json"
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	local := filepath.Join(s.dir, "f", p)
	if err := os.MkdirAll(filepath.Dir(local), 0o700); err != nil {
		return err
	}
	data = append(data, '\n')
	if err := os.WriteFile(local, data, 0o600); err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.files[p]; dup {
		return fmt.Errorf("%s: written twice", p)
	}
	s.files[p] = &FileEntry{Path: p, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Collector: "casefile"}
	s.raw = append(s.raw, RawExemption{Path: p, Reason: "counts per rule and per bundle path; holds no values"})
	return nil
}

// drop records a file left out because it could not be redacted; the reason is redacted too.
func (s *Stage) drop(p, reason string) {
	s.eng.Drop(p, s.eng.String("redaction.json", reason))
}

// Sink returns the sink for one collector.
func (s *Stage) Sink(c collectors.Collector) collectors.RunSink {
	return &sink{stage: s, name: c.Name(), family: c.Family(), open: map[*stagedFile]bool{}}
}

// MaxFileSize is the per-file cap.
func (s *Stage) maxFile() int64 {
	if s.limits.MaxFileSize > 0 {
		return s.limits.MaxFileSize
	}
	return 10 << 20
}

func checkPath(p string) error {
	if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, `\`) || path.Clean(p) != p || strings.HasPrefix(p, "../") || p == ".." {
		return fmt.Errorf("invalid bundle path %q", p)
	}
	return nil
}

func (s *Stage) create(p, collector string, sk *sink) (*stagedFile, error) {
	if err := checkPath(p); err != nil {
		return nil, err
	}
	p, err := s.safePath(p)
	if err != nil {
		msg := fmt.Sprintf("a file of collector %s left out: %v", collector, err)
		s.drop("(unnamed file of "+collector+")", msg)
		if sk != nil {
			sk.problem(msg)
		}
		return nil, errors.New(msg)
	}
	s.mu.Lock()
	if _, dup := s.files[p]; dup {
		s.mu.Unlock()
		return nil, fmt.Errorf("%s: written twice", p)
	}
	dirs := parentDirs(p)
	if sk != nil {
		n := len(s.files) + len(s.dirs)
		for _, d := range dirs {
			if s.dirs[d] == 0 {
				n++
			}
		}
		if n+1 > MaxStagedEntries {
			s.mu.Unlock()
			return nil, fmt.Errorf("%s left out: the bundle holds at most %d files and folders (what casefile verify and inspect accept)", p, MaxStagedEntries)
		}
	}
	entry := &FileEntry{Path: p, Collector: collector}
	s.files[p] = entry
	for _, d := range dirs {
		s.dirs[d]++
	}
	s.mu.Unlock()

	local := filepath.Join(s.dir, "f", filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(local), 0o700); err != nil {
		s.forget(p)
		return nil, err
	}
	f, err := os.OpenFile(local, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600) // read back by tails
	if err != nil {
		s.forget(p)
		return nil, err
	}
	sf := &stagedFile{stage: s, sink: sk, entry: entry, f: f, local: local, h: sha256.New()}
	sf.red = s.eng.NewWriter(&sf.capped, p)
	sf.capped.sf = sf
	return sf, nil
}

func (s *Stage) forget(p string) {
	s.mu.Lock()
	if _, ok := s.files[p]; ok {
		delete(s.files, p)
		for _, d := range parentDirs(p) {
			if s.dirs[d]--; s.dirs[d] <= 0 {
				delete(s.dirs, d)
			}
		}
	}
	s.mu.Unlock()
}

// MaxStagedEntries bounds the files and folders collectors stage, below the reader's limit
// (DefaultReadLimits.MaxEntries), so that casefile never writes a bundle its own verify and
// inspect refuse; the margin holds the top folder, manifest.json and casefile's own files
// (environment.json, spec.yaml, redaction.json, findings.json, report.html, ...), which are not
// counted against it.
var MaxStagedEntries = DefaultReadLimits.MaxEntries - 100

// safePath redacts a bundle path: collectors derive paths from host paths, and a file can be
// named after a secret (password=hunter2.conf) or, with --anonymize, sit under a user's home.
// When the redacted name is no valid bundle path the file is left out (fail closed): the
// unredacted name is never used.
func (s *Stage) safePath(p string) (string, error) {
	r := s.eng.Path(p)
	if err := checkPath(r); err != nil {
		return "", fmt.Errorf("redacted name is not a valid bundle path")
	}
	return r, nil
}

// Open returns a staged file's redacted content.
func (s *Stage) Open(p string) (*os.File, error) {
	return os.Open(filepath.Join(s.dir, "f", filepath.FromSlash(p)))
}

// stagedFile is the write end of one staged file: redactor -> caps -> sha256 + disk.
type stagedFile struct {
	stage  *Stage
	sink   *sink
	entry  *FileEntry
	f      *os.File
	local  string
	h      hash.Hash
	red    io.WriteCloser
	capped capWriter
	closed bool
	err    error
	tail   *tailSpool // set for a file that keeps its newest part (bundle/tail.go)
	// mu serialises Write, Close and abort: the runner aborts the files of a collector it gave
	// up on while that collector may still be writing; its writes then fail.
	mu sync.Mutex
}

// capWriter receives redacted bytes and applies the file, collector and bundle caps.
type capWriter struct {
	sf     *stagedFile
	kept   int64
	seen   int64
	capped bool // the collector or bundle cap, not the file cap, stopped this file
}

func (c *capWriter) Write(p []byte) (int, error) {
	sf := c.sf
	if sf.tail != nil {
		return sf.tail.write(c, p)
	}
	c.seen += int64(len(p))
	// Collectors bound what they read to MaxFileSize (keeping a log's newest part, say); the
	// markers redaction puts in can make the stored text longer, so the hard cut on redacted bytes
	// sits at twice the cap. Cutting here keeps the head, which would drop the newest lines.
	fileRoom := 2*sf.stage.maxFile() - c.kept
	s := sf.stage
	s.mu.Lock()
	// The collector and bundle caps bound what collectors write. casefile's own files
	// (environment.json, spec.yaml) are small and always fit: they describe the bundle.
	capRoom := int64(1 << 62)
	if sf.sink != nil {
		capRoom = min(s.bundleRoom(), sf.sink.roomLocked())
	}
	room := max(0, min(fileRoom, capRoom))
	take := min(int64(len(p)), room)
	if take < int64(len(p)) {
		c.capped = capRoom < fileRoom
	}
	s.total += take
	if sf.sink != nil {
		sf.sink.written += take
	}
	s.mu.Unlock()
	if take > 0 {
		if _, err := sf.f.Write(p[:take]); err != nil {
			return 0, err
		}
		sf.h.Write(p[:take])
		c.kept += take
	}
	return len(p), nil
}

// bundleRoom is what the bundle cap still allows; the caller holds s.mu.
func (s *Stage) bundleRoom() int64 {
	if s.limits.MaxBundleSize <= 0 {
		return 1 << 62
	}
	return s.limits.MaxBundleSize - s.total
}

// Name is the file's path in the bundle: what was asked for, redacted (see safePath). A collector
// that lists its files in an index records this name (collectors.BundlePath).
func (sf *stagedFile) Name() string { return sf.entry.Path }

func (sf *stagedFile) Write(p []byte) (int, error) {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	if sf.err != nil {
		return 0, sf.err
	}
	if sf.closed {
		return 0, fmt.Errorf("%s: write after close", sf.entry.Path)
	}
	n, err := sf.red.Write(p)
	if err != nil {
		sf.err = fmt.Errorf("%s: %w", sf.entry.Path, err)
	}
	return n, sf.err
}

// Close finishes redaction. If the redactor failed, the file is dropped (fail closed).
func (sf *stagedFile) Close() error {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	if sf.closed {
		return nil
	}
	sf.closed = true
	err := sf.err
	if cerr := sf.red.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("%s: %w", sf.entry.Path, cerr)
	}
	if err == nil && sf.tail != nil {
		err = sf.finishTail()
	}
	if ferr := sf.f.Close(); err == nil && ferr != nil {
		err = ferr
	}
	if sf.sink != nil {
		sf.sink.closed(sf)
	}
	if err != nil {
		sf.discard()
		sf.stage.drop(sf.entry.Path, err.Error())
		if sf.sink != nil {
			sf.sink.problem(fmt.Sprintf("%s left out: %v", sf.entry.Path, err))
		}
		return err
	}
	cut := sf.capped.kept < sf.capped.seen
	if cut && sf.sink != nil && strings.HasSuffix(sf.entry.Path, ".json") && !sf.capped.capped {
		// Half a JSON document is worse than none, whichever cap cut it.
		sf.discard()
		sf.sink.problem(fmt.Sprintf("%s left out: larger than the file size cap", sf.entry.Path))
		return nil
	}
	if cut && sf.capped.capped && sf.sink != nil {
		if strings.HasSuffix(sf.entry.Path, ".json") {
			// Half a JSON document is worse than none: it is left out, and said so.
			sf.discard()
			sf.sink.problem(fmt.Sprintf("%s left out: the collector or bundle size cap was reached", sf.entry.Path))
			return nil
		}
		sf.sink.problem(fmt.Sprintf("%s cut by the collector or bundle size cap (%d of %d bytes kept)", sf.entry.Path, sf.capped.kept, sf.capped.seen))
	}
	s := sf.stage
	s.mu.Lock()
	e := sf.entry
	e.Size = sf.capped.kept
	e.SHA256 = hex.EncodeToString(sf.h.Sum(nil))
	if sf.capped.kept < sf.capped.seen {
		e.Truncated = true
		e.BytesKept, e.BytesSeen = sf.capped.kept, sf.capped.seen
	}
	s.mu.Unlock()
	return nil
}

// abort discards a file whose writer will not be closed normally.
func (sf *stagedFile) abort() {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	if !sf.closed {
		sf.closed = true
		sf.f.Close()
		if sf.sink != nil {
			sf.sink.closed(sf)
		}
	}
	sf.discard()
}

func (sf *stagedFile) discard() {
	os.Remove(sf.local)
	sf.stage.forget(sf.entry.Path)
}

// sink is one collector's view of the stage.
type sink struct {
	stage    *Stage
	name     string
	family   string
	mu       sync.Mutex
	finished bool
	open     map[*stagedFile]bool
	files    []string
	problems []string
	written  int64 // guarded by stage.mu
	trunc    map[string][2]int64
	renamed  map[string]string // path asked for -> redacted path used
}

func (k *sink) Create(p string) (io.WriteCloser, error) {
	if !strings.HasPrefix(p, k.family+"/") {
		return nil, fmt.Errorf("collector %s may only write under %s/, not %q", k.name, k.family, p)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.finished {
		return nil, fmt.Errorf("collector %s has finished; %s refused", k.name, p)
	}
	sf, err := k.stage.create(p, k.name, k)
	if err != nil {
		return nil, err
	}
	k.open[sf] = true
	if sf.entry.Path != p {
		if k.renamed == nil {
			k.renamed = map[string]string{}
		}
		k.renamed[p] = sf.entry.Path
	}
	return sf, nil
}

func (k *sink) WriteJSON(p string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	w, err := k.Create(p)
	if err != nil {
		return err
	}
	if _, err := w.Write(append(data, '\n')); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

func (k *sink) SetTruncated(p string, kept, seen int64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.trunc == nil {
		k.trunc = map[string][2]int64{}
	}
	if r, ok := k.renamed[p]; ok {
		p = r
	}
	k.trunc[p] = [2]int64{kept, seen}
}

// MaxFileSize is what a collector should plan one file for: the file cap, or less when the
// collector's or the bundle's remaining room is smaller, so that a collector keeping a log's
// newest part keeps it within what will fit.
func (k *sink) MaxFileSize() int64 {
	s := k.stage
	s.mu.Lock()
	defer s.mu.Unlock()
	return max(0, min(s.maxFile(), s.bundleRoom(), k.roomLocked()))
}

// roomLocked is what the collector cap still allows; the caller holds stage.mu.
func (k *sink) roomLocked() int64 {
	if k.stage.limits.MaxCollectorSize <= 0 {
		return 1 << 62
	}
	return k.stage.limits.MaxCollectorSize - k.written
}

func (k *sink) closed(sf *stagedFile) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.open, sf)
	if sf.err == nil {
		k.files = append(k.files, sf.entry.Path)
	}
}

func (k *sink) problem(msg string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.problems = append(k.problems, msg)
}

// Finish implements collectors.RunSink.
func (k *sink) Finish(ok bool) ([]string, []string) {
	k.mu.Lock()
	k.finished = true
	var open []*stagedFile
	for sf := range k.open {
		open = append(open, sf)
	}
	k.mu.Unlock()
	for _, sf := range open {
		if ok {
			// Finished without closing a file: close it so its redactor flushes.
			sf.Close()
		} else {
			sf.abort()
			k.problem(fmt.Sprintf("%s discarded: collector did not finish it", sf.entry.Path))
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	// Truncation the collector did itself (e.g. kept a log's tail).
	k.stage.mu.Lock()
	for p, t := range k.trunc {
		if e, ok := k.stage.files[p]; ok && t[0] < t[1] {
			e.Truncated = true
			e.BytesKept, e.BytesSeen = t[0], t[1]
		}
	}
	k.stage.mu.Unlock()
	files := append([]string{}, k.files...)
	sort.Strings(files)
	kept := files[:0]
	for _, f := range files {
		k.stage.mu.Lock()
		_, ok := k.stage.files[f]
		k.stage.mu.Unlock()
		if ok {
			kept = append(kept, f)
		}
	}
	return kept, append([]string{}, k.problems...)
}

// redactManifest passes every free-text value of m through the redactor: ticket, host, spec
// name and source, collector errors. (File paths were redacted when the files were created.) Callers fill the manifest in; the stage makes it safe.
func (s *Stage) redactManifest(m *Manifest) {
	const file = "manifest.json"
	str := func(v *string) {
		if *v != "" {
			*v = s.eng.String(file, *v)
		}
	}
	str(&m.Ticket)
	str(&m.Host)
	str(&m.Spec.Name)
	str(&m.Spec.Source)
	for i := range m.Collectors {
		c := &m.Collectors[i]
		str(&c.Error)
	}
}
