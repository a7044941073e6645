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
