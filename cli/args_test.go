package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// Every argument mistake is exit 2, including cobra's own help and completion commands.
func TestArgumentMistakesExit2(t *testing.T) {
	for _, args := range [][]string{
		{"collect", "4821"}, {"version", "extra"}, {"spec", "nosub"}, {"completion", "tcsh"},
		{"help", "nosuch"}, {"inspect"}, {"inspect", "a", "b"}, {"check", "tcp"}, {"frobnicate"},
		{"collect", "--since", "106752d"}, {"collect", "--since", "1e3d"},
	} {
		var out, errb bytes.Buffer
		if code := Run(context.Background(), args, strings.NewReader(""), &out, &errb); code != ExitUsage {
			t.Errorf("casefile %s: exit %d, want %d (%s)", strings.Join(args, " "), code, ExitUsage, errb.String())
		}
	}
	for _, args := range [][]string{{"help", "exit-codes"}, {"spec"}, {"completion", "bash"}, {"help", "collect"}} {
		var out, errb bytes.Buffer
		if code := Run(context.Background(), args, strings.NewReader(""), &out, &errb); code != 0 || out.Len() == 0 {
			t.Errorf("casefile %s: exit %d, stdout %d bytes", strings.Join(args, " "), code, out.Len())
		}
	}
}

// Check arguments no query or connection can use are usage errors, refused before any traffic.
func TestCheckArgumentsRefusedUpFront(t *testing.T) {
	long := strings.Repeat("a", 64)
	for _, args := range [][]string{
		{"check", "dns", ""}, {"check", "dns", ".."}, {"check", "dns", "a..b"}, {"check", "dns", long + ".test"},
		{"check", "dns", strings.Repeat("abcdefgh.", 30) + "test"},
		{"check", "tcp", ":18080"}, {"check", "tcp", "127.0.0.1:99999"}, {"check", "ping", ""}, {"check", "trace", ""},
		{"check", "ping", "a b"}, {"check", "http", "http://127.0.0.1:1/", "--json-equals", "x"},
	} {
		var out, errb bytes.Buffer
		if code := Run(context.Background(), args, strings.NewReader(""), &out, &errb); code != ExitUsage {
			t.Errorf("casefile %q: exit %d, want %d (%s)", args, code, ExitUsage, errb.String())
		}
	}
}
