package analyze

import (
	"fmt"
	"strings"
)

const (
	certWarnDays = 14
	certCritDays = 2
)

// analyzeTLS reports certificate verification failures by class, and certificates that expire
// soon. A failure on a check marked insecure (the result is ok although unverified) is a warning.
func analyzeTLS(src Source) []Finding {
	results, ok := readHTTP(src)
	if !ok {
		return nil
	}
	var out []Finding
	seenExpiring := map[string]bool{}
	for _, r := range results {
		t := r.TLS
		target := hostPort(r)
		if t == nil {
			if r.ErrorClass == "tls" {
				out = append(out, Finding{
					ID: "tls.handshake", Severity: Critical, Target: target, Evidence: httpEv(src, r),
					Title:    fmt.Sprintf("TLS handshake with %s failed", target),
					Detail:   r.Error,
					NextStep: "The server and this machine share no TLS version or cipher, or something in between is not TLS (a plain HTTP port, an intercepting device); try `openssl s_client -connect " + target + "`.",
				})
			}
			continue
		}
		if !t.Verified && t.VerifyErrorClass != "" {
			out = append(out, tlsVerifyFinding(src, r, target))
		}
		for i, c := range t.Chain {
			if c.DaysLeft < 0 || c.DaysLeft > certWarnDays {
				continue
			}
			key := target + "|" + c.Subject
			if seenExpiring[key] {
				continue
			}
			seenExpiring[key] = true
			sev := Warning
			if c.DaysLeft <= certCritDays {
				sev = Critical
			}
			which := "Certificate"
			if i > 0 {
				which = "Intermediate certificate " + c.Subject + " in the chain"
			}
			out = append(out, Finding{
				ID: "tls.expiring", Severity: sev, Target: target, Evidence: []Evidence{ev(src, httpPath, "not_after", c.NotAfter)},
				Title:    fmt.Sprintf("%s for %s expires in %s", which, target, daysWords(c.DaysLeft)),
				Detail:   fmt.Sprintf("%s (issued by %s) is valid until %s.", c.Subject, c.Issuer, c.NotAfter.Format("2006-01-02 15:04 UTC")),
				NextStep: "Renew the certificate and deploy it (and its chain) on the server before it expires; check the renewal job (certbot, cert-manager) if it is automated.",
			})
		}
	}
	return out
}

func tlsVerifyFinding(src Source, r httpResult, target string) Finding {
	t := r.TLS
	f := Finding{Severity: Critical, Target: target, Evidence: []Evidence{ev(src, httpPath, "verify_error_class", t.VerifyErrorClass)}}
	insecure := r.OK
	var leaf certInfo
	if len(t.Chain) > 0 {
		leaf = t.Chain[0]
	}
	switch t.VerifyErrorClass {
	case "expired":
		c := leaf
		for _, x := range t.Chain {
			if x.DaysLeft < 0 {
				c = x
				break
			}
		}
		f.ID = "tls.expired"
		f.Title = fmt.Sprintf("Certificate for %s expired %s ago", target, daysWords(-c.DaysLeft))
		f.Detail = fmt.Sprintf("%s (issued by %s) was valid until %s.", c.Subject, c.Issuer, c.NotAfter.Format("2006-01-02 15:04 UTC"))
		f.NextStep = "Renew the server's certificate. If it looks valid elsewhere, check this machine's clock (see clock findings)."
	case "not_yet_valid":
		f.ID = "tls.not_yet_valid"
		f.Title = fmt.Sprintf("Certificate for %s is not valid until %s", target, leaf.NotBefore.Format("2006-01-02 15:04 UTC"))
		f.Detail = fmt.Sprintf("%s (issued by %s) is valid from %s.", leaf.Subject, leaf.Issuer, leaf.NotBefore.Format("2006-01-02 15:04 UTC"))
		f.NextStep = "Usually this machine's clock is behind: check system/time.json and the clock findings; otherwise the server got a certificate dated in the future."
	case "name_mismatch":
		f.ID = "tls.name_mismatch"
		names := "none"
		if len(leaf.SANs) > 0 {
			names = strings.Join(leaf.SANs, ", ")
		}
		f.Title = fmt.Sprintf("Certificate for %s does not name %s", target, t.ServerName)
		f.Detail = fmt.Sprintf("The certificate %s (issued by %s) is for: %s.", leaf.Subject, leaf.Issuer, names)
		f.NextStep = "The URL uses a name the certificate does not cover: use one of the names above, add this name to the certificate, or check that the name resolves to the right server (a shared IP serving another site's default certificate)."
	case "unknown_authority":
		issuer := leaf.Issuer
		if n := len(t.Chain); n > 0 {
			issuer = t.Chain[n-1].Issuer
		}
		f.ID = "tls.unknown_authority"
		f.Title = fmt.Sprintf("Certificate for %s is signed by an unknown authority: %s", target, issuer)
		f.Detail = fmt.Sprintf("The chain the server sent ends at %q, which this machine does not trust. When that issuer is a firewall, proxy or antivirus product rather than a public CA, the connection is being intercepted (TLS inspection).", issuer)
		if r.Proxy != "" {
			f.Detail += " The request went through the proxy " + r.Proxy + "."
		}
		f.NextStep = "If the issuer is your organisation's inspection CA, install that CA in the system trust store (or exempt this host from inspection); if it is a private CA, install it; otherwise the server must send its intermediate certificates."
	default:
		f.ID = "tls.verify_failed"
		f.Title = fmt.Sprintf("Certificate for %s failed verification", target)
		f.Detail = t.VerifyError
		f.NextStep = "Read the verification error; `openssl s_client -connect " + target + " -showcerts` shows what the server sends."
	}
	if t.VerifyError != "" && f.ID != "tls.verify_failed" {
		f.Detail += " Error: " + t.VerifyError + "."
	}
	if t.ClockHint != "" {
		f.Detail += " " + t.ClockHint
	}
	if insecure {
		f.Severity = Warning
		f.Detail += " The check is marked insecure, so it passed anyway; clients that verify will fail."
	}
	return f
}

func daysWords(d int) string {
	switch d {
	case 0:
		return "less than a day"
	case 1:
		return "1 day"
	}
	return fmt.Sprintf("%d days", d)
}
