// Package history is the daemon's record of its monitor runs: a crash-safe, bounded SQLite store
// (WAL, synchronous=FULL, one exclusive writer) and the JSON-lines form (daemon/history.jsonl)
// in which a window of it travels inside a bundle.
package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Result is one monitor run.
type Result struct {
	Monitor   string          `json:"monitor"`          // spec monitor name
	Check     string          `json:"check"`            // dns|ping|tcp|http|trace|load|memory|disk|clock
	Target    string          `json:"target,omitempty"` // host:port, URL (redacted, no password), name
	Time      time.Time       `json:"time"`             // start, UTC
	OK        bool            `json:"ok"`
	LatencyMS float64         `json:"latency_ms,omitempty"`
	Value     float64         `json:"value,omitempty"`  // samples: load1, mem used %, disk used %, clock offset ms
	Error     string          `json:"error,omitempty"`  // short reason when !OK
	Answer    string          `json:"answer,omitempty"` // dns: sorted answers joined, for flapping
	Detail    json.RawMessage `json:"detail,omitempty"` // the check's own result JSON, already redacted by the caller
}

// Options bound the store. Zero values take the defaults.
type Options struct {
	MaxAge   time.Duration    // rows older than this are pruned; default DefaultMaxAge
	MaxBytes int64            // the database's used pages are kept under this; default DefaultMaxBytes
	Now      func() time.Time // the clock retention reads; default time.Now
}

// Defaults of Options.
const (
	DefaultMaxAge   = 7 * 24 * time.Hour
	DefaultMaxBytes = 64 << 20
)

// MonitorSummary is the state of one monitor: how many runs the store holds, the latest one and
// how many of the latest runs failed in a row.
type MonitorSummary struct {
	Name           string  `json:"name"`
	Check          string  `json:"check"`
	Count          int     `json:"count"`
	Last           *Result `json:"last,omitempty"`
	FailuresInARow int     `json:"failures_in_a_row"`
}

// Errors a caller can tell apart with errors.Is. The error text names the store's path.
var (
	// ErrLocked: another process (or another Store in this one) holds the store.
	ErrLocked = errors.New("held by another process (is another casefile daemon running with this state folder?)")
	// ErrCorrupt: the file is not a SQLite database, or its pages are damaged.
	ErrCorrupt = errors.New("damaged or not a history database (move it aside and a new history starts)")
	// ErrFull: the disk (or the file system quota) is full.
	ErrFull = errors.New("disk full")
)

// schemaVersion is PRAGMA user_version of a store this package writes.
const schemaVersion = 1

// pruneEvery: Append prunes after this many rows, so the bounds hold even if the caller never
// calls Prune.
const pruneEvery = 500

// Store is an open history database. Its methods are safe for concurrent use.
type Store struct {
	path string
	opt  Options

	mu       sync.Mutex
	db       *sql.DB
	conn     *sql.Conn
	ins      *sql.Stmt
	sinceP   int                        // rows appended since the last prune
	every    int                        // prune after this many appended rows (pruneEvery; tests change it)
	summary  map[string]*MonitorSummary // nil: not loaded (or invalidated by Prune)
	closed   bool
	pageSize int64
}

