package intake

import (
	"context"
	"log/slog"
	"regexp"
	"strings"

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
		args = append(args, a.Key, tusLogValue(a.Key, a.Value.Any()))
		return true
	})
	h.to.Log(ctx, slog.Level(r.Level), r.Message, args...)
	return nil
}

func (h *tusLog) WithAttrs(as []xslog.Attr) xslog.Handler {
	n := &tusLog{to: h.to, attrs: append([]any(nil), h.attrs...)}
	for _, a := range as {
		n.attrs = append(n.attrs, a.Key, tusLogValue(a.Key, a.Value.Any()))
	}
	return n
}

// tusLogValue keeps request paths out of tusd's lines: its "path" and "id" come from the
// address the client sent (below /files/: the upload id, or a token pasted there), and its
// error messages can repeat them.
func tusLogValue(key string, v any) any {
	str, ok := v.(string)
	switch {
	case !ok:
		return v
	case key == "path" || key == "id":
		return logUploadID(strings.TrimPrefix(str, BasePath))
	}
	return tokenLike.ReplaceAllString(str, "[token]")
}

// tokenLike is an intake token anywhere in a text: upload (cf1.), engineer (cfe1.), enrollment
// (cfh1.), session (cfs1.).
var tokenLike = regexp.MustCompile(`cf[ehs]?1\.[A-Za-z0-9_.=-]*`)

func (h *tusLog) WithGroup(string) xslog.Handler { return h }
