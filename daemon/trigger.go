package daemon

import (
	"bytes"
	"context"
	"encoding/json"
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

// triggersFile records each trigger in the state folder, so that the rate limit and
// `casefile status` survive a restart: a daemon restarted in a loop by its service manager while
// a monitor fails does not collect a bundle at every start.
const (
	triggersFile    = "triggers.jsonl"
	triggersFileMax = 64 << 10 // past this the file is rewritten with the newest records
)

// loadTriggers reads the recorded triggers (a later line for the same monitor and time replaces
// an earlier one) and returns the newest, oldest first, and when each monitor's last fired.
func loadTriggers(stateDir string) ([]TriggerRecord, map[string]time.Time) {
	last := map[string]time.Time{}
	b, err := os.ReadFile(filepath.Join(stateDir, triggersFile))
	if err != nil {
		return nil, last
	}
	var recs []TriggerRecord
	index := map[string]int{}
	for _, line := range strings.Split(string(b), "\n") {
		var r TriggerRecord
		if strings.TrimSpace(line) == "" || json.Unmarshal([]byte(line), &r) != nil || r.Monitor == "" {
			continue
		}
		key := r.Monitor + "\x00" + r.Time.String()
		if i, ok := index[key]; ok {
			recs[i] = r
			continue
		}
		index[key] = len(recs)
		recs = append(recs, r)
		if r.Time.After(last[r.Monitor]) {
			last[r.Monitor] = r.Time
		}
	}
	if len(recs) > maxTriggerRecords {
		recs = recs[len(recs)-maxTriggerRecords:]
	}
	return recs, last
}

// saveTrigger appends a record to the triggers file, rewriting it with the newest records when
// it has grown past triggersFileMax. Errors are logged: the trigger itself has happened.
func (d *Daemon) saveTrigger(r TriggerRecord) {
	p := filepath.Join(d.cfg.StateDir, triggersFile)
	if st, err := os.Stat(p); err == nil && st.Size() > triggersFileMax {
		recs, _ := loadTriggers(d.cfg.StateDir)
		var buf bytes.Buffer
		for _, x := range recs {
			b, _ := json.Marshal(x)
			buf.Write(append(b, '\n'))
		}
		tmp := p + ".tmp"
		if err := os.WriteFile(tmp, buf.Bytes(), 0o600); err == nil {
			os.Rename(tmp, p)
		}
	}
	b, _ := json.Marshal(r)
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err == nil {
		_, err = f.Write(append(b, '\n'))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		d.log.Error("recording a trigger", "error", d.redact(err.Error()))
	}
}

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
	d.saveTrigger(TriggerRecord{Monitor: name, Time: started, FailuresInARow: fails, Status: "collecting"})
	update := func(f func(r *TriggerRecord)) {
		d.mu.Lock()
		var rec *TriggerRecord
		// The record may have moved (older ones dropped): find it again by monitor and time.
		for i := range d.triggers {
			if d.triggers[i].Monitor == name && d.triggers[i].Time.Equal(started) {
				rec = &d.triggers[i]
				break
			}
		}
		if rec == nil {
			d.mu.Unlock()
			return
		}
		f(rec)
		saved := *rec
		d.mu.Unlock()
		d.saveTrigger(saved)
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
