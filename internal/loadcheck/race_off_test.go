//go:build !race

package loadcheck

const peakBound = 64 << 20
