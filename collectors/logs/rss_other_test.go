//go:build !linux

package logs

const rssLauncherEnv = "CASEFILE_RSS_LAUNCHER"

func rssLaunch([]string) int { return 2 }
