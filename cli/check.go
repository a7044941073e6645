package cli

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/collectors/network"
	"github.com/casefile/casefile/redact"
	"github.com/casefile/casefile/spec"
)

type checkOptions struct {
	asJSON  bool
	timeout time.Duration
}

// newCheckCmd builds `casefile check`: one network check run live, exit 0 when it passes and 1
// when it fails. --json prints the same document the bundle holds under network/.
func newCheckCmd() *cobra.Command {
	o := &checkOptions{}
	c := &cobra.Command{
		Use:   "check",
		Short: "Run one network check live (dns, ping, trace, tcp, http)",
		Long: `Run one network check now and print what it found. Exits 0 when the check passes
and 1 when it fails; --json prints the same JSON document a bundle holds under network/.

  casefile check dns api.example.com --type A --type AAAA
  casefile check ping api.example.com --count 4
  casefile check trace api.example.com --protocol tcp --port 443
  casefile check tcp db.example.com:5432
  casefile check http https://api.example.com/health --expect-status 200`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError("unknown check %q (dns, ping, trace, tcp or http)", args[0])
			}
			return nil
		},
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	c.PersistentFlags().BoolVar(&o.asJSON, "json", false, "print the result as JSON")
	c.PersistentFlags().DurationVar(&o.timeout, "timeout", 0, "per-probe or per-request timeout (default depends on the check)")
	c.AddCommand(newCheckDNSCmd(o), newCheckPingCmd(o), newCheckTraceCmd(o), newCheckTCPCmd(o), newCheckHTTPCmd(o))
	return c
}

// validate checks the flags every check shares.
func (o *checkOptions) validate(c *cobra.Command) error {
	if c.Flags().Changed("timeout") && o.timeout <= 0 {
		return usageError("--timeout must be greater than 0, got %s", o.timeout)
	}
	return nil
}

func exactArg(what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != 1 {
			return usageError("%s takes exactly one %s (see '%s --help')", c.CommandPath(), what, c.CommandPath())
		}
		return nil
	}
}

func newCheckDNSCmd(o *checkOptions) *cobra.Command {
	var servers, types []string
	var nxd bool
	c := &cobra.Command{
		Use:   "dns NAME",
		Short: "Resolve NAME through every configured DNS server and the OS resolver",
		Args:  exactArg("name"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.validate(c); err != nil {
				return err
			}
			if err := checkDNSName(args[0]); err != nil {
				return usageError("%q: %v", args[0], err)
			}
			chk := spec.DNSCheck{Name: args[0], Servers: servers, Types: types, NXDomainProbe: nxd, Timeout: spec.Duration(o.timeout)}
			for _, s := range servers {
				h, port, err := net.SplitHostPort(s)
				if err == nil && (net.ParseIP(h) == nil || !validPort(port)) || err != nil && net.ParseIP(strings.Trim(s, "[]")) == nil {
					return usageError("--server %q: want an IP address, optionally with :port", s)
				}
			}
			for _, t := range types {
				if !dnsTypes[strings.ToUpper(t)] {
					return usageError("--type %q: want one of A, AAAA, CNAME, TXT, MX, NS, SRV, PTR, SOA, CAA", t)
				}
			}
			doc := network.RunDNS(c.Context(), []spec.DNSCheck{chk}, network.Env{})
			return finish(c, o, doc, doc.Results, renderDNS)
		},
	}
	c.Flags().StringArrayVar(&servers, "server", nil, "query this server (IP[:port]) instead of the configured ones; repeatable")
	c.Flags().StringArrayVar(&types, "type", nil, "record type (A, AAAA, CNAME, TXT, MX, ...); repeatable (default A and AAAA)")
	c.Flags().BoolVar(&nxd, "nxdomain-probe", false, "also check whether a random name under NAME resolves (NXDOMAIN rewriting)")
	return c
}

