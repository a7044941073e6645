// Package intaketest starts this repository's real intake server on loopback for other packages'
// tests (upload, collect --upload, daemon triggers).
package intaketest

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/intake"
)

// Server is a running intake with its signing key; Filed receives each filed record.
type Server struct {
	*intake.Server
	URL   string
	Key   []byte
	Filed chan intake.Record
}

// Start runs an intake server with folder storage in a temporary folder, on a loopback port;
// it stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	key := []byte(strings.Repeat("k", 32))
	filed := make(chan intake.Record, 16)
	srv, err := intake.New(intake.Options{DataDir: t.TempDir(), Key: key, OnFiled: func(r intake.Record) { filed <- r }})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return &Server{Server: srv, URL: hs.URL, Key: key, Filed: filed}
}

// Token is an upload token for ticket, valid for an hour, with the server's size limit.
func (s *Server) Token(t testing.TB, ticket string) string {
	t.Helper()
	claims, err := intake.NewClaims(ticket, time.Now(), time.Hour, 0)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := intake.Sign(s.Key, claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
