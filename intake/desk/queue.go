package desk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Delivery statuses.
const (
	StatusPending  = "pending"  // not on the ticket yet; retried
	StatusAttached = "attached" // the comment and the bundle are on the ticket
	StatusLinked   = "linked"   // the comment is on the ticket with a link (the bundle is above the limit)
	StatusFailed   = "failed"   // given up: Reason says why
)

// State is one bundle's delivery, persisted beside the bundle in storage (<bundle>.desk.json),
// so a restarted intake resumes what is pending and `intake reindex` finds it again.
type State struct {
	Status      string     `json:"status"`
	Kind        string     `json:"kind"`
	Ticket      string     `json:"ticket"`
	Path        string     `json:"path"` // the bundle, relative to the storage root
	FileName    string     `json:"file_name,omitempty"`
	FileType    string     `json:"file_type,omitempty"`
	Size        int64      `json:"size"`
	SHA256      string     `json:"sha256"`
	Attempts    int        `json:"attempts"`
	Reason      string     `json:"reason,omitempty"` // failed: why; pending: the last attempt's error
	QueuedAt    time.Time  `json:"queued_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	NextAttempt *time.Time `json:"next_attempt,omitempty"`
	DoneAt      *time.Time `json:"done_at,omitempty"`
	Ref         string     `json:"ref,omitempty"` // the desk's reference for the comment
	// Link is where the bundle is on the intake (the web view's download), for a bundle too
	// large to attach; empty without a public_url.
	Link     string            `json:"link,omitempty"`
	Summary  *Summary          `json:"summary,omitempty"`
	Progress map[string]string `json:"progress,omitempty"`
}

// Brief is the state without the summary and progress, as records and `intake list` show it.
func (s State) Brief() *State {
	s.Summary, s.Progress = nil, nil
	return &s
}

// String is the state as `intake list` shows it: attached | linked | pending | failed (reason).
func (s State) String() string {
	switch s.Status {
	case StatusFailed:
		return "failed (" + s.Reason + ")"
	case StatusPending:
		if s.Reason != "" {
			return fmt.Sprintf("pending (attempt %d: %s)", s.Attempts, s.Reason)
		}
		return "pending"
	}
	return s.Status
}

// Store is where the queue keeps its states and reads bundles: the intake's storage.
type Store interface {
	SaveState(path string, st State) error
	Open(path string) (io.ReadCloser, error)
	// Summarize reads the bundle at path (once per delivery).
	Summarize(path string) (Summary, error)
}

// QueueOptions configure a Queue.
type QueueOptions struct {
	Connector Connector
	Store     Store
	Retry     Retry
	Logger    *slog.Logger
	Now       func() time.Time
	OnChange  func(path string, st State) // after each persisted change
	Workers   int                         // deliveries at once; default 2
}

// Queue delivers bundles to the desk, retrying failures with exponential backoff and jitter.
type Queue struct {
	o       QueueOptions
	mu      sync.Mutex
	jobs    map[string]*State // pending, by path
	running map[string]bool
	wake    chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// NewQueue starts a queue; Close stops it (pending deliveries stay pending in storage).
func NewQueue(o QueueOptions) *Queue {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	if o.Retry.Attempts <= 0 {
		o.Retry.Attempts = DefaultRetry.Attempts
	}
	if o.Retry.Initial <= 0 {
		o.Retry.Initial = DefaultRetry.Initial
	}
	if o.Retry.Max < o.Retry.Initial {
		o.Retry.Max = max(o.Retry.Initial, DefaultRetry.Max)
	}
	q := &Queue{o: o, jobs: map[string]*State{}, running: map[string]bool{}, wake: make(chan struct{}, 1)}
	q.ctx, q.cancel = context.WithCancel(context.Background())
	q.wg.Add(1)
	go q.schedule()
	return q
}

// Close stops the queue and waits for deliveries in flight: they end with the context and stay
// pending.
func (q *Queue) Close() {
	q.cancel()
	q.wg.Wait()
}

// Enqueue records a new pending delivery in storage and schedules it at once.
func (q *Queue) Enqueue(st State) error {
	now := q.o.Now().UTC()
	st.Status, st.Kind, st.QueuedAt, st.UpdatedAt = StatusPending, q.o.Connector.Kind(), now, now
	if err := q.o.Store.SaveState(st.Path, st); err != nil {
		return err
	}
	q.changed(st)
	q.add(st)
	return nil
}

// Resume schedules a delivery found pending in storage (after a restart).
func (q *Queue) Resume(st State) {
	if st.Status == StatusPending {
		q.add(st)
	}
}

func (q *Queue) add(st State) {
	q.mu.Lock()
	if _, ok := q.jobs[st.Path]; !ok {
		q.jobs[st.Path] = &st
	}
	q.mu.Unlock()
	q.poke()
}

func (q *Queue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *Queue) schedule() {
	defer q.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	active := 0
	done := make(chan string)
	for {
		q.mu.Lock()
		now := time.Now()
		var next time.Time
		for p, st := range q.jobs {
			if q.running[p] {
				continue
			}
			due := st.NextAttempt == nil || !st.NextAttempt.After(now)
			if due && active < q.o.Workers && q.ctx.Err() == nil {
				q.running[p] = true
				active++
				cp := *st
				go func() { q.attempt(cp); done <- cp.Path }()
				continue
			}
			at := now
			if !due {
				at = *st.NextAttempt
			}
			if next.IsZero() || at.Before(next) {
				next = at
			}
		}
		q.mu.Unlock()
		wait := time.Hour
		if !next.IsZero() {
			wait = max(time.Until(next), 0)
		}
		timer.Reset(wait)
		select {
		case p := <-done:
			active--
			q.mu.Lock()
			delete(q.running, p)
			q.mu.Unlock()
		case <-q.wake:
		case <-timer.C:
		case <-q.ctx.Done():
			for ; active > 0; active-- {
				<-done
			}
			return
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// backoff is the wait before attempt n+1 after n failed ones: Initial·2^(n-1) up to Max, the
// upper half of it random ("equal jitter"), and at least what the desk asked for in
// Retry-After (bounded by an hour).
func (q *Queue) backoff(n int, after time.Duration) time.Duration {
	r := q.o.Retry
	d := r.Initial
	for i := 1; i < n && d < r.Max; i++ {
		d *= 2
	}
	d = min(d, r.Max)
	d = d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
	if after > d {
		d = min(after, time.Hour)
	}
	return d
}

func (q *Queue) attempt(st State) {
	log := q.o.Logger.With("ticket", st.Ticket, "path", st.Path, "desk", st.Kind)
	st.Attempts++
	t0 := time.Now()
	ref, err := q.deliver(&st)
	took := time.Since(t0).Round(time.Millisecond)
	if q.ctx.Err() != nil && err != nil {
		// Stopped mid-attempt: not the desk's fault; it stays pending for the next start.
		st.Attempts--
		q.persist(st, log)
		return
	}
	now := q.o.Now().UTC()
	st.UpdatedAt, st.NextAttempt = now, nil
	var de *Error
	switch {
	case err == nil:
		st.Ref, st.Reason, st.DoneAt, st.Progress = ref, "", &now, nil
		log.Info("desk comment added", "status", st.Status, "attempts", st.Attempts, "ref", ref, "took", took.String())
	case errors.As(err, &de) && de.Temporary && st.Attempts < q.o.Retry.Attempts:
		st.Status, st.Reason = StatusPending, err.Error()
		at := now.Add(q.backoff(st.Attempts, de.RetryAfter))
		st.NextAttempt = &at
		log.Warn("desk delivery failed; will retry", "attempt", st.Attempts, "took", took.String(), "next_attempt", at, "reason", st.Reason)
	default:
		st.Status, st.Reason = StatusFailed, err.Error()
		if errors.As(err, &de) && de.Temporary {
			st.Reason = fmt.Sprintf("gave up after %d attempts: %s", st.Attempts, err)
		}
		log.Error("desk delivery failed", "attempts", st.Attempts, "reason", st.Reason)
	}
	q.persist(st, log)
	q.mu.Lock()
	if st.Status == StatusPending {
		q.jobs[st.Path] = &st
	} else {
		delete(q.jobs, st.Path)
	}
	q.mu.Unlock()
}

func (q *Queue) persist(st State, log *slog.Logger) {
	if err := q.o.Store.SaveState(st.Path, st); err != nil {
		log.Error("saving the desk delivery state failed", "err", err)
	}
	q.changed(st)
}

func (q *Queue) changed(st State) {
	if q.o.OnChange != nil {
		q.o.OnChange(st.Path, st)
	}
}

var safeNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$`)

