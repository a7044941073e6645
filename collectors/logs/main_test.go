package logs

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	if os.Getenv(rssLauncherEnv) != "" {
		os.Exit(rssLaunch(os.Args[1:]))
	}
	os.Exit(m.Run())
}
