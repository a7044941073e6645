package command

import (
	"strings"
	"testing"
)

// cmdExeStrip is what cmd.exe does with its command line under /s: take the text after /c, drop
// its first quote and its last quote, and run the rest unchanged.
func cmdExeStrip(t *testing.T, line string) string {
	t.Helper()
	const prefix = "cmd.exe /d /s /c "
	if !strings.HasPrefix(line, prefix) {
		t.Fatalf("line %q does not start with %q", line, prefix)
	}
	rest := line[len(prefix):]
	first := strings.IndexByte(rest, '"')
	last := strings.LastIndexByte(rest, '"')
	if first != 0 || last != len(rest)-1 || first == last {
		t.Fatalf("line %q: the script is not enclosed in one pair of outer quotes", line)
	}
	return rest[1:last]
}

func TestCmdExeLine(t *testing.T) {
	cases := []struct{ script, want string }{
		{`echo hello`, `echo hello`},
		{`acmectl dump | find /c "ERROR"`, `acmectl dump | find /c "ERROR"`},
		{`dir "C:\Program Files" & echo done`, `dir "C:\Program Files" & echo done`},
		{`"C:\Program Files\Acme\acmectl.exe" status`, `"C:\Program Files\Acme\acmectl.exe" status`},
		{`"C:\Program Files\Acme\acmectl.exe" "a b" > "%TEMP%\out.txt"`, `"C:\Program Files\Acme\acmectl.exe" "a b" > "%TEMP%\out.txt"`},
		{`echo %PATH% ^& 100%`, `echo %PATH% ^& 100%`},
		{`echo a^|b && echo c || echo d`, `echo a^|b && echo c || echo d`},
		{`echo "unbalanced`, `echo "unbalanced`},
		{`echo \"not an escape\" \\server\share`, `echo \"not an escape\" \\server\share`},
		{`set "X=1" & (echo %X%) 2>nul`, `set "X=1" & (echo %X%) 2>nul`},
		{`echo trailing newline` + "\r\n\n  ", `echo trailing newline`},
		{`echo ünïcödé €`, `echo ünïcödé €`},
	}
	for _, c := range cases {
		line, err := cmdExeLine(c.script)
		if err != nil {
			t.Errorf("cmdExeLine(%q): %v", c.script, err)
			continue
		}
		if got := cmdExeStrip(t, line); got != c.want {
			t.Errorf("cmdExeLine(%q) = %q: cmd.exe would run %q, want %q", c.script, line, got, c.want)
		}
	}
	if line, _ := cmdExeLine(`echo "a b"`); line != `cmd.exe /d /s /c "echo "a b""` {
		t.Errorf(`cmdExeLine(echo "a b") = %q`, line)
	}
}

func TestCmdExeLineRejects(t *testing.T) {
	cases := []struct{ script, want string }{
		{"", "empty script"},
		{" \r\n", "empty script"},
		{"echo a\nrmdir /s /q x", "only the first line"},
		{"echo a\r\necho b", "only the first line"},
		{"echo a\x00b", "NUL"},
		{"echo " + strings.Repeat("x", cmdExeMaxLine), "limit of 8191"},
	}
	for _, c := range cases {
		line, err := cmdExeLine(c.script)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("cmdExeLine(%.40q) = %q, %v; want an error containing %q", c.script, line, err, c.want)
		}
	}
	// The limit counts UTF-16 code units, as Windows does: a character outside the BMP is two.
	fits := "echo " + strings.Repeat("x", cmdExeMaxLine-len(`cmd.exe /d /s /c "echo `)-1-2) + "😀"
	if _, err := cmdExeLine(fits); err != nil {
		t.Errorf("a line of exactly %d UTF-16 units: %v", cmdExeMaxLine, err)
	}
	if _, err := cmdExeLine(fits + "x"); err == nil {
		t.Errorf("a line of %d UTF-16 units was accepted", cmdExeMaxLine+1)
	}
}
