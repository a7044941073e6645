//go:build !race

package bundle

const tailRace = false
