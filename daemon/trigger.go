package daemon

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/casefile/casefile/spec"
	"github.com/casefile/casefile/upload"
)

// TriggerRecord is one trigger that fired, as `casefile status` shows it.
type TriggerRecord struct {
	Monitor        string    `json:"monitor"`
	Time           time.Time `json:"time"`
	FailuresInARow int       `json:"failures_in_a_row"`
	// Status is collecting, collected, failed, uploaded or upload_failed.
	Status   string `json:"status"`
	Bundle   string `json:"bundle,omitempty"`
	Error    string `json:"error,omitempty"`
	Uploaded string `json:"uploaded,omitempty"` // where the upload went (the tus URL)
}

// maxTriggerRecords bounds the triggers kept for /v1/status.
const maxTriggerRecords = 20

// fire collects a bundle for a monitor that failed often enough in a row (rate limiting was
// decided by the caller), keeps at most trigger.keep triggered bundles and uploads it when the
// trigger says so. It runs in the background; a shutdown cancels it.
func (d *Daemon) fire(m *spec.Monitor, fails int) {
	t := *m.Trigger
	name := m.Name
	started := d.cfg.Now().UTC()
	d.mu.Lock()
	d.triggers = append(d.triggers, TriggerRecord{Monitor: name, Time: started, FailuresInARow: fails, Status: "collecting"})
	if over := len(d.triggers) - maxTriggerRecords; over > 0 {
		d.triggers = append([]TriggerRecord{}, d.triggers[over:]...)
	}
	ctx := d.runCtx
	d.mu.Unlock()
	update := func(f func(r *TriggerRecord)) {
		d.mu.Lock()
		defer d.mu.Unlock()
		// The record may have moved (older ones dropped): find it again by monitor and time.
		for i := range d.triggers {
			if d.triggers[i].Monitor == name && d.triggers[i].Time.Equal(started) {
				f(&d.triggers[i])
				return
			}
		}
	}
	d.log.Warn("trigger: collecting a bundle", "monitor", name, "failures_in_a_row", fails)
	d.bgWG.Add(1)
	go func() {
		defer d.bgWG.Done()
		dir := filepath.Join(d.cfg.StateDir, bundlesDir)
		req := CollectRequest{Args: []string{"casefile", "daemon", fmt.Sprintf("(trigger: monitor %s failed %d times in a row)", name, fails)}}
		if t.Upload && d.cfg.UploadToken != "" {
			// The intake files a bundle under its token's ticket and quarantines one that names
			// another: a bundle made to be uploaded carries the token's ticket.
			if c, err := upload.ParseToken(d.cfg.UploadToken); err == nil {
				req.Ticket = c.Ticket
			}
		}
		res, err := d.Collect(ctx, req, dir)
		if err != nil {
			msg := d.redact(err.Error())
			update(func(r *TriggerRecord) { r.Status, r.Error = "failed", msg })
			d.log.Error("trigger: collection failed", "monitor", name, "error", msg)
			return
		}
		update(func(r *TriggerRecord) { r.Status, r.Bundle = "collected", res.Path })
		d.log.Info("trigger: bundle written", "monitor", name, "bundle", res.Path, "took", d.cfg.Now().Sub(started).Round(time.Millisecond).String())
		if removed := keepNewest(dir, t.Keep); len(removed) > 0 {
			d.log.Info("trigger: removed older bundles", "keep", t.Keep, "removed", strings.Join(removed, ", "))
		}
		if !t.Upload {
			return
		}
		target, err := d.upload(ctx, res.Path)
		if err != nil {
			msg := d.redact(err.Error())
			update(func(r *TriggerRecord) { r.Status, r.Error = "upload_failed", msg })
			d.log.Error("trigger: upload failed; the bundle is kept", "monitor", name, "bundle", res.Path, "error", msg)
			return
		}
		update(func(r *TriggerRecord) { r.Status, r.Uploaded = "uploaded", target })
		d.log.Info("trigger: bundle uploaded", "monitor", name, "bundle", res.Path, "to", target)
	}()
}

// upload sends a triggered bundle to the spec's upload target with the daemon's token.
func (d *Daemon) upload(ctx context.Context, path string) (string, error) {
	s := d.current().spec
	if s.Upload == nil {
		return "", fmt.Errorf("the spec has no upload section")
	}
	if d.cfg.UploadToken == "" {
		return "", fmt.Errorf("no upload token: give the daemon one (CASEFILE_UPLOAD_TOKEN or --upload-token-file)")
	}
	res, err := upload.Upload(ctx, upload.Options{
		Bundle: path, URL: s.Upload.URL, Recipient: s.Upload.Recipient, Token: d.cfg.UploadToken,
		StateDir: filepath.Join(d.cfg.StateDir, uploadsDir), Proxy: http.ProxyFromEnvironment, Now: d.cfg.Now,
	})
	if err != nil {
		return "", err
	}
	return spec.RedactURL(res.Target), nil
}

// keepNewest removes all but the newest keep bundles (casefile-*) in dir and names them.
func keepNewest(dir string, keep int) []string {
	if keep < 1 {
		keep = spec.DefaultTriggerKeep
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	type bundleFile struct {
		name string
		mod  time.Time
	}
	var bs []bundleFile
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), "casefile-") {
			continue
		}
		if info, err := e.Info(); err == nil {
			bs = append(bs, bundleFile{e.Name(), info.ModTime()})
		}
	}
	sort.Slice(bs, func(i, j int) bool {
		if !bs[i].mod.Equal(bs[j].mod) {
			return bs[i].mod.After(bs[j].mod)
		}
		return bs[i].name > bs[j].name
	})
	var removed []string
	for _, b := range bs[min(keep, len(bs)):] {
		if os.Remove(filepath.Join(dir, b.name)) == nil {
			removed = append(removed, b.name)
		}
	}
	return removed
}
