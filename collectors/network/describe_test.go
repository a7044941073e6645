package network

import (
	"strings"
	"testing"

	"github.com/casefile/casefile/spec"
)

// TestDescribeNeverEmptyReason: every failed result's description says why, including the
// results whose Error field is empty (the NXDOMAIN probe, an unverified certificate, a trace that
// ran out of hops). These are the shapes the checks produce; the live checks are tested against
// real servers in dns_test.go, http_test.go and topology_linux_test.go.
func TestDescribeNeverEmptyReason(t *testing.T) {
	probe := &NXDProbe{Name: "casefile-nx-0a1b.api.acme.test.", Rewritten: true, Servers: []DNSServerResult{
		{Server: "127.0.0.1:5353", Rcode: "NXDOMAIN"},
		{Server: "127.0.0.1:5354", Rcode: "NOERROR", Answers: []DNSAnswer{{Type: "A", Data: "1.2.3.4"}, {Type: "A", Data: "1.2.3.5"}}},
	}}
	for _, c := range []struct {
		o    Outcome
		want string
	}{
		{DNSResult{Name: "api.acme.test", Type: "A", Servers: []DNSServerResult{{Server: "127.0.0.1:5354", Rcode: "NOERROR"}}, NXDomainProbe: probe},
			"dns api.acme.test A: NXDOMAIN rewritten: casefile-nx-0a1b.api.acme.test resolved to 1.2.3.4 1.2.3.5 at 127.0.0.1:5354"},
		{DNSResult{Name: "a.test", Type: "A", Servers: []DNSServerResult{{Server: "127.0.0.1:53", Rcode: "SERVFAIL"}, {Server: "127.0.0.1:54", Error: "i/o timeout"}}},
			"dns a.test A: 127.0.0.1:53: SERVFAIL, 127.0.0.1:54: i/o timeout"},
		{DNSResult{Name: "a.test", Type: "A", Servers: []DNSServerResult{{Server: "127.0.0.1:53", Rcode: "NOERROR", Answers: []DNSAnswer{{Type: "A", Data: "10.0.0.1"}}}}, System: &DNSSystem{Error: "not found"}},
			"dns a.test A: system resolver: not found"},
		{DNSResult{Name: "a.test", Type: "A"}, "dns a.test A: check failed (see the result's servers and system resolver)"},
		{HTTPResult{URL: "https://127.0.0.1/", TLS: &TLSInfo{VerifyErrorClass: "expired"}}, "http https://127.0.0.1/: certificate not verified (expired)"},
		{HTTPResult{URL: "https://127.0.0.1/", ErrorClass: "body"}, "http https://127.0.0.1/: body failure"},
		{HTTPResult{URL: "https://127.0.0.1/", Status: 500}, "http https://127.0.0.1/: check failed (status 500)"},
		{HTTPResult{URL: "https://127.0.0.1/", Error: "status 500, expected 200"}, "http https://127.0.0.1/: status 500, expected 200"},
		{TCPResult{Target: "127.0.0.1:1", Class: "refused"}, "tcp 127.0.0.1:1: not connected (refused)"},
		{TCPResult{Target: "127.0.0.1:1"}, "tcp 127.0.0.1:1: not connected (reason unknown)"},
		{TraceResult{Target: "127.0.0.1", EndReason: "max_hops", Hops: make([]Hop, 3)}, "trace 127.0.0.1: max_hops after 3 hops"},
		{TraceResult{Target: "127.0.0.1"}, "trace 127.0.0.1: reason unknown after 0 hops"},
		{PingResult{Target: "127.0.0.1", Sent: 3}, "ping 127.0.0.1: 0 of 3 replies"},
	} {
		got := c.o.Describe()
		if got != c.want {
			t.Errorf("%T: %q, want %q", c.o, got, c.want)
		}
		if strings.HasSuffix(strings.TrimSpace(got), ":") {
			t.Errorf("%T: empty reason in %q", c.o, got)
		}
	}
}

// TestValidateHTTPCheck: a header's environment variable must be a variable name, and the error
// must not echo what was given instead (it may be the secret); the expected status must be a status.
func TestValidateHTTPCheck(t *testing.T) {
	base := spec.HTTPCheck{URL: "http://127.0.0.1:1/"}
	for _, env := range []string{"Bearer s3cr3t", "9TOKEN", "API-TOKEN", ""} {
		c := base
		c.HeadersFromEnv = map[string]string{"Authorization": env}
		err := ValidateHTTP(c)
		if err == nil || !strings.Contains(err.Error(), "not an environment variable name") {
			t.Errorf("env %q: %v", env, err)
			continue
		}
		if env != "" && strings.Contains(err.Error(), env) {
			t.Errorf("env %q echoed: %v", env, err)
		}
	}
	for _, env := range []string{"API_TOKEN", "_x", "a1"} {
		c := base
		c.HeadersFromEnv = map[string]string{"Authorization": env}
		if err := ValidateHTTP(c); err != nil {
			t.Errorf("env %q: %v", env, err)
		}
	}
	for status, ok := range map[int]bool{0: true, 99: false, 100: true, 599: true, 600: false, -1: false} {
		c := base
		c.ExpectStatus = status
		if err := ValidateHTTP(c); (err == nil) != ok {
			t.Errorf("expect_status %d: %v", status, err)
		}
	}
}