// Open opens the store at path, creating it (and its folder, mode 0700) when absent. The store
// is held exclusively until Close: a second Open of the same file, from this process or another,
// fails with ErrLocked. A damaged file fails with ErrCorrupt.
func Open(path string, opt Options) (*Store, error) {
	if opt.MaxAge <= 0 {
		opt.MaxAge = DefaultMaxAge
	}
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = DefaultMaxBytes
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if path == "" {
		return nil, errors.New("history store: empty path")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("history store %s: the path may not contain '?' or '#'", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("history store %s: creating its folder: %w", path, err)
	}
	// Create the file ourselves so it is 0600 from the first byte; SQLite gives its -wal file the
	// same mode.
	if fi, err := os.Stat(path); err == nil {
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("history store %s: not a regular file", path)
		}
	} else if errors.Is(err, os.ErrNotExist) {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil && !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("history store %s: %w", path, err)
		}
		if f != nil {
			f.Close()
		}
	} else {
		return nil, fmt.Errorf("history store %s: %w", path, err)
	}

	db, err := sql.Open("sqlite", path)
	if err != nil {
		return nil, fmt.Errorf("history store %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	s := &Store{path: path, opt: opt, db: db, every: pruneEvery}
	if err := s.init(); err != nil {
		if s.conn != nil {
			s.conn.Close()
		}
		db.Close()
		return nil, err
	}
	if _, err := s.prune(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

const schema = `
CREATE TABLE IF NOT EXISTS results (
	seq        INTEGER PRIMARY KEY,
	monitor    TEXT    NOT NULL,
	kind       TEXT    NOT NULL,
	target     TEXT    NOT NULL,
	t          INTEGER NOT NULL,
	ok         INTEGER NOT NULL,
	latency_ms REAL    NOT NULL,
	value      REAL    NOT NULL,
	error      TEXT    NOT NULL,
	answer     TEXT    NOT NULL,
	detail     BLOB
);
CREATE INDEX IF NOT EXISTS results_t ON results(t);
CREATE INDEX IF NOT EXISTS results_monitor_t ON results(monitor, t);`

func (s *Store) init() error {
	ctx := context.Background()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return s.wrap("opening", err)
	}
	s.conn = conn
	// The order matters: EXCLUSIVE before the first WAL access means no -shm file and no shared
	// memory; the lock is taken by the first write below and held until Close.
	for _, p := range []string{
		"PRAGMA busy_timeout = 0",
		"PRAGMA locking_mode = EXCLUSIVE",
		"PRAGMA auto_vacuum = INCREMENTAL", // only takes on a new file: lets Prune give pages back
		"PRAGMA cache_size = -512",         // KiB: the daemon's RSS budget is 30 MB in all
		"PRAGMA mmap_size = 0",
		"PRAGMA temp_store = MEMORY",
		"PRAGMA wal_autocheckpoint = 256", // pages: the WAL stays near 1 MiB beside MaxBytes
		"PRAGMA journal_size_limit = 1048576",
	} {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			return s.wrap("opening", err)
		}
	}
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		return s.wrap("opening", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("history store %s: cannot use write-ahead logging (journal mode %q)", s.path, mode)
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = FULL"); err != nil {
		return s.wrap("opening", err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return s.wrap("opening", err)
	}
	commit := func() error {
		var v int
		if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
			return err
		}
		if v > schemaVersion {
			return fmt.Errorf("history store %s: written by a newer casefile (schema %d, this one reads %d)", s.path, v, schemaVersion)
		}
		if _, err := conn.ExecContext(ctx, schema); err != nil {
			return err
		}
		if v < schemaVersion {
			if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", schemaVersion)); err != nil {
				return err
			}
		}
		_, err := conn.ExecContext(ctx, "COMMIT")
		return err
	}
	if err := commit(); err != nil {
		conn.ExecContext(ctx, "ROLLBACK")
		if strings.Contains(err.Error(), "newer casefile") {
			return err
		}
		return s.wrap("opening", err)
	}
	if err := s.quickCheck(ctx); err != nil {
		return err
	}
	if err := conn.QueryRowContext(ctx, "PRAGMA page_size").Scan(&s.pageSize); err != nil {
		return s.wrap("opening", err)
	}
	s.ins, err = conn.PrepareContext(ctx, `INSERT INTO results
		(monitor, kind, target, t, ok, latency_ms, value, error, answer, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return s.wrap("opening", err)
	}
	return nil
}

// quickCheck reads every page once (PRAGMA quick_check): a store damaged by something SQLite
// could not protect against (a disk that lies about fsync, a truncated copy) is refused at Open
// rather than failing some later query.
func (s *Store) quickCheck(ctx context.Context) error {
	return s.pragmaCheck(ctx, "PRAGMA quick_check(5)")
}

// pragmaCheck runs an integrity pragma; anything but one "ok" row is ErrCorrupt with SQLite's words.
func (s *Store) pragmaCheck(ctx context.Context, pragma string) error {
	rows, err := s.conn.QueryContext(ctx, pragma)
	if err != nil {
		return s.wrap("checking", err)
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return s.wrap("checking", err)
		}
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return s.wrap("checking", err)
	}
	if len(msgs) != 1 || msgs[0] != "ok" {
		return fmt.Errorf("history store %s: %w: %s", s.path, ErrCorrupt, strings.Join(msgs, "; "))
	}
	return nil
}

// Check runs PRAGMA integrity_check and returns nil when it says "ok".
func (s *Store) Check() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return err
	}
	return s.pragmaCheck(context.Background(), "PRAGMA integrity_check")
}

// Path is the store's file.
func (s *Store) Path() string { return s.path }

// wrap names the path and classifies SQLite's result code.
func (s *Store) wrap(op string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("history store %s: %w", s.path, ErrLocked)
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("history store %s: %w: %v", s.path, ErrCorrupt, err)
		case sqlite3.SQLITE_FULL:
			return fmt.Errorf("history store %s: %s: %w", s.path, op, ErrFull)
		}
	}
	return fmt.Errorf("history store %s: %s: %w", s.path, op, err)
}

func (s *Store) usable() error {
	if s.closed {
		return fmt.Errorf("history store %s: closed", s.path)
	}
	return nil
}

func validate(r *Result) error {
	if r.Monitor == "" {
		return errors.New("result without a monitor name")
	}
	if r.Check == "" {
		return fmt.Errorf("result of monitor %q without a check kind", r.Monitor)
	}
	if r.Time.IsZero() {
		return fmt.Errorf("result of monitor %q without a time", r.Monitor)
	}
	if len(r.Detail) > 0 && !json.Valid(r.Detail) {
		return fmt.Errorf("result of monitor %q: detail is not valid JSON", r.Monitor)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *Store) insert(ctx context.Context, st *sql.Stmt, r Result) error {
	var detail any
	if len(r.Detail) > 0 {
		detail = []byte(r.Detail)
	}
	_, err := st.ExecContext(ctx, r.Monitor, r.Check, r.Target, r.Time.UTC().UnixNano(), boolInt(r.OK),
		r.LatencyMS, r.Value, r.Error, r.Answer, detail)
	return err
}

// Append stores one result in its own transaction; it is on disk when Append returns.
func (s *Store) Append(r Result) error {
	return s.AppendBatch([]Result{r})
}

// AppendBatch stores results in one transaction (one fsync): all of them or none.
func (s *Store) AppendBatch(rs []Result) error {
	if len(rs) == 0 {
		return nil
	}
	for i := range rs {
		if err := validate(&rs[i]); err != nil {
			return fmt.Errorf("history store %s: %w", s.path, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return err
	}
	ctx := context.Background()
	if len(rs) == 1 {
		if err := s.insert(ctx, s.ins, rs[0]); err != nil {
			return s.wrap("appending", err)
		}
	} else {
		tx, err := s.conn.BeginTx(ctx, nil)
		if err != nil {
			return s.wrap("appending", err)
		}
		st := tx.StmtContext(ctx, s.ins)
		for _, r := range rs {
			if err := s.insert(ctx, st, r); err != nil {
				tx.Rollback()
				return s.wrap("appending", err)
			}
		}
		if err := tx.Commit(); err != nil {
			return s.wrap("appending", err)
		}
	}
	for _, r := range rs {
		s.note(r)
	}
	s.sinceP += len(rs)
	if s.sinceP >= s.every {
		if _, err := s.prune(); err != nil {
			return err
		}
	}
	return nil
}

// note updates the in-memory summary with a stored result.
func (s *Store) note(r Result) {
	if s.summary == nil {
		return
	}
	m := s.summary[r.Monitor]
	if m == nil {
		m = &MonitorSummary{Name: r.Monitor}
		s.summary[r.Monitor] = m
	}
	m.Count++
	if m.Last != nil && r.Time.Before(m.Last.Time) {
		// A late result of an earlier run: the counts hold, the latest run and the streak
		// are recomputed on the next Summary.
		s.summary = nil
		return
	}
	c := r
	c.Time = c.Time.UTC()
	m.Last = &c
	m.Check = r.Check
	if r.OK {
		m.FailuresInARow = 0
	} else {
		m.FailuresInARow++
	}
}

const columns = `monitor, kind, target, t, ok, latency_ms, value, error, answer, detail`

func scanResult(rows *sql.Rows) (Result, error) {
	var r Result
	var t int64
	var ok int
	var detail []byte
	if err := rows.Scan(&r.Monitor, &r.Check, &r.Target, &t, &ok, &r.LatencyMS, &r.Value, &r.Error, &r.Answer, &detail); err != nil {
		return r, err
	}
	r.Time = time.Unix(0, t).UTC()
	r.OK = ok != 0
	if len(detail) > 0 {
		r.Detail = json.RawMessage(detail)
	}
	return r, nil
}

// Window returns the results with since <= Time <= until, of one monitor (monitor "" = all), in
// time order (ties in the order they were appended). A zero since or until leaves that end open.
// It holds the whole window in memory; Each streams it.
func (s *Store) Window(since, until time.Time, monitor string) ([]Result, error) {
	out := []Result{}
	err := s.Each(since, until, monitor, func(r Result) error {
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Each calls fn with each result of the window (as Window selects and orders it), one at a time,
// so a day of results can be written into a bundle without holding it in memory. The store is
// busy until Each returns (Append waits); an error from fn stops the iteration and is returned.
func (s *Store) Each(since, until time.Time, monitor string, fn func(Result) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return err
	}
	q := `SELECT ` + columns + ` FROM results WHERE t >= ? AND t <= ?`
	lo, hi := int64(-1<<63), int64(1<<63-1)
	if !since.IsZero() {
		lo = since.UnixNano()
	}
	if !until.IsZero() {
		hi = until.UnixNano()
	}
	args := []any{lo, hi}
	if monitor != "" {
		q += ` AND monitor = ?`
		args = append(args, monitor)
	}
	q += ` ORDER BY t, seq`
	rows, err := s.conn.QueryContext(context.Background(), q, args...)
	if err != nil {
		return s.wrap("reading", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanResult(rows)
		if err != nil {
			return s.wrap("reading", err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return s.wrap("reading", err)
	}
	return nil
}

// WriteWindowJSONL writes the window to w as WriteJSONL does, streaming, and returns how many
// results it wrote.
func (s *Store) WriteWindowJSONL(w io.Writer, since, until time.Time, monitor string) (int, error) {
	jw := NewJSONLWriter(w)
	n := 0
	err := s.Each(since, until, monitor, func(r Result) error {
		n++
		return jw.Write(r)
	})
	if err != nil {
		return n, err
	}
	return n, jw.Flush()
}

// Summary returns one entry per monitor in the store, by name. It is computed from the database
// once and then kept up to date by Append, so calling it often (casefile status) is cheap.
func (s *Store) Summary() ([]MonitorSummary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return nil, err
	}
	if s.summary == nil {
		m, err := s.loadSummary()
		if err != nil {
			return nil, s.wrap("reading", err)
		}
		s.summary = m
	}
	out := make([]MonitorSummary, 0, len(s.summary))
	for _, m := range s.summary {
		c := *m
		if m.Last != nil {
			l := *m.Last
			c.Last = &l
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (s *Store) loadSummary() (map[string]*MonitorSummary, error) {
	ctx := context.Background()
	counts := map[string]int{}
	rows, err := s.conn.QueryContext(ctx, `SELECT monitor, count(*) FROM results GROUP BY monitor`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var name string
		var n int
		if err := rows.Scan(&name, &n); err != nil {
			rows.Close()
			return nil, err
		}
		counts[name] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := map[string]*MonitorSummary{}
	for name, n := range counts {
		m := &MonitorSummary{Name: name, Count: n}
		rows, err := s.conn.QueryContext(ctx, `SELECT `+columns+` FROM results WHERE monitor = ? ORDER BY t DESC, seq DESC LIMIT 1`, name)
		if err != nil {
			return nil, err
		}
		if rows.Next() {
			r, err := scanResult(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			m.Last, m.Check = &r, r.Check
		}
		rows.Close()
		// Failures since the latest success (or all of them, when none succeeded).
		var lastOK sql.NullInt64
		err = s.conn.QueryRowContext(ctx, `SELECT t FROM results WHERE monitor = ? AND ok = 1 ORDER BY t DESC LIMIT 1`, name).Scan(&lastOK)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		q, args := `SELECT count(*) FROM results WHERE monitor = ?`, []any{name}
		if lastOK.Valid {
			q += ` AND t > ?`
			args = append(args, lastOK.Int64)
		}
		if err := s.conn.QueryRowContext(ctx, q, args...).Scan(&m.FailuresInARow); err != nil {
			return nil, err
		}
		out[name] = m
	}
	return out, nil
}

// Prune applies retention: rows older than MaxAge go, then the oldest rows until the database's
// used size — (page_count - freelist_count) × page_size, the pages holding rows and indexes — is
// under MaxBytes (it stops at 90 % of it, so a store at its bound does not prune on every
// call). Freed pages are given back to the file system (incremental vacuum) and the WAL is
// checkpointed. It returns how many rows it removed.
func (s *Store) Prune() (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return 0, err
	}
	return s.prune()
}

func (s *Store) usedBytes(ctx context.Context) (int64, error) {
	var pages, free int64
	if err := s.conn.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		return 0, err
	}
	if err := s.conn.QueryRowContext(ctx, "PRAGMA freelist_count").Scan(&free); err != nil {
		return 0, err
	}
	return (pages - free) * s.pageSize, nil
}

func (s *Store) prune() (int, error) {
	s.sinceP = 0
	ctx := context.Background()
	removed := 0
	cut := s.opt.Now().Add(-s.opt.MaxAge).UnixNano()
	res, err := s.conn.ExecContext(ctx, `DELETE FROM results WHERE t < ?`, cut)
	if err != nil {
		return 0, s.wrap("pruning", err)
	}
	n, _ := res.RowsAffected()
	removed += int(n)

	used, err := s.usedBytes(ctx)
	if err != nil {
		return removed, s.wrap("pruning", err)
	}
	if used > s.opt.MaxBytes {
		target := s.opt.MaxBytes * 9 / 10
		for i := 0; used > target && i < 20; i++ {
			var rows int64
			if err := s.conn.QueryRowContext(ctx, `SELECT count(*) FROM results`).Scan(&rows); err != nil {
				return removed, s.wrap("pruning", err)
			}
			if rows == 0 {
				break
			}
			per := used / rows
			if per < 1 {
				per = 1
			}
			del := (used-target)/per + 1
			res, err := s.conn.ExecContext(ctx,
				`DELETE FROM results WHERE seq IN (SELECT seq FROM results ORDER BY t, seq LIMIT ?)`, del)
			if err != nil {
				return removed, s.wrap("pruning", err)
			}
			n, _ := res.RowsAffected()
			removed += int(n)
			if used, err = s.usedBytes(ctx); err != nil {
				return removed, s.wrap("pruning", err)
			}
		}
	}
	if removed > 0 {
		s.summary = nil
		if _, err := s.conn.ExecContext(ctx, "PRAGMA incremental_vacuum"); err != nil {
			return removed, s.wrap("pruning", err)
		}
		if _, err := s.conn.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			return removed, s.wrap("pruning", err)
		}
	}
	return removed, nil
}

// Close checkpoints the WAL into the database and releases the store.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var errs []error
	if s.ins != nil {
		errs = append(errs, s.ins.Close())
	}
	if s.conn != nil {
		errs = append(errs, s.conn.Close())
	}
	errs = append(errs, s.db.Close())
	if err := errors.Join(errs...); err != nil {
		return s.wrap("closing", err)
	}
	return nil
}