func newCheckPingCmd(o *checkOptions) *cobra.Command {
	var p spec.PingCheck
	var interval time.Duration
	c := &cobra.Command{
		Use:   "ping HOST",
		Short: "Send echo requests (ICMP, or TCP connects when ICMP is not permitted)",
		Args:  exactArg("host"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.validate(c); err != nil {
				return err
			}
			if p.Count < 1 || p.Count > network.MaxPingCount {
				return usageError("--count must be between 1 and %d", network.MaxPingCount)
			}
			if interval <= 0 {
				return usageError("--interval must be greater than 0, got %s", interval)
			}
			if p.Port < 1 || p.Port > 65535 {
				return usageError("--port must be between 1 and 65535, got %d", p.Port)
			}
			if err := checkHostArg(args[0]); err != nil {
				return usageError("%q: %v", args[0], err)
			}
			p.Host, p.Interval, p.Timeout = args[0], spec.Duration(interval), spec.Duration(o.timeout)
			r := network.Ping(c.Context(), p, network.Env{})
			return finish(c, o, network.PingDoc{Results: []network.PingResult{r}}, []network.PingResult{r}, renderPing)
		},
	}
	c.Flags().IntVar(&p.Count, "count", network.DefaultPingCount, "echo requests to send")
	c.Flags().DurationVar(&interval, "interval", network.DefaultPingInterval, "time between requests")
	c.Flags().IntVar(&p.Port, "port", network.DefaultPingPort, "port for the TCP-connect fallback")
	c.Flags().BoolVar(&p.MTU, "mtu", false, "also probe the path MTU with don't-fragment pings (Linux, root)")
	return c
}

func newCheckTraceCmd(o *checkOptions) *cobra.Command {
	var t spec.Trace
	c := &cobra.Command{
		Use:   "trace HOST",
		Short: "Trace the route to HOST hop by hop (needs root or CAP_NET_RAW)",
		Args:  exactArg("host"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.validate(c); err != nil {
				return err
			}
			switch t.Protocol {
			case "udp", "icmp", "tcp":
			default:
				return usageError("--protocol must be udp, icmp or tcp, got %q", t.Protocol)
			}
			if t.MaxHops < 1 || t.MaxHops > 64 {
				return usageError("--max-hops must be between 1 and 64, got %d", t.MaxHops)
			}
			if t.Port < 0 || t.Port > 65535 || c.Flags().Changed("port") && t.Port == 0 {
				return usageError("--port must be between 1 and 65535, got %d", t.Port)
			}
			if err := checkHostArg(args[0]); err != nil {
				return usageError("%q: %v", args[0], err)
			}
			t.Host, t.Timeout = args[0], spec.Duration(o.timeout)
			r := network.Traceroute(c.Context(), t, network.Env{})
			return finish(c, o, network.TraceDoc{Results: []network.TraceResult{r}}, []network.TraceResult{r}, renderTrace)
		},
	}
	c.Flags().IntVar(&t.MaxHops, "max-hops", network.DefaultMaxHops, "give up after this many hops")
	c.Flags().StringVar(&t.Protocol, "protocol", "udp", "probe protocol: udp, icmp or tcp")
	c.Flags().IntVar(&t.Port, "port", 0, "destination port (udp: base port, default 33434; tcp: default 80)")
	return c
}

func newCheckTCPCmd(o *checkOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "tcp HOST:PORT",
		Short: "Connect to HOST:PORT and time the connect",
		Args:  exactArg("HOST:PORT"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.validate(c); err != nil {
				return err
			}
			host, port, err := net.SplitHostPort(args[0])
			if err != nil || port == "" {
				return usageError("%q: want HOST:PORT", args[0])
			}
			if err := checkHostArg(host); err != nil {
				return usageError("%q: %v", args[0], err)
			}
			if !validPort(port) {
				return usageError("%q: port %q: want a number from 1 to 65535", args[0], port)
			}
			r := network.TCP(c.Context(), spec.TCPCheck{Target: args[0], Timeout: spec.Duration(o.timeout)}, network.Env{})
			return finish(c, o, network.TCPDoc{Results: []network.TCPResult{r}}, []network.TCPResult{r}, renderTCP)
		},
	}
}

