package intake

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/collect"
	"github.com/casefile/casefile/remote"
	"github.com/casefile/casefile/remote/wire"
	"github.com/casefile/casefile/spec"
)

// Remote requests with S3 storage (versitygw on loopback): a host enrolls through instance A;
// the agent's request is written to the bucket from a third data folder (as casefile intake
// request does); the host, behind a load balancer, polls instance B, which knows the host and
// the request from the bucket alone, collects for real, uploads to B and reports; A reads the
// outcome from the bucket.
func TestS3RemoteRequestsAcrossInstances(t *testing.T) {
	st := startVersity(t, "casefile-remote", "intake")
	cfg := &Config{Limits: DefaultLimits, Storage: st}
	key := []byte(strings.Repeat("k", 32))
	a, b := newInstance(t, key, cfg), newInstance(t, key, cfg)
	urlA, urlB := strings.TrimSuffix(a.url, BasePath), strings.TrimSuffix(b.url, BasePath)

	state := t.TempDir()
	c, err := NewEnrollClaims(time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := SignEnroll(key, c)
	e, err := remote.EnrollHost(context.Background(), remote.EnrollOptions{StateDir: state, IntakeURL: urlA, Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	rem, err := OpenRemote(t.TempDir(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	q, err := rem.CreateRequest("4821", e.HostID, "")
	if err != nil {
		t.Fatal(err)
	}
	// The load balancer sends the host to B from now on.
	e.URL = urlB
	data, _ := json.Marshal(e)
	if err := os.WriteFile(filepath.Join(state, remote.EnrollmentFile), data, 0o600); err != nil {
		t.Fatal(err)
	}
	sp := *spec.Default()
	sp.Upload = &spec.Upload{URL: urlB, Consent: remote.ConsentAuto}
	cl, err := remote.New(remote.Config{StateDir: state, Spec: func() *spec.Spec { return &sp }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cl.Poll(context.Background(), func(ctx context.Context, r remote.Request) (string, error) {
		res, err := collect.Run(ctx, collect.Request{
			Spec: &sp, SpecRaw: spec.DefaultYAML(), SpecSource: spec.Source{Kind: "default", Name: "built-in"},
			Only: []string{"system.host"}, OutDir: t.TempDir(), Ticket: r.Ticket, Root: "/",
			Hostname: "s3-remote-test", Username: "tester", Args: []string{"casefile", "daemon"}, Created: time.Now().UTC(),
		})
		if err != nil {
			return "", err
		}
		return res.Path, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := b.waitFiled(t)
	got, err := a.remoteStore().Request(e.HostID, q.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != wire.StatusUploaded || got.BundleSHA256 != rec.SHA256 || rec.Ticket != "4821" || rec.Status != StatusOK {
		t.Fatalf("request %+v, filed %+v", got, rec)
	}
	bk := b.s3
	for _, k := range []string{"intake/hosts/" + e.HostID + ".json", "intake/requests/done/" + e.HostID + "/" + q.ID + ".json", "intake/" + rec.Path} {
		if len(getObject(t, bk, k)) == 0 {
			t.Errorf("s3 object %s is empty", k)
		}
	}
	if keys, err := bk.list("intake/requests/open/"); err != nil || len(keys) != 0 {
		t.Errorf("open requests left in the bucket: %v %v", keys, err)
	}
	for _, d := range []string{a.data, b.data} {
		for _, sub := range []string{"hosts", "requests"} {
			if _, err := os.Stat(filepath.Join(d, sub)); err == nil {
				t.Errorf("%s/%s exists: remote requests belong in the bucket", d, sub)
			}
		}
	}
}
