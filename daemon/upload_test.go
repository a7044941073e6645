package daemon

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/intake"
	"github.com/casefile/casefile/intake/intaketest"
)

// TestTriggerUploads: a trigger with upload: true sends its bundle to the spec's intake (this
// repository's real intake server, in this process) with the daemon's upload token.
func TestTriggerUploads(t *testing.T) {
	srv := intaketest.Start(t)
	tok := srv.Token(t, "7001")
	td := startDaemon(t, specHead+fmt.Sprintf(`upload: {url: %q}
monitors:
  - name: db
    interval: 1s
    tcp: {target: %q}
    trigger: {failures_in_a_row: 2, upload: true}
`, srv.URL, refusedTarget(t)), func(c *Config) { c.UploadToken = tok })
	var rec intake.Record
	select {
	case rec = <-srv.Filed:
	case <-time.After(30 * time.Second):
		t.Fatalf("the intake never filed a triggered bundle; log:\n%s", indent(td.log.String()))
	}
	if rec.Ticket != "7001" || rec.Status != "ok" {
		t.Errorf("intake record %+v", rec)
	}
	waitFor(t, 10*time.Second, "the trigger to say uploaded", func() bool {
		st, _ := td.client.Status(context.Background())
		return st != nil && len(st.Triggers) == 1 && st.Triggers[0].Status == "uploaded"
	})
	if strings.Contains(td.log.String(), tok) {
		t.Error("the upload token is in the log")
	}
}