func newCheckHTTPCmd(o *checkOptions) *cobra.Command {
	var h spec.HTTPCheck
	var headers []string
	var caFile string
	c := &cobra.Command{
		Use:   "http URL",
		Short: "Request URL and report status, timings, proxy, TLS and certificate chain",
		Args:  exactArg("URL"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.validate(c); err != nil {
				return err
			}
			if h.JSONEquals != "" && h.JSONField == "" {
				return usageError("--json-equals needs --json-field (the dotted field whose value must equal it)")
			}
			if c.Flags().Changed("expect-status") && (h.ExpectStatus < 100 || h.ExpectStatus > 599) {
				return usageError("--expect-status %d: want an HTTP status from 100 to 599", h.ExpectStatus)
			}
			h.URL, h.Timeout = args[0], spec.Duration(o.timeout)
			// The --header argument is never echoed: a mistaken one may hold the secret itself.
			for i, kv := range headers {
				name, env, ok := strings.Cut(kv, "=")
				switch {
				case !ok || name == "" || env == "":
					return usageError("--header #%d: want --header NAME=ENV_VAR (header NAME is sent with the value of environment variable ENV_VAR)", i+1)
				case !isToken(name):
					return usageError("--header #%d: the part before = is not an HTTP header name; want --header NAME=ENV_VAR", i+1)
				case !network.IsEnvName(env):
					return usageError("--header %s=...: the part after = is not an environment variable name; "+
						"want --header NAME=ENV_VAR, e.g. --header %s=API_TOKEN with the value in $API_TOKEN", name, name)
				}
				if h.HeadersFromEnv == nil {
					h.HeadersFromEnv = map[string]string{}
				}
				h.HeadersFromEnv[name] = env
			}
			env := network.Env{}
			if caFile != "" {
				pem, err := os.ReadFile(caFile)
				if err != nil {
					return usageError("--ca-file: %v", err)
				}
				pool, err := x509.SystemCertPool()
				if err != nil {
					pool = x509.NewCertPool()
				}
				if !pool.AppendCertsFromPEM(pem) {
					return usageError("--ca-file %s: no PEM certificates", caFile)
				}
				env.RootCAs = pool
			}
			if err := network.ValidateHTTP(h); err != nil {
				return usageError("%v", err)
			}
			r := network.HTTP(c.Context(), h, env)
			return finish(c, o, network.HTTPDoc{Results: []network.HTTPResult{r}}, []network.HTTPResult{r}, renderHTTP)
		},
	}
	f := c.Flags()
	f.IntVar(&h.ExpectStatus, "expect-status", 0, "status the check expects (default: any 2xx or 3xx)")
	f.StringVar(&h.Method, "method", "GET", "request method")
	f.StringArrayVar(&headers, "header", nil, "NAME=ENV_VAR: send header NAME with the value of ENV_VAR (never printed); repeatable")
	f.StringVar(&h.BodyRegex, "body-regex", "", "the body must match this regular expression")
	f.StringVar(&h.JSONField, "json-field", "", "the body must be JSON holding this dotted field (data.status)")
	f.StringVar(&h.JSONEquals, "json-equals", "", "with --json-field: the field's value must equal this")
	f.BoolVar(&h.Insecure, "insecure", false, "accept a certificate that fails verification (the failure is still reported)")
	f.StringVar(&h.Proxy, "proxy", "", `proxy URL, or "direct" (default: HTTPS_PROXY/HTTP_PROXY/NO_PROXY)`)
	f.StringVar(&caFile, "ca-file", "", "PEM file of extra CA certificates to trust")
	return c
}

// finish prints the result (redacted, like everything casefile shows) and maps pass/fail to the
// exit code.
func finish[R network.Outcome](c *cobra.Command, o *checkOptions, doc any, res []R, render func(io.Writer, any)) error {
	if err := c.Context().Err(); err != nil {
		return err
	}
	var buf bytes.Buffer
	if o.asJSON {
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			return err
		}
	} else {
		render(&buf, doc)
	}
	eng, err := redact.New(redact.Config{})
	if err != nil {
		return err
	}
	out, err := eng.Bytes("check", buf.Bytes())
	if err != nil {
		return err
	}
	if _, err := c.OutOrStdout().Write(out); err != nil {
		return err
	}
	var failed []string
	for _, r := range res {
		if !r.Passed() {
			failed = append(failed, eng.String("check", r.Describe()))
		}
	}
	if len(failed) > 0 {
		return withCode(ExitError, errors.New("check failed: "+strings.Join(failed, "; ")))
	}
	return nil
}

func fmtMS(v float64) string { return fmt.Sprintf("%.3f ms", v) }

