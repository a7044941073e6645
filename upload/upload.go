// Package upload sends a bundle to the vendor: resumably over tus 1.0 to a casefile intake, or
// with one PUT to a presigned object-storage URL, optionally age-encrypted to the vendor's
// recipient so that only ciphertext leaves the machine. See docs/upload.md.
//
// The package reads no process globals: the caller passes the token, the proxy function, the
// state folder and the clock.
package upload

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/casefile/casefile/bundle"
)

// Options say what to upload, where, and how.
type Options struct {
	Bundle string // the bundle's path

	// URL is the intake's base URL (tus endpoint at URL + "/files/"); PutURL a presigned URL
	// for one PUT. Exactly one is set.
	URL    string
	PutURL string

	// Token is the upload token (required with URL; optional with PutURL, where the URL itself
	// carries the permission). Its ticket must match the bundle's.
	Token string

	// Recipient is the vendor's age recipient; empty sends the bundle as it is.
	Recipient string

	// StateDir holds the resume state and the ciphertext spool (the CLI uses
	// os.UserCacheDir()/casefile/uploads). Required.
	StateDir string

	CAFile     string                                // extra PEM roots for a private CA
	Proxy      func(*http.Request) (*url.URL, error) // e.g. http.ProxyFromEnvironment; nil: none
	HTTPClient *http.Client                          // overrides the client built from CAFile and Proxy (tests)

	ChunkSize   int64         // bytes per PATCH; default 16 MiB
	Retries     int           // attempts in a row without progress before giving up; default 8
	BackoffBase time.Duration // default 500ms
	BackoffMax  time.Duration // default 30s

	// Progress, when set, is called as bytes are acknowledged or sent: sent of total. The first
	// call after a resume reports the server's offset.
	Progress func(sent, total int64)
	// Phase, when set, is told what happens: "hashing", "encrypting", "uploading".
	Phase func(string)

	Now   func() time.Time                           // default time.Now
	Sleep func(context.Context, time.Duration) error // default: a timer that honours ctx
}

// Result is what an upload did.
type Result struct {
	Target       string `json:"target"`           // the tus upload URL or the PUT URL without its query
	BundleSHA256 string `json:"bundle_sha256"`    // of the bundle file
	SHA256       string `json:"sha256"`           // of the bytes sent (ciphertext when encrypted)
	Size         int64  `json:"size"`             // bytes sent in all
	Encrypted    bool   `json:"encrypted"`        // sent as age ciphertext
	ResumedAt    int64  `json:"resumed_at"`       // the server's offset the upload resumed from (0: fresh)
	Ticket       string `json:"ticket,omitempty"` // the token's ticket
	BundleID     string `json:"bundle_id"`        // from the manifest
	Filename     string `json:"filename"`         // the bundle's base name as sent
}

// ErrResumable wraps failures after which running the same upload again resumes it: the state
// file and the spool are kept.
var ErrResumable = errors.New("the upload can be resumed: run the same command again")

type run struct {
	o      *Options
	client *http.Client
	bo     *backoff
	res    Result
}

// Upload sends o.Bundle. Local refusals (a token for another ticket, an expired token, a bundle
// larger than the token allows, plain http to a non-loopback host) happen before any byte is
// sent. On failure nothing half-written is left locally, except the resume state and ciphertext
// spool of a transfer that can be resumed (the error then wraps ErrResumable).
func Upload(ctx context.Context, o Options) (Result, error) {
	if err := o.defaults(); err != nil {
		return Result{}, err
	}
	r := &run{o: &o, bo: &backoff{base: o.BackoffBase, max: o.BackoffMax, sleep: o.Sleep, rnd: rand.New(rand.NewPCG(rand.Uint64(), uint64(time.Now().UnixNano())))}}
	var target *url.URL
	var err error
	if o.PutURL != "" {
		target, err = checkURL(o.PutURL, "--put")
	} else {
		target, err = checkURL(o.URL, "intake URL")
	}
	if err != nil {
		return Result{}, err
	}
	var claims *Claims
	if o.Token != "" {
		c, err := ParseToken(o.Token)
		if err != nil {
			return Result{}, err
		}
		if !o.Now().Before(c.Expires()) {
			return Result{}, &Error{Kind: KindExpired, Msg: fmt.Sprintf("the upload token expired at %s; ask your support contact for a new one", c.Expires().UTC().Format(time.RFC3339))}
		}
		claims = &c
		r.res.Ticket = c.Ticket
	}
	fi, err := os.Stat(o.Bundle)
	if err != nil {
		return Result{}, err
	}
	if !fi.Mode().IsRegular() {
		return Result{}, fmt.Errorf("%s: not a bundle file", o.Bundle)
	}
	r.phase("hashing")
	// Only the manifest (the archive's first entry): reading the whole bundle here cost about
	// 3 s of a 1 GiB upload's 7 (docs/benchmarks.md); the intake verifies every file on arrival.
	man, err := bundle.ReadManifest(o.Bundle, bundle.DefaultReadLimits)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", o.Bundle, err)
	}
	r.res.BundleID = man.BundleID
	r.res.Filename = filepath.Base(o.Bundle)
	if claims != nil && man.Ticket != "" && man.Ticket != claims.Ticket {
		return Result{}, &Error{Kind: KindWrongTicket, Msg: fmt.Sprintf("this bundle was collected for ticket %s but the upload token is for ticket %s; nothing was sent", man.Ticket, claims.Ticket)}
	}
	if claims != nil && claims.Max > 0 && fi.Size() > claims.Max {
		return Result{}, &Error{Kind: KindTooLarge, Msg: fmt.Sprintf("the bundle is %d bytes but the upload token allows at most %d; nothing was sent", fi.Size(), claims.Max)}
	}
	sum, err := fileSHA256(ctx, o.Bundle)
	if err != nil {
		return Result{}, err
	}
	r.res.BundleSHA256 = sum
	if r.client, err = newClient(&o); err != nil {
		return Result{}, err
	}
	if err := os.MkdirAll(o.StateDir, 0o700); err != nil {
		return Result{}, fmt.Errorf("upload state folder: %w", err)
	}
	if o.PutURL != "" {
		return r.put(ctx, target, claims, fi.Size())
	}
	return r.tus(ctx, target, claims, fi.Size())
}

