package cli

import (
	"io"

	"golang.org/x/sys/windows"
)

// enableVT turns on virtual-terminal processing (ANSI cursor movement and colour) for the console
// behind w, so the progress redraw is understood instead of printed as "←[2K". It reports whether
// w now takes escape sequences; when it does not (an old console, output not to a console), the
// caller draws nothing live. Windows Terminal has it on already.
func enableVT(w io.Writer) bool {
	// w is the run's redacting stream; terminalFd finds the console behind it.
	fd, ok := terminalFd(w)
	if !ok {
		return false
	}
	h := windows.Handle(fd)
	var mode uint32
	if err := windows.GetConsoleMode(h, &mode); err != nil {
		return false
	}
	if mode&windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0 {
		return true
	}
	return windows.SetConsoleMode(h, mode|windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING) == nil
}
