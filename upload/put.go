package upload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
)

// put sends the bundle (or its ciphertext) with one PUT to a presigned URL, tried again from
// the start after a network error or a 5xx, within the retry budget.
func (r *run) put(ctx context.Context, target *url.URL, claims *Claims, plainSize int64) (Result, error) {
	o := r.o
	safe := *target
	safe.RawQuery, safe.Fragment, safe.User = "", "", nil // the query holds the signature
	file, size, sum, _, err := r.payload(ctx, safe.String(), claims, plainSize)
	if err != nil {
		return Result{}, err
	}
	// A PUT cannot resume: the spool is not kept past this call.
	defer forget(o.StateDir, r.res.BundleSHA256)
	r.res.Size, r.res.SHA256, r.res.Target = size, sum, safe.String()
	r.phase("uploading")
	var last error
	for attempt := 0; attempt <= o.Retries; attempt++ {
		if attempt > 0 {
			if err := r.bo.wait(ctx, attempt-1); err != nil {
				return Result{}, err
			}
		}
		f, err := os.Open(file)
		if err != nil {
			return Result{}, err
		}
		r.progress(0, size)
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, target.String(), &progressReader{r: f, total: size, fn: o.Progress})
		if err != nil {
			f.Close()
			return Result{}, err
		}
		req.ContentLength = size
		req.Header.Set("Content-Type", "application/octet-stream")
		resp, err := r.client.Do(req)
		f.Close()
		if err != nil {
			if ctx.Err() != nil {
				return Result{}, ctx.Err()
			}
			var ue *Error
			if errors.As(err, &ue) { // refused redirect
				return Result{}, ue
			}
			last = &Error{Kind: KindUnreachable, Msg: fmt.Sprintf("cannot reach %s: %v", safe.Host, err)}
			continue
		}
		if resp.StatusCode/100 == 2 {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			r.progress(size, size)
			return r.res, nil
		}
		e := statusError(resp, "PUT")
		resp.Body.Close()
		if e.Status == http.StatusForbidden || e.Status == http.StatusUnauthorized {
			e.Msg = fmt.Sprintf("the storage refused the PUT (%d): the presigned URL has expired or is not valid; ask for a new one", e.Status)
		}
		if !retryable(resp.StatusCode) {
			return Result{}, e
		}
		last = e
	}
	return Result{}, &Error{Kind: KindUnreachable, Msg: fmt.Sprintf("PUT to %s failed after %d tries: %v", safe.Host, o.Retries+1, last)}
}