// deliver makes one attempt; on success st.Status says attached or linked.
func (q *Queue) deliver(st *State) (string, error) {
	c := q.o.Connector
	if st.Summary == nil {
		sum, err := q.o.Store.Summarize(st.Path)
		if err != nil {
			return "", &Error{Op: "reading the bundle for its summary", Msg: err.Error(), Temporary: true}
		}
		st.Summary = &sum
		q.persist(*st, q.o.Logger)
	}
	if st.Progress == nil {
		st.Progress = map[string]string{}
	}
	name := st.FileName
	if top := st.Summary.Bundle; top != "" && safeNameRe.MatchString(top) {
		// The bundle's own name (casefile-<ticket>-<host>-<time>-<id8>) with the stored extension.
		if _, ext, ok := strings.Cut(st.FileName, "."); ok {
			name = top + "." + ext
		}
	}
	d := &Delivery{Ticket: st.Ticket, FileName: name, FileType: st.FileType, Size: st.Size, SHA256: st.SHA256,
		Summary: *st.Summary, Attach: st.Size <= c.Limit(), Link: st.Link, Limit: c.Limit(),
		Open:     func() (io.ReadCloser, error) { return q.o.Store.Open(st.Path) },
		Progress: st.Progress,
		Note: func(k, v string) {
			st.Progress[k] = v
			d := *st
			d.UpdatedAt = q.o.Now().UTC()
			q.persist(d, q.o.Logger)
		},
	}
	ref, err := c.Deliver(q.ctx, d)
	var de *Error
	if d.Attach && errors.As(err, &de) && de.Status == http.StatusRequestEntityTooLarge {
		// The desk's limit is lower than configured: the comment goes with the link instead.
		q.o.Logger.Warn("the desk refused the attachment as too large; linking it instead", "ticket", st.Ticket, "size", st.Size)
		d.Attach = false
		ref, err = c.Deliver(q.ctx, d)
	}
	if err != nil {
		return "", err
	}
	st.Status = StatusLinked
	if d.Attach {
		st.Status = StatusAttached
	}
	return ref, nil
}
