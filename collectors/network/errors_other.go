//go:build !windows

package network

func isPlatformRefused(error) bool { return false }
