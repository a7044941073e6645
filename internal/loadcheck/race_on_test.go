//go:build race

package loadcheck

// Under -race the server is the race-instrumented test binary: several times the memory.
const peakBound = 192 << 20
