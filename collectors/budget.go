package collectors

import (
	"context"
	"sync"
)

// DefaultBudget is the memory budget a Runner gives its collectors when none is set: enough for
// every collector's fixed buffers, small against the per-file caps that used to be held in memory.
const DefaultBudget = 64 << 20

// Budget bounds the bytes that concurrent collectors hold in memory buffers (tail spools that
// cannot go to disk, lookahead and copy buffers). A collector acquires before it allocates and
// releases when it lets go; when the budget is spent, Acquire waits for a release or for the
// context. A nil *Budget is unbounded, so code that is handed none still works.
type Budget struct {
	mu    sync.Mutex
	limit int64
	used  int64
	freed chan struct{} // closed (and replaced) on every release, to wake waiters
}

// NewBudget returns a budget of limit bytes (DefaultBudget when limit <= 0).
func NewBudget(limit int64) *Budget {
	if limit <= 0 {
		limit = DefaultBudget
	}
	return &Budget{limit: limit, freed: make(chan struct{})}
}

// Limit is the budget's size.
func (b *Budget) Limit() int64 {
	if b == nil {
		return 1 << 62
	}
	return b.limit
}

// InUse reports the bytes acquired and not yet released.
func (b *Budget) InUse() int64 {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// TryAcquire takes n bytes if they are free now.
func (b *Budget) TryAcquire(n int64) bool {
	if b == nil || n <= 0 {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fits(n) {
		b.used += n
		return true
	}
	return false
}

// fits reports whether n bytes may be taken now; the caller holds b.mu. A request larger than the
// whole budget is granted when nothing else is held, so it cannot wait forever.
func (b *Budget) fits(n int64) bool {
	return b.used+n <= b.limit || b.used == 0
}

// Acquire takes n bytes, waiting until they are free or ctx is done.
func (b *Budget) Acquire(ctx context.Context, n int64) error {
	if b == nil || n <= 0 {
		return nil
	}
	for {
		b.mu.Lock()
		if b.fits(n) {
			b.used += n
			b.mu.Unlock()
			return nil
		}
		wait := b.freed
		b.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Release gives back n bytes taken with Acquire or TryAcquire.
func (b *Budget) Release(n int64) {
	if b == nil || n <= 0 {
		return
	}
	b.mu.Lock()
	b.used = max(0, b.used-n)
	close(b.freed)
	b.freed = make(chan struct{})
	b.mu.Unlock()
}

type budgetKey struct{}

// WithBudget returns a context that carries b to the collectors run under it.
func WithBudget(ctx context.Context, b *Budget) context.Context {
	return context.WithValue(ctx, budgetKey{}, b)
}

// BudgetFrom returns the budget ctx carries, or nil (unbounded).
func BudgetFrom(ctx context.Context) *Budget {
	b, _ := ctx.Value(budgetKey{}).(*Budget)
	return b
}
