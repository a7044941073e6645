package upload

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
)

const tusVersion = "1.0.0"

// tus uploads over tus 1.0 (core + creation): create the upload once, keep its URL in the state
// file, and PATCH from the server's offset until done. A cut transfer asks the server for its
// offset (HEAD) and goes on from there, after a bounded, jittered pause.
func (r *run) tus(ctx context.Context, base *url.URL, claims *Claims, plainSize int64) (Result, error) {
	o := r.o
	endpoint := base.JoinPath("files") // <base>/files/
	endpoint.Path += "/"
	target := endpoint.String()
	file, size, sum, st, err := r.payload(ctx, target, claims, plainSize)
	if err != nil {
		return Result{}, err
	}
	r.res.Size, r.res.SHA256 = size, sum
	if claims != nil && claims.Max > 0 && size > claims.Max {
		forget(o.StateDir, r.res.BundleSHA256)
		return Result{}, &Error{Kind: KindTooLarge, Msg: fmt.Sprintf("the encrypted bundle is %d bytes but the upload token allows at most %d; nothing was sent", size, claims.Max)}
	}
	if st == nil {
		st = &state{BundleSHA256: r.res.BundleSHA256, Target: target, Recipient: o.Recipient, Size: size, SHA256: sum}
	}
	f, err := os.Open(file)
	if err != nil {
		return Result{}, err
	}
	defer f.Close()

	fail := func(err error) (Result, error) {
		var ue *Error
		if errors.As(err, &ue) && (ue.Kind == KindUnauthorized || ue.Kind == KindForbidden || ue.Kind == KindTooLarge) {
			forget(o.StateDir, r.res.BundleSHA256) // refused: nothing to resume
			return Result{}, err
		}
		if st.Location == "" && o.Recipient == "" {
			forget(o.StateDir, r.res.BundleSHA256)
			return Result{}, err
		}
		return Result{}, fmt.Errorf("%w (%w)", err, ErrResumable)
	}

	offset := int64(-1)
	if st.Location != "" {
		off, err := r.head(ctx, st.Location, size)
		switch {
		case err == nil:
			offset = off
			r.res.ResumedAt = off
		case errors.Is(err, errGone):
			st.Location = "" // the server forgot it: start a new upload
		default:
			return fail(err)
		}
	}
	if st.Location == "" {
		r.phase("uploading")
		loc, err := r.create(ctx, endpoint, size, sum)
		if err != nil {
			return fail(err)
		}
		st.Location = loc
		if err := saveState(o.StateDir, st); err != nil {
			return Result{}, fmt.Errorf("saving upload state: %w", err)
		}
		offset = 0
	} else {
		r.phase("uploading")
	}
	r.res.Target = st.Location
	r.progress(offset, size)

	failures := 0
	for offset < size {
		n := min(o.ChunkSize, size-offset)
		newOff, err := r.patch(ctx, st.Location, f, offset, n, size)
		if err == nil {
			if newOff > offset {
				failures = 0
			}
			offset = newOff
			continue
		}
		if ctx.Err() != nil {
			return fail(ctx.Err())
		}
		var ue *Error
		if errors.As(err, &ue) && ue.Status != 0 && !retryable(ue.Status) {
			return fail(err)
		}
		failures++
		if failures > o.Retries {
			return fail(&Error{Kind: KindUnreachable, Msg: fmt.Sprintf("upload stopped at %d of %d bytes after %d tries: %v", offset, size, failures, err)})
		}
		if werr := r.bo.wait(ctx, failures-1); werr != nil {
			return fail(werr)
		}
		off, herr := r.head(ctx, st.Location, size)
		if herr != nil {
			if errors.As(herr, &ue) && ue.Status != 0 && !retryable(ue.Status) {
				return fail(herr)
			}
			if errors.Is(herr, errGone) {
				return fail(&Error{Kind: KindServer, Msg: "the server no longer knows this upload; run the command again to start over"})
			}
			continue // try the PATCH again from the offset we know
		}
		if off > offset {
			failures = 0
		}
		offset = off
		r.progress(offset, size)
	}
	forget(o.StateDir, r.res.BundleSHA256)
	return r.res, nil
}

var errGone = errors.New("upload unknown to the server")

