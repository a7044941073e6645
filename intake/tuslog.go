package intake

import (
	"context"
	"log/slog"

	xslog "golang.org/x/exp/slog"
)

// tusLog passes tusd's warnings and errors (it logs through golang.org/x/exp/slog) to the
// server's logger. Its per-request info lines are left out: the server logs every upload itself,
// and tusd's lines would repeat response bodies.
type tusLog struct {
	to    *slog.Logger
	attrs []any
}

func newTusLogger(to *slog.Logger) *xslog.Logger { return xslog.New(&tusLog{to: to}) }

func (h *tusLog) Enabled(_ context.Context, l xslog.Level) bool { return l >= xslog.LevelWarn }

func (h *tusLog) Handle(ctx context.Context, r xslog.Record) error {
	args := append([]any{"component", "tusd"}, h.attrs...)
	r.Attrs(func(a xslog.Attr) bool {
		args = append(args, a.Key, a.Value.Any())
		return true
	})
	h.to.Log(ctx, slog.Level(r.Level), r.Message, args...)
	return nil
}

func (h *tusLog) WithAttrs(as []xslog.Attr) xslog.Handler {
	n := &tusLog{to: h.to, attrs: append([]any(nil), h.attrs...)}
	for _, a := range as {
		n.attrs = append(n.attrs, a.Key, a.Value.Any())
	}
	return n
}

func (h *tusLog) WithGroup(string) xslog.Handler { return h }
