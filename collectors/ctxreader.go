package collectors

import (
	"context"
	"io"
)

// ContextReader wraps r so a long copy stops once ctx is done (a collector's time is up, or the
// run was interrupted).
func ContextReader(ctx context.Context, r io.Reader) io.Reader { return ctxReader{ctx, r} }

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
