package daemon

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/casefile/casefile/history"
)

// Client talks to a daemon's local API (casefile status, casefile collect).
type Client struct {
	Socket string
	hc     *http.Client
}

// NewClient returns a client of the daemon listening on socket.
func NewClient(socket string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) { return dial(ctx, socket) },
		// One daemon, one connection at a time: nothing to pool.
		DisableKeepAlives: true,
	}
	return &Client{Socket: socket, hc: &http.Client{Transport: tr}}
}

// NotRunningError says no daemon answers on the socket.
type NotRunningError struct {
	Socket string
	Err    error
}

func (e *NotRunningError) Error() string {
	return fmt.Sprintf("no casefile daemon is running (nothing answers on %s)", e.Socket)
}
func (e *NotRunningError) Unwrap() error { return e.Err }

// DeniedError says the daemon (or the socket's permissions) refused this user.
type DeniedError struct {
	Socket string
	Msg    string
}

func (e *DeniedError) Error() string {
	return fmt.Sprintf("casefile daemon on %s: %s", e.Socket, e.Msg)
}

// APIError is an error the daemon answered with. Usage marks a bad request (exit code 2).
type APIError struct {
	Status int
	Msg    string
	Usage  bool
}

func (e *APIError) Error() string { return "casefile daemon: " + e.Msg }

// IsNotRunning reports whether err says no daemon answers.
func IsNotRunning(err error) bool {
	var nr *NotRunningError
	return errors.As(err, &nr)
}

func (c *Client) do(ctx context.Context, method, path string, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://casefile"+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var nr *NotRunningError
		var de *DeniedError
		switch {
		case errors.As(err, &nr):
			return nil, nr
		case errors.As(err, &de):
			return nil, de
		}
		return nil, fmt.Errorf("casefile daemon on %s: %w", c.Socket, err)
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		var ae apiError
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if json.Unmarshal(b, &ae) != nil || ae.Error == "" {
			ae.Error = fmt.Sprintf("HTTP %s", resp.Status)
		}
		if resp.StatusCode == http.StatusForbidden {
			return nil, &DeniedError{Socket: c.Socket, Msg: ae.Error}
		}
		return nil, &APIError{Status: resp.StatusCode, Msg: ae.Error, Usage: ae.Usage}
	}
	return resp, nil
}

// Status asks GET /v1/status.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	resp, err := c.do(ctx, http.MethodGet, "/v1/status", nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var st Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return nil, fmt.Errorf("reading the daemon's status: %w", err)
	}
	return &st, nil
}

// History asks GET /v1/history for results since (zero: the daemon's default window).
func (c *Client) History(ctx context.Context, since time.Time, monitor string) ([]history.Result, error) {
	q := url.Values{}
	if !since.IsZero() {
		q.Set("since", since.UTC().Format(time.RFC3339Nano))
	}
	if monitor != "" {
		q.Set("monitor", monitor)
	}
	resp, err := c.do(ctx, http.MethodGet, "/v1/history?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out []history.Result
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r history.Result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("reading the history: %w", err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// Collect asks the daemon to collect (POST /v1/collect); the bundle then waits in the daemon for
// Download.
func (c *Client) Collect(ctx context.Context, req CollectRequest) (*CollectResponse, error) {
	resp, err := c.do(ctx, http.MethodPost, "/v1/collect", req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out CollectResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("reading the daemon's answer: %w", err)
	}
	if out.Download == "" || out.Bundle == "" || strings.ContainsAny(out.Bundle, `/\`) || out.Bundle == ".." {
		return nil, fmt.Errorf("casefile daemon: a collect answer without a usable bundle name")
	}
	return &out, nil
}

// Download fetches the bundle a Collect made into dir (under its own name), written to a
// temporary name and renamed when complete, mode 0600 like every bundle. It returns the path.
func (c *Client) Download(ctx context.Context, r *CollectResponse, dir string) (string, error) {
	resp, err := c.do(ctx, http.MethodGet, r.Download, nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, ".casefile-download-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	n, err := io.Copy(tmp, resp.Body)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && r.Size > 0 && n != r.Size {
		err = fmt.Errorf("the bundle arrived cut: %d of %d bytes", n, r.Size)
	}
	if err != nil {
		return "", fmt.Errorf("fetching the bundle from the daemon: %w", err)
	}
	dst := filepath.Join(dir, r.Bundle)
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return "", err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", err
	}
	return dst, nil
}
