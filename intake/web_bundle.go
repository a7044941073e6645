package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sync/singleflight"

	"github.com/casefile/casefile/analyze"
	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/collectors"
)

// What the web view shows of a bundle is read from the stored bundle itself with the bundle
// package's hardened reader (bundle.Walk: bounded sizes, entry counts and ratio; no links or
// traversal), from a folder or from the S3 bucket. Stored bundles are content-addressed
// (<ticket>/<sha256>.<ext>) and never change, so what is read is cached in memory by path.

// maxReportHTML bounds the report.html the web view serves; reportCacheMax what it keeps in
// memory of one; the cache keeps at most viewCacheSize views and viewCacheBytes in all.
const (
	maxReportHTML  = 32 << 20
	reportCacheMax = 4 << 20
	viewCacheSize  = 256
	viewCacheBytes = 128 << 20
)

// bundleView is what the web view read from one stored bundle: bounded (web_read.go).
type bundleView struct {
	Summary    viewSummary
	Collectors map[string]int // by status, of all the manifest lists
	Findings   []analyze.Finding
	// FindingsTotal counts findings.json's entries (up to maxScannedFindings; FindingsPartial
	// when it holds more or could not be read to its end).
	FindingsTotal   int
	FindingsPartial bool
	Redaction       redactionView
	Verdict         verdictView
	HasReport       bool
	report          []byte // report.html when small enough to keep
	bytes           int64  // size(), for the cache's budget
	readErr         string // the bundle could not be read: why
}

// MoreFindings is how many findings read are not shown.
func (v *bundleView) MoreFindings() int { return v.FindingsTotal - len(v.Findings) }

type redactionView struct {
	Total, Files int
	Rules        []ruleCount
	MoreRules    int
	Dropped      []string // "path: reason"
	MoreDropped  int
}

type ruleCount struct {
	Rule  string
	Count int
}

type verdictView struct{ Class, Text string }

// bundlePage is a record with what could be read of its bundle.
type bundlePage struct {
	Rec  Record
	View *bundleView
	Err  string // why the bundle could not be read (quarantined, encrypted, unreadable)
	Desk string
}

// CollectorLine is "12 ok · 1 partial · 0 failed · 3 skipped".
func (p *bundlePage) CollectorLine() string {
	if p.View == nil {
		return ""
	}
	c := p.View.Collectors
	s := fmt.Sprintf("%d ok · %d partial · %d failed", c["ok"], c["partial"], c["failed"]+c["timed_out"])
	if c["timed_out"] > 0 {
		s += fmt.Sprintf(" (%d timed out)", c["timed_out"])
	}
	if c["skipped"] > 0 {
		s += fmt.Sprintf(" · %d skipped", c["skipped"])
	}
	return s
}

// Link is the bundle page's path.
func (p *bundlePage) Link() string { return WebBundlePath(p.Rec) }

// WebBundlePath is the path of a record's page in the web view; + "download" downloads the
// bundle, + "report.html" shows its report (for links in desk comments: prefix the public URL).
func WebBundlePath(rec Record) string {
	return WebPath + "t/" + rec.Ticket + "/b/" + url.PathEscape(rec.ID) + "/"
}

type viewCache struct {
	s     *Server
	group singleflight.Group
	mu    sync.Mutex
	views map[string]*bundleView
	order []string
	bytes int64         // of the views held
	sem   chan struct{} // reads in progress
}

func newViewCache(s *Server) *viewCache {
	return &viewCache{s: s, views: map[string]*bundleView{}, sem: make(chan struct{}, maxConcurrentReads)}
}

// readable reports whether a record's stored file is a bundle the view can open.
func readable(rec Record) bool {
	return rec.Status != StatusEncrypted && !strings.HasSuffix(rec.Path, ".age") && !strings.HasSuffix(rec.Path, ".bin")
}

func hasReport(rec Record) bool { return readable(rec) && validRel(rec.Path) }

// validRel accepts only a storage path the intake itself writes.
func validRel(rel string) bool {
	return path.Clean(rel) == rel && !strings.Contains(rel, "..") && !strings.ContainsAny(rel, "\\\x00") &&
		(strings.HasPrefix(rel, "bundles/") || strings.HasPrefix(rel, "quarantine/"))
}

// page reads (or recalls) what the web view shows of rec's bundle.
func (c *viewCache) page(ctx context.Context, rec Record) *bundlePage {
	p := &bundlePage{Rec: rec, Desk: deskStatus(rec)}
	switch {
	case !validRel(rec.Path):
		p.Err = "the record names no stored file the web view can read"
		return p
	case rec.Status == StatusEncrypted || strings.HasSuffix(rec.Path, ".age"):
		p.Err = "stored encrypted: this intake holds no identity to decrypt it; download it and decrypt it with casefile decrypt"
		return p
	case !readable(rec):
		p.Err = "not a bundle: what arrived is not a tar.gz, tar.zst or zip archive; it is kept as it came and can only be downloaded (as an opaque file)"
		return p
	}
	v, err := c.view(ctx, rec.Path)
	if errors.Is(err, errStillReading) {
		p.Err = err.Error()
		return p
	}
	if err != nil {
		p.Err = "the bundle could not be read: " + err.Error()
		return p
	}
	p.View = v
	return p
}

