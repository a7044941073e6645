package spec

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written as "30s", "10m", "24h" or "7d".
type Duration time.Duration

// MaxDuration is the longest duration a spec or flag accepts (10 years): longer ones are
// refused rather than overflowing time.Duration (about 292 years) into a negative value.
const MaxDuration = 10 * 365 * 24 * time.Hour

var goDurationShape = regexp.MustCompile(`^([0-9]+(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$`)

// ParseDuration accepts Go durations plus a "d" (24h) unit, alone or first in a compound
// ("7d", "1d12h").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("invalid duration %q (examples: 30s, 5m, 24h, 7d, 1d12h)", s)
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	var days float64
	rest := s
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.ParseFloat(s[:i], 64)
		if err != nil || n < 0 || strings.ContainsAny(s[:i], "+-eEnN") {
			return 0, bad
		}
		days, rest = n, s[i+1:]
		if days > float64(MaxDuration/(24*time.Hour)) {
			return 0, fmt.Errorf("duration %q is longer than %d days", s, int(MaxDuration/(24*time.Hour)))
		}
	}
	var d time.Duration
	if rest != "" {
		var err error
		if d, err = time.ParseDuration(rest); err != nil || d < 0 || strings.HasPrefix(rest, "+") {
			if err != nil && goDurationShape.MatchString(rest) {
				// Well formed, so time.ParseDuration failed on its range.
				return 0, fmt.Errorf("duration %q is longer than %d days", s, int(MaxDuration/(24*time.Hour)))
			}
			return 0, bad
		}
	}
	total := time.Duration(days*float64(24*time.Hour)) + d
	if total > MaxDuration || total < 0 {
		return 0, fmt.Errorf("duration %q is longer than %d days", s, int(MaxDuration/(24*time.Hour)))
	}
	return total, nil
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads what MarshalJSON writes ("30s", "7d").
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

func (d Duration) String() string { return time.Duration(d).String() }

// Size is a byte count written as "512", "64KiB", "10MiB", "1GiB" or with SI units ("10MB").
type Size int64

var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"k": 1 << 10, "kib": 1 << 10, "kb": 1000,
	"m": 1 << 20, "mib": 1 << 20, "mb": 1000 * 1000,
	"g": 1 << 30, "gib": 1 << 30, "gb": 1000 * 1000 * 1000,
	"t": 1 << 40, "tib": 1 << 40, "tb": 1000 * 1000 * 1000 * 1000,
}

// MaxSize is the largest size a spec accepts (1 PiB).
const MaxSize = 1 << 50

// ParseSize parses a size such as "10MiB".
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) && r != '.' })
	num, unit := s, ""
	if i >= 0 {
		num, unit = s[:i], strings.ToLower(strings.TrimSpace(s[i:]))
	}
	mult, ok := sizeUnits[unit]
	f, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || f < 0 {
		return 0, fmt.Errorf("invalid size %q (examples: 512KiB, 10MiB, 1GiB)", s)
	}
	// Refused rather than wrapped into a negative number.
	if v := f * float64(mult); v > float64(MaxSize) {
		return 0, fmt.Errorf("size %q is larger than %s", s, Size(MaxSize))
	}
	return int64(f * float64(mult)), nil
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (z *Size) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseSize(n.Value)
	if err != nil {
		return err
	}
	*z = Size(v)
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (z Size) MarshalYAML() (any, error) { return z.String(), nil }

// MarshalJSON writes the size as a string.
func (z Size) MarshalJSON() ([]byte, error) { return json.Marshal(z.String()) }

func (z Size) String() string {
	n := int64(z)
	for _, u := range []struct {
		s string
		m int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.m && n%u.m == 0 {
			return fmt.Sprintf("%d%s", n/u.m, u.s)
		}
	}
	return strconv.FormatInt(n, 10)
}
