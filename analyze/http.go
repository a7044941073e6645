package analyze

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Clock skew thresholds, seconds (the Date header has one-second resolution).
const (
	skewWarnS = 30.0
	skewCritS = 300.0
)

func readHTTP(src Source) ([]httpResult, bool) {
	var d httpDoc
	if !readJSON(src, httpPath, &d) {
		return nil, false
	}
	return d.Results, true
}

func httpEv(src Source, r httpResult) []Evidence {
	return []Evidence{ev(src, httpPath, "url", r.URL)}
}

// analyzeHTTP reports HTTP checks that got no answer or the wrong one. TLS and proxy failures
// are the tls and proxy analyzers' to report.
func analyzeHTTP(src Source) []Finding {
	results, ok := readHTTP(src)
	if !ok {
		return nil
	}
	var out []Finding
	for _, r := range results {
		if r.OK || proxyFailed(r) || r.ErrorClass == "tls" {
			continue
		}
		f := Finding{Severity: Critical, Target: r.URL, Evidence: httpEv(src, r)}
		switch {
		case r.Status != 0 && r.ErrorClass == "status":
			want := "2xx or 3xx"
			if r.ExpectStatus != 0 {
				want = fmt.Sprint(r.ExpectStatus)
			}
			f.ID = "http.status"
			f.Title = fmt.Sprintf("HTTP check %s returned status %d, expected %s", label(r), r.Status, want)
			f.Detail = fmt.Sprintf("%s %s answered %d.", r.Method, r.URL, r.Status)
			if r.FinalURL != "" && r.FinalURL != r.URL {
				f.Detail += " The final URL after redirects was " + r.FinalURL + "."
			}
			if r.Proxy != "" {
				f.Detail += " The request went through the proxy " + r.Proxy + ", which may have answered itself."
			}
			f.NextStep = "Check the service's own logs for this request; a 5xx is a server-side failure, 401/403 a credential or access rule, 404 a wrong path or virtual host."
		case r.ErrorClass == "body":
			f.ID = "http.body"
			f.Title = fmt.Sprintf("HTTP check %s answered %d but its body check failed", label(r), r.Status)
			var parts []string
			if b := r.Body; b != nil {
				if b.RegexMatch != nil && !*b.RegexMatch {
					parts = append(parts, fmt.Sprintf("the body does not match %q", b.Regex))
				}
				if b.JSONMatch != nil && !*b.JSONMatch {
					if b.JSONFound {
						parts = append(parts, fmt.Sprintf("JSON field %s is not %q", b.JSONField, b.JSONEquals))
					} else {
						parts = append(parts, fmt.Sprintf("JSON field %s is missing (or the body is not JSON)", b.JSONField))
					}
				}
			}
			if len(parts) == 0 {
				parts = append(parts, r.Error)
			}
			f.Detail = "The service answered, but " + strings.Join(parts, "; ") + "."
			f.NextStep = "The service is up but reports itself unhealthy or answers with something else (a login or error page, a proxy's page); fetch the URL by hand and read the body."
		default:
			f.ID, f.Title, f.NextStep = httpFailure(r)
			f.Detail = r.Error
		}
		out = append(out, f)
	}
	return out
}

func httpFailure(r httpResult) (id, title, next string) {
	switch r.ErrorClass {
	case "timeout":
		return "http.timeout", fmt.Sprintf("HTTP check %s timed out", label(r)),
			"Something drops the traffic or the server hangs: compare with a tcp check of the same host and port; a firewall or a missing route shows as a TCP timeout too."
	case "refused":
		return "http.refused", fmt.Sprintf("Connection to %s refused (HTTP check %s)", hostPort(r), label(r)),
			"Nothing listens on that port, or a firewall rejects it: check that the service runs and listens on the address (system/sockets.json on the server)."
	case "unreachable":
		return "http.unreachable", fmt.Sprintf("No route to %s (HTTP check %s)", hostPort(r), label(r)),
			"The network or host is unreachable from here: check routes (commands/ip-route) and the trace to this host."
	case "dns":
		return "http.dns", fmt.Sprintf("Name %s did not resolve (HTTP check %s)", urlHost(r), label(r)),
			"Check the name's spelling and DNS: add a dns check for this name to see each server's answer."
	}
	return "http.error", fmt.Sprintf("HTTP check %s failed", label(r)),
		"Read the error; run `casefile check http` with the same URL to reproduce it."
}

// httpClockSkew reports servers whose Date header differs from this machine's clock; one
// finding per host, the largest skew seen.
func httpClockSkew(src Source) []Finding {
	results, ok := readHTTP(src)
	if !ok {
		return nil
	}
	type seen struct {
		r    httpResult
		skew float64
	}
	byHost := map[string]seen{}
	var agree, total int
	for _, r := range results {
		if r.ClockSkewS == nil {
			continue
		}
		total++
		s := *r.ClockSkewS
		if math.Abs(s) < skewWarnS {
			continue
		}
		agree++
		h := urlHost(r)
		if old, ok := byHost[h]; !ok || math.Abs(s) > math.Abs(old.skew) {
			byHost[h] = seen{r, s}
		}
	}
	hosts := make([]string, 0, len(byHost))
	for h := range byHost {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	var out []Finding
	for _, h := range hosts {
		x := byHost[h]
		sev := Warning
		if math.Abs(x.skew) >= skewCritS {
			sev = Critical
		}
		dir := "ahead of"
		if x.skew < 0 {
			dir = "behind"
		}
		detail := fmt.Sprintf("The Date header from %s was %s %s this machine's clock (clock_skew_s %.1f).", x.r.URL, durationWords(math.Abs(x.skew)), dir, x.skew)
		if agree > 1 && agree == total {
			detail += fmt.Sprintf(" All %d servers that sent a Date header disagree with this machine by more than %.0f s: this machine's clock is the likely culprit.", total, skewWarnS)
		}
		out = append(out, Finding{
			ID: "clock.skew", Severity: sev, Target: h, Evidence: httpEv(src, x.r),
			Title:    fmt.Sprintf("Clock of %s is %s %s this machine's", h, durationWords(math.Abs(x.skew)), dir),
			Detail:   detail,
			NextStep: "Compare this machine's time with a trusted source (system/time.json, `chronyc tracking`); skew breaks TLS validity checks, Kerberos (5 min), signed URLs and token expiry.",
		})
	}
	return out
}

func durationWords(s float64) string {
	switch {
	case s >= 2*86400:
		return fmt.Sprintf("%.0f days", s/86400)
	case s >= 2*3600:
		return fmt.Sprintf("%.0f hours", s/3600)
	case s >= 120:
		return fmt.Sprintf("%.0f minutes", s/60)
	}
	return fmt.Sprintf("%.0f seconds", s)
}
