package network

import (
	"errors"

	"golang.org/x/sys/windows"
)

func isPlatformRefused(err error) bool { return errors.Is(err, windows.WSAECONNREFUSED) }
