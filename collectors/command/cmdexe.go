package command

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
)

// cmdExeMaxLine is the longest command line cmd.exe accepts (8191 characters, its documented
// limit; CreateProcess itself would take 32767).
const cmdExeMaxLine = 8191

// cmdExeLine builds the Windows command line that runs script with cmd.exe: exactly
//
//	cmd.exe /d /s /c "<script>"
//
// /d skips the AutoRun commands of the registry, /s makes cmd.exe strip the first and the last
// quote of what follows /c and run the rest as it is. The script therefore reaches cmd.exe's own
// parser byte for byte: its quotes, &, |, <, >, ^ and %VAR% keep the meaning cmd.exe gives them,
// which is what the spec author wrote. Go's exec would instead quote the script by the rules of
// CommandLineToArgvW (\" for a quote), which cmd.exe does not read.
//
// It fails for what cmd.exe cannot run as written: a NUL, a line break (cmd.exe /c runs the
// first line and silently drops the rest), and a line over cmd.exe's length limit. Trailing line
// breaks and blanks (the end of a YAML block scalar) are dropped first.
func cmdExeLine(script string) (string, error) {
	script = strings.TrimRight(script, " \t\r\n")
	switch {
	case strings.TrimSpace(script) == "":
		return "", errors.New("cmd.exe: empty script")
	case strings.ContainsRune(script, 0):
		return "", errors.New("cmd.exe: the script contains a NUL character")
	case strings.ContainsAny(script, "\r\n"):
		return "", errors.New("cmd.exe /c runs only the first line of a script: join the commands with & (or &&) on one line")
	}
	line := `cmd.exe /d /s /c "` + script + `"`
	if n := len(utf16.Encode([]rune(line))); n > cmdExeMaxLine {
		return "", fmt.Errorf("cmd.exe: the command line is %d characters, over cmd.exe's limit of %d", n, cmdExeMaxLine)
	}
	return line, nil
}