// errStillReading: the caller's time ran out while the bundle is being read; the read goes
// on, and the next request finds its result.
var errStillReading = errors.New("the bundle is large and still being read: reload the page in a moment")

// maxConcurrentReads bounds the bundles read at once: each decompresses a whole archive.
const maxConcurrentReads = 2

// view returns what the view shows of the bundle rel, reading it if need be. The read is shared
// by every request that waits for it and is not cancelled with them; a request whose context
// ends first (a ticket page's time budget) gets errStillReading. A bundle that cannot be read is
// remembered as such (stored bundles never change): a hostile archive that fails after
// decompressing gigabytes is not read again for every page.
func (c *viewCache) view(ctx context.Context, rel string) (*bundleView, error) {
	c.mu.Lock()
	v := c.views[rel]
	c.mu.Unlock()
	if v != nil {
		return v.result()
	}
	ch := c.group.DoChan(rel, func() (any, error) {
		c.sem <- struct{}{}
		defer func() { <-c.sem }()
		v, err := c.read(context.WithoutCancel(ctx), rel)
		switch {
		case err == nil:
		case errors.Is(err, bundle.ErrUnsafe) || errors.Is(err, errNoManifest):
			v = &bundleView{readErr: err.Error()}
		default:
			return nil, err // storage trouble: try again next time
		}
		c.keep(rel, v)
		return v, nil
	})
	if ctx.Err() != nil {
		return nil, errStillReading
	}
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*bundleView).result()
	case <-ctx.Done():
		return nil, errStillReading
	}
}

func (v *bundleView) result() (*bundleView, error) {
	if v.readErr != "" {
		return nil, errors.New(v.readErr)
	}
	return v, nil
}

var errNoManifest = errors.New("no manifest.json in the bundle")

// keep caches v, dropping the oldest views past viewCacheSize or viewCacheBytes.
func (c *viewCache) keep(rel string, v *bundleView) {
	v.bytes = v.size()
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.views[rel]; ok {
		c.bytes -= old.bytes
		c.order = slices.DeleteFunc(c.order, func(s string) bool { return s == rel })
	}
	for len(c.order) > 0 && (len(c.order) >= viewCacheSize || c.bytes+v.bytes > viewCacheBytes) {
		c.bytes -= c.views[c.order[0]].bytes
		delete(c.views, c.order[0])
		c.order = c.order[1:]
	}
	c.order = append(c.order, rel)
	c.views[rel] = v
	c.bytes += v.bytes
}

// errStop ends a walk early once everything wanted was read.
var errStop = errors.New("stop")

// withLocal calls fn with a local path of the stored bundle rel: the file itself in a folder, a
// temporary copy (removed after) for S3.
func (c *viewCache) withLocal(ctx context.Context, rel string, fn func(p string) error) error {
	if s3s := c.s.s3; s3s != nil {
		ctx, cancel := context.WithTimeout(ctx, s3Transfer)
		defer cancel()
		o, err := s3s.c.GetObject(ctx, &s3.GetObjectInput{Bucket: &s3s.bucket, Key: aws.String(s3s.key(rel))})
		if err != nil {
			return fmt.Errorf("s3://%s/%s: %w", s3s.bucket, s3s.key(rel), err)
		}
		defer o.Body.Close()
		p, err := s3s.toTemp(c.s.tmp, "web-*", o.Body)
		if err != nil {
			return err
		}
		defer os.Remove(p)
		return fn(p)
	}
	l, ok := c.s.stor.(Layout)
	if !ok {
		return errors.New("unknown storage")
	}
	return fn(l.abs(rel))
}