// create POSTs a new upload and returns its absolute URL.
func (r *run) create(ctx context.Context, endpoint *url.URL, size int64, sum string) (string, error) {
	meta := map[string]string{"filename": r.res.Filename, "sha256": sum, "bundle_id": r.res.BundleID}
	if r.res.Ticket != "" {
		meta["ticket"] = r.res.Ticket
	}
	if r.res.Encrypted {
		meta["encrypted"] = "age"
	}
	var last error
	for attempt := 0; attempt <= r.o.Retries; attempt++ {
		if attempt > 0 {
			if err := r.bo.wait(ctx, attempt-1); err != nil {
				return "", err
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint.String(), nil)
		if err != nil {
			return "", err
		}
		r.headers(req)
		req.Header.Set("Upload-Length", strconv.FormatInt(size, 10))
		req.Header.Set("Upload-Metadata", encodeMetadata(meta))
		resp, err := r.client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			last = &Error{Kind: KindUnreachable, Msg: fmt.Sprintf("cannot reach the intake at %s: %v", endpoint.Redacted(), err)}
			continue
		}
		if resp.StatusCode != http.StatusCreated {
			e := statusError(resp, "creating the upload")
			resp.Body.Close()
			if !retryable(resp.StatusCode) {
				return "", e
			}
			last = e
			continue
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if loc == "" {
			return "", &Error{Kind: KindServer, Msg: "the intake created the upload but named no Location"}
		}
		u, err := endpoint.Parse(loc)
		if err != nil {
			return "", &Error{Kind: KindServer, Msg: fmt.Sprintf("the intake answered a bad Location %q", oneLine(loc))}
		}
		if _, err := checkURL(u.String(), "upload location"); err != nil {
			return "", err
		}
		return u.String(), nil
	}
	return "", last
}

// head asks the server for the upload's offset.
func (r *run) head(ctx context.Context, loc string, size int64) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, loc, nil)
	if err != nil {
		return 0, err
	}
	r.headers(req)
	resp, err := r.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, &Error{Kind: KindUnreachable, Msg: fmt.Sprintf("cannot reach the intake: %v", err)}
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK, http.StatusNoContent:
	case http.StatusNotFound, http.StatusGone:
		return 0, errGone
	default:
		return 0, statusError(resp, "asking for the upload's offset")
	}
	off, err := strconv.ParseInt(resp.Header.Get("Upload-Offset"), 10, 64)
	if err != nil || off < 0 || off > size {
		return 0, &Error{Kind: KindServer, Msg: fmt.Sprintf("the intake answered a bad Upload-Offset %q", oneLine(resp.Header.Get("Upload-Offset")))}
	}
	if l := resp.Header.Get("Upload-Length"); l != "" && l != strconv.FormatInt(size, 10) {
		return 0, errGone // another upload's length: not ours any more
	}
	return off, nil
}

// patch sends n bytes of f from offset and returns the server's new offset.
func (r *run) patch(ctx context.Context, loc string, f *os.File, offset, n, size int64) (int64, error) {
	body := &progressReader{r: io.NewSectionReader(f, offset, n), base: offset, total: size, fn: r.o.Progress}
	req, err := http.NewRequestWithContext(ctx, http.MethodPatch, loc, body)
	if err != nil {
		return 0, err
	}
	req.ContentLength = n
	req.GetBody = nil
	r.headers(req)
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Upload-Offset", strconv.FormatInt(offset, 10))
	resp, err := r.client.Do(req)
	if err != nil {
		return 0, &Error{Kind: KindUnreachable, Msg: fmt.Sprintf("sending: %v", err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusOK {
		return 0, statusError(resp, "sending")
	}
	off, err := strconv.ParseInt(resp.Header.Get("Upload-Offset"), 10, 64)
	if err != nil || off < offset || off > size {
		return 0, &Error{Kind: KindServer, Status: http.StatusConflict, Msg: fmt.Sprintf("the intake answered a bad Upload-Offset %q", oneLine(resp.Header.Get("Upload-Offset")))}
	}
	r.progress(off, size)
	return off, nil
}

func (r *run) headers(req *http.Request) {
	req.Header.Set("Tus-Resumable", tusVersion)
	if r.o.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.o.Token)
	}
}

// encodeMetadata writes tus's Upload-Metadata: "key base64(value)" pairs, comma separated,
// keys sorted so the header is the same each time.
func encodeMetadata(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+" "+base64.StdEncoding.EncodeToString([]byte(m[k])))
	}
	return strings.Join(parts, ",")
}

// progressReader reports bytes as the transport reads them (sent, not yet acknowledged).
type progressReader struct {
	r           io.Reader
	base, total int64
	n           int64
	fn          func(sent, total int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += int64(n)
	if p.fn != nil && n > 0 {
		p.fn(p.base+p.n, p.total)
	}
	return n, err
}
