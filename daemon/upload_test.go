package daemon

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/intake"
)

// TestTriggerUploads: a trigger with upload: true sends its bundle to the spec's intake (this
// repository's real intake server, in this process) with the daemon's upload token.
func TestTriggerUploads(t *testing.T) {
	key := []byte(strings.Repeat("k", 32))
	filed := make(chan intake.Record, 4)
	srv, err := intake.New(intake.Options{DataDir: t.TempDir(), Key: key, OnFiled: func(r intake.Record) { filed <- r }})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	claims, err := intake.NewClaims("7001", time.Now(), time.Hour, 0)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := intake.Sign(key, claims)
	if err != nil {
		t.Fatal(err)
	}
	td := startDaemon(t, specHead+fmt.Sprintf(`upload: {url: %q}
monitors:
  - name: db
    interval: 1s
    tcp: {target: %q}
    trigger: {failures_in_a_row: 2, upload: true}
`, hs.URL, refusedTarget(t)), func(c *Config) { c.UploadToken = tok })
	var rec intake.Record
	select {
	case rec = <-filed:
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