func (c *viewCache) read(ctx context.Context, rel string) (*bundleView, error) {
	lim := bundle.DefaultReadLimits
	var man *viewManifest
	var env viewEnvironment
	var fr *findingsRead
	var rr redactionRead
	v := &bundleView{}
	// casefile writes entries sorted by name, and nothing the view reads sorts after
	// report.html: in such an archive the walk stops there (spec.yaml and system/ are skipped).
	sorted, last := true, ""
	err := c.withLocal(ctx, rel, func(p string) error {
		_, err := bundle.Walk(p, lim, func(e bundle.Entry, r io.Reader) error {
			if e.Name < last {
				sorted = false
			}
			last = e.Name
			switch e.Name {
			case "manifest.json", "environment.json", "findings.json", "redaction.json":
				if e.Size > lim.MaxMetaSize {
					return fmt.Errorf("%s is larger than %d bytes", e.Name, lim.MaxMetaSize)
				}
				r = io.LimitReader(r, lim.MaxMetaSize)
				switch e.Name {
				case "manifest.json":
					// Held whole (as filing held it); what is kept of it is bounded.
					data, err := io.ReadAll(r)
					if err != nil {
						return err
					}
					var m viewManifest
					if err := json.Unmarshal(data, &m); err != nil {
						return fmt.Errorf("manifest.json: %v", err)
					}
					man = &m
				case "environment.json":
					json.NewDecoder(r).Decode(&env)
				case "findings.json":
					f := readFindings(r)
					fr = &f
				case "redaction.json":
					rr = readRedaction(r)
				}
			case "report.html":
				v.HasReport = true
				if e.Size <= reportCacheMax {
					data, err := io.ReadAll(io.LimitReader(r, reportCacheMax+1))
					if err != nil {
						return err
					}
					if len(data) <= reportCacheMax {
						v.report = data
					}
				}
				if sorted && man != nil {
					return errStop
				}
			}
			return nil
		})
		if errors.Is(err, errStop) {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if man == nil {
		return nil, errNoManifest
	}
	v.Summary = viewSummary{Host: clip(man.Host, maxName), OS: env.line(), CreatedAt: man.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"),
		Collectors: man.Collectors.rows, MoreCollectors: man.Collectors.more}
	v.Collectors = man.Collectors.byStatus
	if v.Collectors == nil {
		v.Collectors = map[string]int{}
	}
	counts := map[analyze.Severity]int{}
	if fr != nil {
		v.Findings, v.FindingsTotal, v.FindingsPartial, counts = fr.shown, fr.total, fr.partial, fr.counts
	}
	if !rr.ok {
		rr = redactionRead{total: man.Redaction.Total, files: man.Redaction.Files}
	}
	v.Redaction = redactionView{Total: rr.total, Files: rr.files, Rules: rr.rules, MoreRules: rr.moreRules,
		Dropped: rr.dropped, MoreDropped: rr.moreDropped}
	sort.Slice(v.Redaction.Rules, func(i, j int) bool {
		a, b := v.Redaction.Rules[i], v.Redaction.Rules[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Rule < b.Rule
	})
	sort.Strings(v.Redaction.Dropped)
	v.Verdict = verdict(counts, v.Collectors)
	return v, nil
}

// verdict is the same one-line answer report.html gives, from the findings by severity and
// the collectors by status.
func verdict(n map[analyze.Severity]int, cs map[string]int) verdictView {
	failed := cs[string(collectors.StatusFailed)] + cs[string(collectors.StatusTimedOut)]
	var v verdictView
	switch {
	case n[analyze.Critical] > 0:
		v = verdictView{"critical", plural(n[analyze.Critical], "critical problem") + " found"}
	case n[analyze.Warning] > 0:
		v = verdictView{"warning", plural(n[analyze.Warning], "warning") + ", nothing critical"}
	default:
		v = verdictView{"ok", "No problems found"}
	}
	if failed > 0 {
		v.Text += "; " + plural(failed, "collector") + " failed"
	}
	return v
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// report returns the bundle's report.html, from the cache or read again (bounded).
func (c *viewCache) report(ctx context.Context, rec Record) ([]byte, error) {
	v, err := c.view(ctx, rec.Path)
	if err != nil {
		return nil, err
	}
	if !v.HasReport {
		return nil, errors.New("the bundle holds no report.html")
	}
	if v.report != nil {
		return v.report, nil
	}
	var out []byte
	select {
	case c.sem <- struct{}{}:
		defer func() { <-c.sem }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	err = c.withLocal(ctx, rec.Path, func(p string) error {
		_, err := bundle.Walk(p, bundle.DefaultReadLimits, func(e bundle.Entry, r io.Reader) error {
			if e.Name != "report.html" {
				return nil
			}
			if e.Size > maxReportHTML {
				return fmt.Errorf("report.html is larger than %d bytes", maxReportHTML)
			}
			data, err := io.ReadAll(io.LimitReader(r, maxReportHTML))
			if err != nil {
				return err
			}
			out = data
			return errStop
		})
		if errors.Is(err, errStop) {
			return nil
		}
		return err
	})
	if err == nil && out == nil {
		err = errors.New("the bundle holds no report.html")
	}
	return out, err
}

// serveStored writes the stored file of rec: from the folder with ranges, or streamed from S3.
// An error is returned only when nothing was written yet.
func (c *viewCache) serveStored(rw http.ResponseWriter, r *http.Request, rec Record) error {
	if !validRel(rec.Path) {
		return errors.New("no stored file")
	}
	if s3s := c.s.s3; s3s != nil {
		ctx, cancel := context.WithTimeout(r.Context(), s3Transfer)
		defer cancel()
		o, err := s3s.c.GetObject(ctx, &s3.GetObjectInput{Bucket: &s3s.bucket, Key: aws.String(s3s.key(rec.Path))})
		if err != nil {
			return err
		}
		defer o.Body.Close()
		if o.ContentLength != nil {
			rw.Header().Set("Content-Length", fmt.Sprint(*o.ContentLength))
		}
		rw.WriteHeader(http.StatusOK)
		io.Copy(rw, o.Body)
		return nil
	}
	l, ok := c.s.stor.(Layout)
	if !ok {
		return errors.New("unknown storage")
	}
	f, err := os.Open(l.abs(rec.Path))
	if err != nil {
		return err
	}
	defer f.Close()
	http.ServeContent(rw, r, "", time.Time{}, f)
	return nil
}
