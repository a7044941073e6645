package collectors

import (
	"strings"
	"testing"
)

func TestJoinProblemsBounded(t *testing.T) {
	var ps []string
	for i := 0; i < 100; i++ {
		ps = append(ps, strings.Repeat("x", 1000))
	}
	got := joinProblems(ps)
	if len(got) > 21*(maxProblemText+10) || !strings.HasSuffix(got, "… and 80 more") {
		t.Errorf("len %d, tail %q", len(got), got[len(got)-30:])
	}
	if joinProblems([]string{"a", "b"}) != "a; b" {
		t.Error("short list changed")
	}
}
