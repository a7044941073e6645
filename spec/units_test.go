package spec

import (
	"strings"
	"testing"
	"time"
)

func TestParseDurationBounds(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"30s": 30 * time.Second, "7d": 7 * 24 * time.Hour, "1d12h": 36 * time.Hour, "0.5d": 12 * time.Hour,
		"2h30m": 150 * time.Minute, "3650d": 3650 * 24 * time.Hour,
	} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, msg := range map[string]string{
		"106752d": "longer than", "500000h": "longer than", "99999999999999h": "longer than",
		"-1d": "invalid", "d": "invalid", "1e3d": "invalid", "1d-2h": "invalid", "": "empty", "x": "invalid",
	} {
		if _, err := ParseDuration(in); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseDuration(%q) err = %v, want %q", in, err, msg)
		}
	}
}

func TestParseSizeBounds(t *testing.T) {
	if v, err := ParseSize("10MiB"); err != nil || v != 10<<20 {
		t.Errorf("10MiB = %d, %v", v, err)
	}
	for _, in := range []string{"99999999999999999999", "2000TiB", "-1", "1x"} {
		if v, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", in, v)
		}
	}
	_, err := Parse("s.yaml", []byte("apiVersion: casefile/v1\nkind: Spec\nmetadata: {name: x}\ncollectors: {max_collector_size: 99999999999999999999}\n"))
	if err == nil || !strings.Contains(err.Error(), "s.yaml:4") {
		t.Errorf("overflowing max_collector_size: %v", err)
	}
}

func TestSpecValidationQA(t *testing.T) {
	head := "apiVersion: casefile/v1\nkind: Spec\nmetadata: {name: x}\n"
	for name, tc := range map[string]struct{ body, want string }{
		"duplicate regex id": {"redact:\n  regexes:\n    - {id: acme, pattern: 'A-[0-9]+'}\n    - {id: acme, pattern: 'B-[0-9]+'}\n", `s.yaml:7: redact.regexes[1].id: duplicate id "acme"`},
		"bad env name":       {"commands:\n  - {name: c, argv: [true], env: [\"1BAD\", \"\"]}\n", `commands[0].env[0]: "1BAD": want NAME`},
		"empty env":          {"commands:\n  - {name: c, argv: [true], env: [\"\"]}\n", `commands[0].env[0]: "": want NAME`},
		"argv and script":    {"commands:\n  - {name: c, shell: true, script: 'echo hi', argv: [echo]}\n", "give argv or script, not both"},
		"relative log path":  {"logs:\n  - {name: a, paths: [var/log/*.log]}\n", `logs[0].paths: "var/log/*.log" is a relative path`},
		"relative file path": {"files:\n  - {name: a, paths: [./x.conf]}\n", `files[0].paths: "./x.conf" is a relative path`},
		"type error and value error": {"collectors: {concurrency: many}\nlogs:\n  - {name: a, paths: [rel.log]}\n",
			"s.yaml:4: collectors.concurrency: expected an integer"},
	} {
		_, err := Parse("s.yaml", []byte(head+tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		}
		if name == "type error and value error" && (err == nil || !strings.Contains(err.Error(), `s.yaml:6: logs[0].paths: "rel.log" is a relative path`)) {
			t.Errorf("a type error hid the other error: %v", err)
		}
	}
	for _, ok := range []string{
		"logs:\n  - {name: a, paths: ['C:\\ProgramData\\Acme\\*.log', 'D:/logs/*.log', '/var/log/a.log']}\n",
		"commands:\n  - {name: c, argv: [env], env: [PATH, 'ACME_MODE=debug']}\n",
	} {
		if _, err := Parse("s.yaml", []byte(head+ok)); err != nil {
			t.Errorf("valid spec refused: %v\n%s", err, ok)
		}
	}
}