func renderDNS(w io.Writer, v any) {
	doc := v.(network.DNSDoc)
	rc := doc.Resolver
	fmt.Fprintf(w, "resolver (%s): %s", rc.Source, strings.Join(rc.Servers, ", "))
	if len(rc.Stub) > 0 {
		fmt.Fprintf(w, " (behind stub %s)", strings.Join(rc.Stub, ", "))
	}
	if rc.Error != "" {
		fmt.Fprintf(w, " error: %s", rc.Error)
	}
	fmt.Fprintln(w)
	for _, r := range doc.Results {
		fmt.Fprintf(w, "\n%s %s: %s\n", r.Name, r.Type, passFail(r.OK))
		if r.Error != "" {
			fmt.Fprintf(w, "  error: %s\n", r.Error)
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, s := range r.Servers {
			if s.Error != "" {
				fmt.Fprintf(tw, "  %s\terror\t%s\n", s.Server, s.Error)
				continue
			}
			extra := s.Transport
			if s.Truncated {
				extra = "udp truncated, tcp"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t[%s]\n", s.Server, s.Rcode, fmtMS(s.RTTMS), extra, strings.Join(s.Flags, " "))
			for _, a := range s.Answers {
				fmt.Fprintf(tw, "    %s\t%d\t%s\t%s\n", a.Name, a.TTL, a.Type, a.Data)
			}
		}
		if r.System != nil {
			if r.System.Error != "" {
				fmt.Fprintf(tw, "  system resolver\t%s\n", r.System.Error)
			} else {
				fmt.Fprintf(tw, "  system resolver\t%s\n", strings.Join(r.System.Addrs, " "))
			}
		}
		tw.Flush()
		for _, d := range r.Disagreements {
			fmt.Fprintf(w, "  ! %s\n", d)
		}
		if p := r.NXDomainProbe; p != nil {
			if p.Rewritten {
				fmt.Fprintf(w, "  ! NXDOMAIN rewriting: %s resolves, but should not exist\n", p.Name)
			} else {
				fmt.Fprintf(w, "  no NXDOMAIN rewriting (%s does not resolve)\n", p.Name)
			}
		}
	}
}

func renderPing(w io.Writer, v any) {
	for _, r := range v.(network.PingDoc).Results {
		fmt.Fprintf(w, "PING %s (%s) via %s", r.Target, r.ResolvedIP, r.Method)
		if r.Port != 0 {
			fmt.Fprintf(w, " port %d", r.Port)
		}
		fmt.Fprintln(w)
		if r.MethodNote != "" {
			fmt.Fprintf(w, "  (%s)\n", r.MethodNote)
		}
		if r.Error != "" {
			fmt.Fprintf(w, "error: %s\n", r.Error)
		}
		fmt.Fprintf(w, "%d sent, %d received, %g%% loss\n", r.Sent, r.Received, r.LossPct)
		if r.Stopped != "" {
			fmt.Fprintf(w, "stopped early: %s\n", r.Stopped)
		}
		if r.Received > 0 {
			fmt.Fprintf(w, "rtt min/avg/max/stddev = %.3f/%.3f/%.3f/%.3f ms\n", r.RTTMS.Min, r.RTTMS.Avg, r.RTTMS.Max, r.RTTMS.Stddev)
		}
		if m := r.PathMTU; m != nil {
			switch {
			case m.Error != "":
				fmt.Fprintf(w, "path MTU: %s\n", m.Error)
			case m.Bytes > 0:
				fmt.Fprintf(w, "path MTU: %d bytes", m.Bytes)
				if m.ReportedBy != "" {
					fmt.Fprintf(w, " (fragmentation needed from %s)", m.ReportedBy)
				}
				fmt.Fprintln(w)
			default:
				fmt.Fprintln(w, "path MTU: no don't-fragment echo got through")
			}
		}
		fmt.Fprintf(w, "result: %s\n", passFail(r.OK))
	}
}

func renderTrace(w io.Writer, v any) {
	for _, r := range v.(network.TraceDoc).Results {
		fmt.Fprintf(w, "traceroute to %s (%s), %d hops max, %s", r.Target, r.ResolvedIP, r.MaxHops, r.Protocol)
		if r.Port != 0 {
			fmt.Fprintf(w, " port %d", r.Port)
		}
		fmt.Fprintln(w)
		for _, h := range r.Hops {
			fmt.Fprintf(w, "%2d  ", h.TTL)
			if h.IP != "" {
				fmt.Fprintf(w, "%s  ", h.IP)
			}
			var parts []string
			for _, p := range h.RTTMS {
				if p == nil {
					parts = append(parts, "*")
				} else {
					parts = append(parts, fmtMS(*p))
				}
			}
			fmt.Fprint(w, strings.Join(parts, "  "))
			if len(h.IPs) > 1 {
				fmt.Fprintf(w, "  (also %s)", strings.Join(h.IPs[1:], ", "))
			}
			if h.Note != "" {
				fmt.Fprintf(w, " %s", h.Note)
			}
			fmt.Fprintln(w)
		}
		if r.Error != "" {
			fmt.Fprintf(w, "error: %s\n", r.Error)
		}
		fmt.Fprintf(w, "ended: %s\n", r.EndReason)
	}
}

func renderTCP(w io.Writer, v any) {
	for _, r := range v.(network.TCPDoc).Results {
		if r.Connected {
			fmt.Fprintf(w, "tcp %s (%s): connected in %s\n", r.Target, r.ResolvedIP, fmtMS(r.ConnectMS))
		} else {
			fmt.Fprintf(w, "tcp %s (%s): %s after %s: %s\n", r.Target, r.ResolvedIP, r.Class, fmtMS(r.ConnectMS), r.Error)
		}
	}
}

func renderHTTP(w io.Writer, v any) {
	for _, r := range v.(network.HTTPDoc).Results {
		fmt.Fprintf(w, "%s %s\n", r.Method, r.URL)
		for _, rd := range r.Redirects {
			fmt.Fprintf(w, "  %d %s -> %s\n", rd.Status, rd.URL, rd.Location)
		}
		if r.Status != 0 {
			fmt.Fprintf(w, "status: %d", r.Status)
			if r.ExpectStatus != 0 {
				fmt.Fprintf(w, " (expected %d)", r.ExpectStatus)
			}
			fmt.Fprintln(w)
		}
		t := r.Timings
		fmt.Fprintf(w, "timings: dns %.1f ms, connect %.1f ms, tls %.1f ms, ttfb %.1f ms, total %.1f ms\n", t.DNS, t.Connect, t.TLS, t.TTFB, t.Total)
		if r.Proxy != "" {
			fmt.Fprintf(w, "proxy: %s (from %s)\n", r.Proxy, r.ProxySource)
		} else {
			if r.ProxySource == "" || r.ProxySource == "none" {
				fmt.Fprintln(w, "proxy: none (no proxy configured)")
			} else {
				fmt.Fprintf(w, "proxy: none (%s)\n", r.ProxySource)
			}
		}
		for _, h := range r.Headers {
			set := "set"
			if !h.Set {
				set = "NOT SET, header not sent"
			}
			fmt.Fprintf(w, "header %s from $%s (%s)\n", h.Name, h.Env, set)
		}
		if tl := r.TLS; tl != nil {
			verified := "verified"
			if !tl.Verified {
				verified = "NOT verified: " + tl.VerifyErrorClass + ": " + tl.VerifyError
			}
			fmt.Fprintf(w, "tls: %s %s alpn=%q %s\n", tl.Version, tl.Cipher, tl.ALPN, verified)
			if tl.ClockHint != "" {
				fmt.Fprintf(w, "  hint: %s\n", tl.ClockHint)
			}
			for i, c := range tl.Chain {
				fmt.Fprintf(w, "  [%d] %s\n      issuer %s, expires %s (%d days left)\n", i, c.Subject, c.Issuer, c.NotAfter.Format(time.DateOnly), c.DaysLeft)
				if len(c.SANs) > 0 {
					fmt.Fprintf(w, "      names %s\n", strings.Join(c.SANs, ", "))
				}
			}
		}
		if r.ClockSkewS != nil {
			fmt.Fprintf(w, "clock skew: %+.1f s (server Date minus this machine's clock)\n", *r.ClockSkewS)
		}
		if r.Error != "" {
			fmt.Fprintf(w, "error (%s): %s\n", r.ErrorClass, r.Error)
		}
		fmt.Fprintf(w, "result: %s\n", passFail(r.OK))
	}
}

func passFail(ok bool) string {
	if ok {
		return "ok"
	}
	return "FAILED"
}

var dnsTypes = map[string]bool{"A": true, "AAAA": true, "CNAME": true, "TXT": true, "MX": true, "NS": true, "SRV": true, "PTR": true, "SOA": true, "CAA": true}

// isToken reports whether s is an HTTP header field name (RFC 9110 token).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.ContainsRune("!#$%&'*+-.^_`|~", c):
		default:
			return false
		}
	}
	return true
}