func (o *Options) defaults() error {
	if o.Bundle == "" {
		return errors.New("no bundle to upload")
	}
	if (o.URL == "") == (o.PutURL == "") {
		if o.URL == "" {
			return errors.New("no upload target: give --to URL, --put URL, or an upload.url in the spec")
		}
		return errors.New("give either an intake URL or a --put URL, not both")
	}
	if o.URL != "" && o.Token == "" {
		return errors.New("no upload token: give --token, set CASEFILE_UPLOAD_TOKEN, or run on a terminal to be asked")
	}
	if o.StateDir == "" {
		return errors.New("upload: no state folder")
	}
	if o.ChunkSize <= 0 {
		o.ChunkSize = 16 << 20
	}
	if o.Retries <= 0 {
		o.Retries = 8
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = 500 * time.Millisecond
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	return nil
}

func (r *run) phase(p string) {
	if r.o.Phase != nil {
		r.o.Phase(p)
	}
}

func (r *run) progress(sent, total int64) {
	if r.o.Progress != nil {
		r.o.Progress(sent, total)
	}
}

// payload prepares the bytes to send: the bundle itself, or its ciphertext in the spool (made
// once and kept until the upload completes, so a resumed upload sends the same ciphertext).
// It returns the file to send, its size and sha256, and the state to resume from (nil: none).
func (r *run) payload(ctx context.Context, target string, claims *Claims, plainSize int64) (string, int64, string, *state, error) {
	o := r.o
	st, err := loadState(o.StateDir, r.res.BundleSHA256)
	if err != nil {
		return "", 0, "", nil, err
	}
	if st != nil && (st.Target != target || st.Recipient != o.Recipient) {
		forget(o.StateDir, r.res.BundleSHA256) // another target or recipient: start again
		st = nil
	}
	if o.Recipient == "" {
		if st != nil && (st.Size != plainSize || st.SHA256 != r.res.BundleSHA256) {
			st = nil
		}
		return o.Bundle, plainSize, r.res.BundleSHA256, st, nil
	}
	r.res.Encrypted = true
	spool := spoolPath(o.StateDir, r.res.BundleSHA256)
	if st != nil {
		if fi, err := os.Stat(spool); err == nil && fi.Size() == st.Size {
			return spool, st.Size, st.SHA256, st, nil
		}
		forget(o.StateDir, r.res.BundleSHA256) // the spool is gone: the old upload cannot go on
		st = nil
	}
	rcpt, err := ParseRecipient(o.Recipient)
	if err != nil {
		return "", 0, "", nil, err
	}
	r.phase("encrypting")
	size, sum, err := encryptSpool(ctx, o.Bundle, spool, rcpt)
	if err != nil {
		return "", 0, "", nil, err
	}
	st = &state{BundleSHA256: r.res.BundleSHA256, Target: target, Recipient: o.Recipient, Size: size, SHA256: sum}
	if err := saveState(o.StateDir, st); err != nil {
		os.Remove(spool)
		return "", 0, "", nil, err
	}
	return spool, size, sum, st, nil
}

func fileSHA256(ctx context.Context, p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx, f}); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
