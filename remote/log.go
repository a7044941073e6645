package remote

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// LogFile is the local record of every remote request and what became of it, one JSON object a
// line. When it grows past Config.LogMaxBytes it is renamed to LogFile + ".1" (replacing the
// older one) and begun again, so the two together stay under twice that bound.
const LogFile = "remote.jsonl"

// Events in the log. received: the intake delivered a request; waiting: the policy is ask and
// nobody has answered; approved: a person said yes; the rest are the request's outcomes as
// reported to the intake (collected, then uploaded, or declined or failed).
const (
	EventReceived  = "received"
	EventWaiting   = "waiting"
	EventApproved  = "approved"
	EventDeclined  = "declined"
	EventCollected = "collected"
	EventUploaded  = "uploaded"
	EventFailed    = "failed"
)

// Entry is one line of the log.
type Entry struct {
	Time         time.Time `json:"time"`
	Request      string    `json:"request"`
	Ticket       string    `json:"ticket"`
	Event        string    `json:"event"`
	Note         string    `json:"note,omitempty"`
	BundleSHA256 string    `json:"bundle_sha256,omitempty"`
	SHA256       string    `json:"sha256,omitempty"`
	Reason       string    `json:"reason,omitempty"`
}

// final reports whether an event ends a request.
func final(ev string) bool { return ev == EventDeclined || ev == EventUploaded || ev == EventFailed }

type eventLog struct {
	path string
	max  int64

	mu sync.Mutex
}

func (l *eventLog) append(e Entry) error {
	// What the intake sent is bounded here, whatever it was (a valid ticket has 64 bytes).
	e.Ticket, e.Note, e.Reason = oneLine(e.Ticket), oneLine(e.Note), oneLine(e.Reason)
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if st, err := os.Stat(l.path); err == nil && st.Size()+int64(len(data))+1 > l.max {
		if err := os.Rename(l.path, l.path+".1"); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(append(data, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// read returns the entries of the older and the current file, oldest first. A line that does
// not parse (a write cut by a crash) is skipped.
func (l *eventLog) read() ([]Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Entry
	for _, p := range []string{l.path + ".1", l.path} {
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		err = readLines(f, func(line []byte) {
			var e Entry
			if json.Unmarshal(line, &e) == nil && e.Request != "" {
				out = append(out, e)
			}
		})
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// maxLine bounds a line of the log that is read; a longer one (not written by this version,
// which bounds every field) is skipped like a line cut by a crash, so it cannot keep the client
// from starting.
const maxLine = 64 << 10

func readLines(r io.Reader, fn func([]byte)) error {
	br := bufio.NewReaderSize(r, maxLine)
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			line = nil
		}
		if len(line) > 0 {
			fn(line)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func newEventLog(stateDir string, max int64) *eventLog {
	return &eventLog{path: filepath.Join(stateDir, LogFile), max: max}
}