func validPort(p string) bool {
	if p == "" || strings.Trim(p, "0123456789") != "" {
		return false
	}
	n, err := strconv.Atoi(p)
	return err == nil && n > 0 && n < 65536
}

// checkDNSName refuses names no DNS query can carry: empty (it would query the root), empty
// labels (".."), a label over 63 bytes or a name over 253.
func checkDNSName(name string) error {
	n := strings.TrimSuffix(name, ".")
	switch {
	case n == "":
		return errors.New("want a DNS name (empty would query the root zone)")
	case len(n) > 253:
		return fmt.Errorf("a DNS name is at most 253 characters, this one has %d", len(n))
	}
	for _, label := range strings.Split(n, ".") {
		switch {
		case label == "":
			return errors.New("a DNS name has no empty labels (\"..\")")
		case len(label) > 63:
			return fmt.Errorf("a DNS label is at most 63 characters, %.20s... has %d", label, len(label))
		}
	}
	return nil
}

// checkHostArg refuses an empty host or one with characters no host name or address has.
func checkHostArg(host string) error {
	h := strings.Trim(host, "[]")
	if h == "" {
		return errors.New("want a host name or IP address")
	}
	if net.ParseIP(h) != nil {
		return nil
	}
	if strings.ContainsAny(h, " /@?#\\") {
		return errors.New("not a host name or IP address")
	}
	return checkDNSName(h)
}
