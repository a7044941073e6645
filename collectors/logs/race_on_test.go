//go:build race

package logs

// raceEnabled: this test binary was built with -race.
const raceEnabled = true
