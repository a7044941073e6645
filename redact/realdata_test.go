package redact

import (
	"strings"
	"testing"
)

// Issue 9: secrets other scanners' samples hold, and what real logs hold that is no secret. All
// samples are written here; none is real.

const sec9 = "Qm8Rt3Vx9Lp2Kw7Zn4Bc6Hd1"

type leakCase struct {
	name, in string
	secret   []string // must not survive
	keep     []string // must survive verbatim
}

func runLeakCases(t *testing.T, cases []leakCase) {
	t.Helper()
	e, _ := New(Config{})
	for _, c := range cases {
		out := e.String("x", c.in)
		for _, s := range c.secret {
			if strings.Contains(out, s) {
				t.Errorf("%s: %q survived:\n in: %q\nout: %q", c.name, s, c.in, out)
			}
		}
		for _, k := range c.keep {
			if !strings.Contains(out, k) {
				t.Errorf("%s: %q lost:\n in: %q\nout: %q", c.name, k, c.in, out)
			}
		}
		if again := e.String("x", out); again != out {
			t.Errorf("%s: not idempotent:\n1: %q\n2: %q", c.name, out, again)
		}
	}
}

// runKeepCases: each line must come out unchanged.
func runKeepCases(t *testing.T, lines []string) {
	t.Helper()
	e, _ := New(Config{})
	for _, in := range lines {
		if out := e.String("x", in); out != in {
			t.Errorf("changed:\n in: %q\nout: %q", in, out)
		}
	}
}

func TestAuthSchemeWordKept(t *testing.T) {
	runLeakCases(t, []leakCase{
		{"api-token", "Authorization: Api-Token 22cb98f3a9c1e7b2d4f6a0c5e9b1d3f7", []string{"22cb98f3a9c1e7b2d4f6a0c5e9b1d3f7"}, []string{"Authorization: Api-Token "}},
		{"geniekey", "Authorization: GenieKey " + sec9, []string{sec9}, []string{"GenieKey "}},
		{"key scheme", "authorization: Key " + sec9, []string{sec9}, []string{"Key "}},
		{"mid-line", `curl -H "Authorization: Api-Token ` + sec9 + `" https://api.example.com`, []string{sec9}, []string{"Api-Token ", "https://api.example.com"}},
		{"json", `{"Authorization": "X-Custom-Scheme ` + sec9 + `"}`, []string{sec9}, []string{"X-Custom-Scheme "}},
		{"token only", "Authorization: " + sec9, []string{sec9}, []string{"Authorization: "}},
		{"token with digits then text", "Authorization: 3f9a1c7e5b2d8f4a6c0e (expired)", []string{"3f9a1c7e5b2d8f4a6c0e"}, nil},
	})
}

func TestURLPasswordWords(t *testing.T) {
	runLeakCases(t, []leakCase{
		{"secret", "postgresql://user:secret@db.example.com:5432/app", []string{":secret@"}, []string{"postgresql://user:", "@db.example.com:5432/app"}},
		{"password", "amqp://guest:password@rabbit:5672/", []string{":password@"}, []string{"amqp://guest:"}},
		{"token", "redis://default:token@cache:6379", []string{":token@"}, nil},
	})
	runKeepCases(t, []string{
		"postgresql://user:${DB_PASSWORD}@db.example.com:5432/app",
		"postgresql://user:****@db.example.com:5432/app",
		"mysql://root:<PASSWORD>@localhost/db",
		"postgres://app:{{ .Values.dbPassword }}@db/app",
		"https://user:%DB_PASS%@host/",
	})
}
