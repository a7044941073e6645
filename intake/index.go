package intake

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // pure Go: the cross-builds need no C toolchain
)

// Index is the SQLite cache of what storage holds. Reindex rebuilds it from storage alone.
type Index struct{ db *sql.DB }

const schema = `CREATE TABLE IF NOT EXISTS bundles (
	path        TEXT PRIMARY KEY,
	ticket      TEXT NOT NULL,
	sha256      TEXT NOT NULL,
	status      TEXT NOT NULL,
	received_at TEXT NOT NULL,
	record      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS bundles_ticket ON bundles(ticket);
CREATE INDEX IF NOT EXISTS bundles_sha256 ON bundles(sha256);`

// OpenIndex opens (creating) the index database at p.
func OpenIndex(p string) (*Index, error) {
	db, err := sql.Open("sqlite", "file:"+p+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening index %s: %w", p, err)
	}
	return &Index{db: db}, nil
}

// Close closes the database.
func (x *Index) Close() error { return x.db.Close() }

// Put adds or replaces a record.
func (x *Index) Put(r Record) error {
	x.keepDesk(&r)
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = x.db.Exec(`INSERT INTO bundles (path, ticket, sha256, status, received_at, record) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT(path) DO UPDATE SET ticket=excluded.ticket, sha256=excluded.sha256, status=excluded.status,
		received_at=excluded.received_at, record=excluded.record`,
		r.Path, r.Ticket, r.SHA256, r.Status, r.ReceivedAt.UTC().Format(time.RFC3339Nano), string(data))
	return err
}

// List returns the records, of one ticket when ticket is not empty, oldest first.
func (x *Index) List(ticket string) ([]Record, error) {
	q := `SELECT record FROM bundles`
	var args []any
	if ticket != "" {
		q += ` WHERE ticket = ?`
		args = append(args, ticket)
	}
	rows, err := x.db.Query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Record{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		var r Record
		if err := json.Unmarshal([]byte(s), &r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sortRecords(out)
	return out, nil
}

// Rebuild replaces the index's content with recs, in one transaction.
func (x *Index) Rebuild(recs []Record) error {
	tx, err := x.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`DELETE FROM bundles`); err != nil {
		return err
	}
	for _, r := range recs {
		data, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO bundles (path, ticket, sha256, status, received_at, record) VALUES (?, ?, ?, ?, ?, ?)`,
			r.Path, r.Ticket, r.SHA256, r.Status, r.ReceivedAt.UTC().Format(time.RFC3339Nano), string(data)); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Reindex rebuilds the index of a data folder from storage alone.
func Reindex(dataDir string, cfg *Config) ([]Record, error) {
	var st storage = NewLayout(dataDir, "")
	if cfg != nil && cfg.Storage.IsS3() {
		b, err := openS3(cfg.Storage, filepath.Join(dataDir, "tmp"))
		if err != nil {
			return nil, err
		}
		st = b
	} else if cfg != nil {
		st = NewLayout(dataDir, cfg.Storage.URL)
	}
	recs, err := st.Scan()
	if err != nil {
		return nil, err
	}
	if err := withDesk(st, recs); err != nil {
		return nil, err
	}
	x, err := OpenIndex(indexPath(dataDir))
	if err != nil {
		return nil, err
	}
	defer x.Close()
	return recs, x.Rebuild(recs)
}

func indexPath(dataDir string) string { return filepath.Join(dataDir, "index.db") }
