package daemon

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// TestMain doubles as a small client: a test re-runs this binary under another uid with
// CASEFILE_TEST_DIAL=SOCKET to ask the daemon for its status, and it prints what happened.
func TestMain(m *testing.M) {
	if sock := os.Getenv("CASEFILE_TEST_DIAL"); sock != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		st, err := NewClient(sock).Status(ctx)
		if err != nil {
			fmt.Printf("error: %v\n", err)
			os.Exit(1)
		}
		fmt.Printf("ok: spec %s\n", st.Spec.Name)
		os.Exit(0)
	}
	os.Exit(m.Run())
}
