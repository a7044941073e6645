package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"path"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Error is one problem in a spec, located by file, line and key path.
type Error struct {
	File string
	Line int
	Key  string
	Msg  string
}

func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Key != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Key, e.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, e.Msg)
}

// Errors is every problem found in one spec.
type Errors []*Error

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Parse parses and validates a spec. name is used in error messages (a file path or URL).
func Parse(name string, data []byte) (*Spec, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, &Error{File: name, Line: yamlErrLine(err), Msg: "invalid YAML: " + cleanYAMLErr(err)}
	}
	if len(doc.Content) == 0 {
		return nil, &Error{File: name, Msg: "empty spec"}
	}
	root := doc.Content[0]
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &Error{File: name, Line: extra.Line, Msg: "more than one YAML document; a spec is one document"}
	}
	var errs Errors
	checkNode(name, root, reflect.TypeOf(Spec{}), "", &errs)
	var s Spec
	if len(errs) > 0 {
		// A type error does not hide the others: decode what decodes (yaml goes on past a
		// mismatch), validate that too, and report every problem, structural ones first for a
		// key, ordered by line.
		root.Decode(&s)
		collectRegexLines(root, &s)
		s.file, s.root = name, root
		if verr, ok := s.validate(name, root).(Errors); ok {
			have := map[string]bool{}
			for _, e := range errs {
				have[e.Key] = true
			}
			for _, e := range verr {
				if !have[e.Key] && !coveredBy(e.Key, have) {
					errs = append(errs, e)
				}
			}
		}
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
		return nil, errs
	}
	if err := root.Decode(&s); err != nil {
		return nil, &Error{File: name, Line: yamlErrLine(err), Msg: cleanYAMLErr(err)}
	}
	collectRegexLines(root, &s)
	s.file, s.root = name, root
	if err := s.validate(name, root); err != nil {
		return nil, err
	}
	s.applyDefaults()
	return &s, nil
}

// coveredBy reports whether key lies under a key that already has a structural error (its
// zero value after a failed decode would only repeat it).
func coveredBy(key string, have map[string]bool) bool {
	if have[""] {
		return true // the document itself is the wrong shape
	}
	for k := range have {
		if strings.HasPrefix(key, k+".") || strings.HasPrefix(key, k+"[") || strings.HasPrefix(k, key+".") || strings.HasPrefix(k, key+"[") {
			return true
		}
	}
	return false
}

var (
	durationType = reflect.TypeOf(Duration(0))
	sizeType     = reflect.TypeOf(Size(0))
)

// checkNode walks the YAML tree against the Go type, so every unknown key and badly typed value is
// reported with its line and full key path, not just the first one.
func checkNode(file string, n *yaml.Node, t reflect.Type, path string, errs *Errors) {
	add := func(line int, msg string) {
		*errs = append(*errs, &Error{File: file, Line: line, Key: path, Msg: msg})
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == durationType:
		if n.Kind != yaml.ScalarNode {
			add(n.Line, "expected a duration such as 30s")
		} else if _, err := ParseDuration(n.Value); err != nil {
			add(n.Line, err.Error())
		}
		return
	case t == sizeType:
		if n.Kind != yaml.ScalarNode {
			add(n.Line, "expected a size such as 10MiB")
		} else if _, err := ParseSize(n.Value); err != nil {
			add(n.Line, err.Error())
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			add(n.Line, "expected a mapping")
			return
		}
		fields := map[string]reflect.StructField{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if tag == "" || tag == "-" {
				continue
			}
			fields[tag] = f
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			kp := joinKey(path, k.Value)
			if seen[k.Value] {
				*errs = append(*errs, &Error{File: file, Line: k.Line, Key: kp, Msg: "duplicate key"})
				continue
			}
			seen[k.Value] = true
			f, ok := fields[k.Value]
			if !ok {
				*errs = append(*errs, &Error{File: file, Line: k.Line, Key: kp, Msg: "unknown key" + suggest(k.Value, fields)})
				continue
			}
			checkNode(file, v, f.Type, kp, errs)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			add(n.Line, "expected a list")
			return
		}
		for i, c := range n.Content {
			checkNode(file, c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), errs)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			add(n.Line, "expected a mapping")
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			checkNode(file, n.Content[i+1], t.Elem(), joinKey(path, n.Content[i].Value), errs)
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			add(n.Line, "expected a string")
		}
	case reflect.Int, reflect.Int64:
		if _, err := strconv.ParseInt(n.Value, 0, 64); n.Kind != yaml.ScalarNode || err != nil {
			add(n.Line, fmt.Sprintf("expected an integer, got %q", n.Value))
		}
	case reflect.Float64:
		if _, err := strconv.ParseFloat(n.Value, 64); n.Kind != yaml.ScalarNode || err != nil {
			add(n.Line, fmt.Sprintf("expected a number, got %q", n.Value))
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || (n.Value != "true" && n.Value != "false") {
			add(n.Line, fmt.Sprintf("expected true or false, got %q", n.Value))
		}
	}
}

func joinKey(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func suggest(k string, fields map[string]reflect.StructField) string {
	var names []string
	for name := range fields {
		names = append(names, name)
	}
	for _, name := range names {
		if strings.EqualFold(name, k) || strings.ReplaceAll(name, "_", "") == strings.ReplaceAll(strings.ToLower(k), "-", "") {
			return fmt.Sprintf(" (did you mean %q?)", name)
		}
	}
	return ""
}

var lineRE = regexp.MustCompile(`line (\d+)`)

func yamlErrLine(err error) int {
	if m := lineRE.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

func cleanYAMLErr(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: ")
	s = lineRE.ReplaceAllString(s, "")
	return strings.TrimLeft(s, ": ")
}

// collectRegexLines records where each redact.regexes entry was declared.
func collectRegexLines(root *yaml.Node, s *Spec) {
	red := mapValue(root, "redact")
	if red == nil {
		return
	}
	rx := mapValue(red, "regexes")
	if rx == nil || rx.Kind != yaml.SequenceNode {
		return
	}
	for i, c := range rx.Content {
		if i < len(s.Redact.Regexes) {
			s.Redact.Regexes[i].Line = c.Line
			if p := mapValue(c, "pattern"); p != nil {
				s.Redact.Regexes[i].Line = p.Line
			}
		}
	}
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// Problem returns an error located at a key of this spec, for checks made outside this package
// (collector names, redaction rule ids).
func (s *Spec) Problem(key, format string, args ...any) *Error {
	return &Error{File: s.file, Line: lineOf(s.root, key), Key: key, Msg: fmt.Sprintf(format, args...)}
}

// lineOf finds the line of a key path like "network.http[2].url"; 0 when absent.
func lineOf(root *yaml.Node, path string) int {
	n := root
	line := 0
	for _, part := range strings.Split(path, ".") {
		idx := -1
		if i := strings.IndexByte(part, '['); i >= 0 {
			idx, _ = strconv.Atoi(strings.TrimSuffix(part[i+1:], "]"))
			part = part[:i]
		}
		if n == nil || n.Kind != yaml.MappingNode {
			return line
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == part {
				line = n.Content[i].Line
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return line
		}
		n = next
		if idx >= 0 {
			if n.Kind != yaml.SequenceNode || idx >= len(n.Content) {
				return line
			}
			n = n.Content[idx]
			line = n.Line
		}
	}
	return line
}

var (
	collectorNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)
	dnsTypes        = map[string]bool{"A": true, "AAAA": true, "CNAME": true, "TXT": true, "MX": true, "NS": true, "SRV": true, "PTR": true, "SOA": true, "CAA": true}
	formats         = map[string]bool{"tar.gz": true, "tar.zst": true, "zip": true}
)

// validate checks values that are well typed but wrong.
func (s *Spec) validate(file string, root *yaml.Node) error {
	var errs Errors
	bad := func(key, format string, args ...any) {
		errs = append(errs, &Error{File: file, Line: lineOf(root, key), Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	if s.APIVersion != APIVersion {
		bad("apiVersion", "must be %q, got %q", APIVersion, s.APIVersion)
	}
	if s.Kind != Kind {
		bad("kind", "must be %q, got %q", Kind, s.Kind)
	}
	if s.Collectors.Concurrency < 0 {
		bad("collectors.concurrency", "must be positive")
	}
	for i, n := range s.Environment.Keep {
		if !envNameRE.MatchString(n) {
			bad(fmt.Sprintf("environment.keep[%d]", i), "%q is not an environment variable name", n)
		}
	}
	for i := range s.Network.DNS {
		checkDNSCheck(fmt.Sprintf("network.dns[%d]", i), &s.Network.DNS[i], bad)
	}
	for i := range s.Network.Ping {
		checkPingCheck(fmt.Sprintf("network.ping[%d]", i), &s.Network.Ping[i], bad)
	}
	for i := range s.Network.Trace {
		checkTraceCheck(fmt.Sprintf("network.trace[%d]", i), &s.Network.Trace[i], bad)
	}
	for i, t := range s.Network.TCP {
		checkTCPTarget(fmt.Sprintf("network.tcp[%d].target", i), t.Target, bad)
	}
	for i, h := range s.Network.HTTP {
		s.checkHTTP(fmt.Sprintf("network.http[%d]", i), &h, bad)
	}
	names := map[string]bool{}
	for i, l := range s.Logs {
		k := fmt.Sprintf("logs[%d]", i)
		checkName(k, l.Name, names, bad)
		if len(l.Paths) == 0 {
			bad(k+".paths", "at least one path is required")
		}
		checkGlobs(k+".paths", l.Paths, bad)
	}
	for i, c := range s.Commands {
		k := fmt.Sprintf("commands[%d]", i)
		checkName(k, c.Name, names, bad)
		switch {
		case c.Shell && c.Script == "" && len(c.Argv) == 0:
			bad(k+".script", "a shell command needs script (or argv)")
		case !c.Shell && c.Script != "":
			bad(k+".script", "script needs shell: true")
		case !c.Shell && len(c.Argv) == 0:
			bad(k+".argv", "argv is required")
		case c.Shell && c.Script != "" && len(c.Argv) > 0:
			bad(k+".argv", "give argv or script, not both (with both, argv would be ignored)")
		}
		for j, e := range c.Env {
			name, _, _ := strings.Cut(e, "=")
			if !envNameRE.MatchString(name) {
				bad(fmt.Sprintf("%s.env[%d]", k, j), "%q: want NAME (pass this variable) or NAME=value", e)
			}
		}
	}
	for i, f := range s.Files {
		k := fmt.Sprintf("files[%d]", i)
		checkName(k, f.Name, names, bad)
		if len(f.Paths) == 0 {
			bad(k+".paths", "at least one path is required")
		}
		checkGlobs(k+".paths", f.Paths, bad)
	}
	regexIDs := map[string]bool{}
	for i, r := range s.Redact.Regexes {
		k := fmt.Sprintf("redact.regexes[%d]", i)
		if r.ID == "" || !collectorNameRE.MatchString(r.ID) {
			bad(k+".id", "an id of lower-case letters, digits, '-', '_' or '.' is required")
		} else if regexIDs[r.ID] {
			bad(k+".id", "duplicate id %q (each rule needs its own, so redaction.json can tell them apart)", r.ID)
		}
		regexIDs[r.ID] = true
		if re, err := regexp.Compile(r.Pattern); err != nil {
			bad(k+".pattern", "invalid regular expression: %v", err)
		} else if re.MatchString("") {
			bad(k+".pattern", "matches the empty string (it would redact nothing useful and everything in between)")
		}
	}
	mon := map[string]bool{}
	for i := range s.Monitors {
		s.checkMonitor(fmt.Sprintf("monitors[%d]", i), &s.Monitors[i], mon, bad)
	}
	s.checkDaemon(bad)
	s.checkAnalyzers(bad)
	if s.Bundle.Format != "" && !formats[s.Bundle.Format] {
		bad("bundle.format", "must be tar.gz, tar.zst or zip, got %q", s.Bundle.Format)
	}
	if s.Upload != nil {
		if u, err := ParseURL(s.Upload.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("upload.url", "invalid URL %q (want https://host/...)", RedactURL(s.Upload.URL))
		}
		if c := s.Upload.Consent; c != "" && c != "auto" && c != "ask" && c != "never" {
			bad("upload.consent", "must be auto, ask or never, got %q", c)
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func checkDNSCheck(k string, d *DNSCheck, bad func(string, string, ...any)) {
	if !validHost(d.Name) {
		bad(k+".name", "invalid DNS name %q", d.Name)
	}
	for _, t := range d.Types {
		if !dnsTypes[strings.ToUpper(t)] {
			bad(k+".types", "unknown record type %q", t)
		}
	}
	for _, srv := range d.Servers {
		if _, _, err := net.SplitHostPort(srv); err != nil && net.ParseIP(srv) == nil {
			bad(k+".servers", "invalid server %q (want IP or IP:port)", srv)
		}
	}
}

func checkPingCheck(k string, p *PingCheck, bad func(string, string, ...any)) {
	if !validHost(p.Host) {
		bad(k+".host", "invalid host %q", p.Host)
	}
	// The same bound as casefile check ping --count (collectors/network.MaxPingCount).
	if p.Count < 0 || p.Count > 10000 {
		bad(k+".count", "must be between 1 and 10000")
	}
	if p.Port < 0 || p.Port > 65535 {
		bad(k+".port", "invalid port %d", p.Port)
	}
}

func checkTraceCheck(k string, t *Trace, bad func(string, string, ...any)) {
	if !validHost(t.Host) {
		bad(k+".host", "invalid host %q", t.Host)
	}
	if t.MaxHops < 0 || t.MaxHops > 64 {
		bad(k+".max_hops", "must be between 1 and 64")
	}
	switch t.Protocol {
	case "", "udp", "icmp", "tcp":
	default:
		bad(k+".protocol", "must be udp, icmp or tcp, got %q", t.Protocol)
	}
}

func checkTCPTarget(k, target string, bad func(string, string, ...any)) {
	if host, port, err := net.SplitHostPort(target); err != nil || !validHost(host) || !validPort(port) {
		bad(k, "invalid target %q (want host:port)", target)
	}
}

// checkMonitor validates one monitor: its name, exactly one check (validated like its network:
// entry), its timing and its trigger.
func (s *Spec) checkMonitor(k string, m *Monitor, seen map[string]bool, bad func(string, string, ...any)) {
	checkName(k, m.Name, seen, bad)
	n := 0
	for _, set := range []bool{m.HTTP != nil, m.TCP != nil, m.DNS != nil, m.Ping != nil, m.Trace != nil,
		m.Load != nil, m.Memory != nil, m.Disk != nil, m.Clock != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		bad(k, "exactly one check is required: http, tcp, dns, ping, trace, load, memory, disk or clock")
	}
	iv := time.Duration(m.Interval)
	if m.Interval != 0 && iv < MinMonitorInterval {
		bad(k+".interval", "must be at least %s, got %s", MinMonitorInterval, iv)
	}
	if iv == 0 {
		iv = DefaultMonitorInterval
	}
	if m.Jitter != 0 && time.Duration(m.Jitter) >= iv {
		bad(k+".jitter", "must be shorter than the interval (%s), got %s", iv, time.Duration(m.Jitter))
	}
	switch {
	case m.HTTP != nil:
		s.checkHTTP(k+".http", m.HTTP, bad)
	case m.TCP != nil:
		checkTCPTarget(k+".tcp.target", m.TCP.Target, bad)
	case m.DNS != nil:
		checkDNSCheck(k+".dns", m.DNS, bad)
	case m.Ping != nil:
		checkPingCheck(k+".ping", m.Ping, bad)
	case m.Trace != nil:
		checkTraceCheck(k+".trace", m.Trace, bad)
	case m.Load != nil:
		if m.Load.Max < 0 {
			bad(k+".load.max", "must be 0 (record only) or more")
		}
	case m.Memory != nil:
		checkPercent(k+".memory.max_used_percent", m.Memory.MaxUsedPercent, bad)
	case m.Disk != nil:
		if m.Disk.Path != "" && !absPath(m.Disk.Path) {
			bad(k+".disk.path", "%q is a relative path; want an absolute path (/, /var, C:\\)", m.Disk.Path)
		}
		checkPercent(k+".disk.max_used_percent", m.Disk.MaxUsedPercent, bad)
	}
	if t := m.Trigger; t != nil {
		if t.FailuresInARow < 1 {
			bad(k+".trigger.failures_in_a_row", "must be 1 or more, got %d", t.FailuresInARow)
		}
		if t.Keep < 0 {
			bad(k+".trigger.keep", "must be 1 or more (default %d)", DefaultTriggerKeep)
		}
		if t.Upload && s.Upload == nil {
			bad(k+".trigger.upload", "upload: true needs the spec's upload section (url, recipient)")
		}
	}
}

func checkPercent(k string, v float64, bad func(string, string, ...any)) {
	if v < 0 || v > 100 {
		bad(k, "must be between 0 and 100, got %g", v)
	}
}

func (s *Spec) checkDaemon(bad func(string, string, ...any)) {
	d := s.Daemon
	if d.HistoryMaxAge != 0 && time.Duration(d.HistoryMaxAge) < time.Hour {
		bad("daemon.history_max_age", "must be at least 1h, got %s", time.Duration(d.HistoryMaxAge))
	}
	if d.HistoryMaxSize != 0 && d.HistoryMaxSize < 1<<20 {
		bad("daemon.history_max_size", "must be at least 1MiB, got %s", d.HistoryMaxSize)
	}
	if d.SocketGroup != "" && !groupNameRE.MatchString(d.SocketGroup) {
		bad("daemon.socket_group", "invalid group name %q", d.SocketGroup)
	}
}

// groupNameRE accepts POSIX group names and Windows group names (letters, digits, spaces, '.', '_', '-', '\\').
var groupNameRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_. \\-]{0,255}$`)

// HistoryMaxAge, HistoryMaxSize and HistoryWindow are the daemon's history settings with their
// defaults applied.
func (d DaemonCfg) MaxAge() time.Duration {
	if d.HistoryMaxAge > 0 {
		return time.Duration(d.HistoryMaxAge)
	}
	return DefaultHistoryMaxAge
}

// MaxSize is the history's size bound.
func (d DaemonCfg) MaxSize() int64 {
	if d.HistoryMaxSize > 0 {
		return int64(d.HistoryMaxSize)
	}
	return DefaultHistoryMaxSize
}

// Window is how much history a bundle holds.
func (d DaemonCfg) Window() time.Duration {
	if d.HistoryWindow > 0 {
		return time.Duration(d.HistoryWindow)
	}
	return DefaultHistoryWindow
}

// markerRE matches a redaction marker, as a bundle's spec.yaml holds in place of a URL's password.
var markerRE = regexp.MustCompile(`\[REDACTED:[a-z0-9.-]+\]`)

// ParseURL parses a URL from a spec; a redaction marker in it (a bundle's spec.yaml, run again)
// stands for the value it replaced.
func ParseURL(raw string) (*url.URL, error) {
	return url.Parse(markerRE.ReplaceAllString(raw, "REDACTED"))
}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (s *Spec) checkHTTP(k string, h *HTTPCheck, bad func(string, string, ...any)) {
	for name, env := range h.HeadersFromEnv {
		if !envNameRE.MatchString(env) {
			bad(k+".headers_from_env."+name, "the value must be an environment variable name (the header's value is read from it, never stored)")
		}
	}
	if u, err := ParseURL(h.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		bad(k+".url", "invalid URL %q (want http:// or https://)", RedactURL(h.URL))
	}
	if h.ExpectStatus != 0 && (h.ExpectStatus < 100 || h.ExpectStatus > 599) {
		bad(k+".expect_status", "invalid HTTP status %d", h.ExpectStatus)
	}
	if h.BodyRegex != "" {
		if _, err := regexp.Compile(h.BodyRegex); err != nil {
			bad(k+".body_regex", "invalid regular expression: %v", err)
		}
	}
}

func checkName(k, name string, seen map[string]bool, bad func(string, string, ...any)) {
	switch {
	case name == "":
		bad(k+".name", "name is required")
	case !collectorNameRE.MatchString(name):
		bad(k+".name", "invalid name %q (lower-case letters, digits, '-', '_', '.')", name)
	case seen[name]:
		bad(k+".name", "duplicate name %q", name)
	}
	seen[name] = true
}

func checkGlobs(k string, globs []string, bad func(string, string, ...any)) {
	for _, g := range globs {
		switch {
		case strings.TrimSpace(g) == "":
			bad(k, "invalid glob %q", g)
		case !absPath(g):
			bad(k, "%q is a relative path; a spec names absolute paths (/var/log/acme/*.log, C:\\ProgramData\\Acme\\*.log)", g)
		default:
			if _, err := path.Match(filepathSlash(g), ""); err != nil {
				bad(k, "invalid glob %q", g)
			}
		}
	}
}

// absPath reports whether p is absolute on some OS casefile runs on: /… , C:\… or C:/…, \\server\….
func absPath(p string) bool {
	return strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\\`) ||
		(len(p) > 2 && (p[0]|0x20) >= 'a' && (p[0]|0x20) <= 'z' && p[1] == ':' && (p[2] == '\\' || p[2] == '/'))
}

// filepathSlash turns a Windows path's separators into slashes for pattern checking.
func filepathSlash(p string) string {
	if len(p) > 1 && p[1] == ':' {
		return strings.ReplaceAll(p, `\`, "/")
	}
	return p
}

func validHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	if net.ParseIP(strings.Trim(h, "[]")) != nil {
		return true
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			if !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return false
			}
		}
	}
	return true
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n > 0 && n < 65536
}

func (s *Spec) applyDefaults() {
	if s.Collectors.Timeout == 0 {
		s.Collectors.Timeout = Duration(DefaultTimeout)
	}
	if s.Collectors.Concurrency == 0 {
		s.Collectors.Concurrency = DefaultConcurrency
	}
	if s.Collectors.MaxFileSize == 0 {
		s.Collectors.MaxFileSize = DefaultMaxFileSize
	}
	if s.Collectors.MaxCollectorSize == 0 {
		s.Collectors.MaxCollectorSize = DefaultMaxCollectorSize
	}
	if s.Bundle.Format == "" {
		s.Bundle.Format = DefaultFormat
	}
	if s.Bundle.MaxSize == 0 {
		s.Bundle.MaxSize = DefaultMaxBundleSize
	}
	for i := range s.Network.DNS {
		if len(s.Network.DNS[i].Types) == 0 {
			s.Network.DNS[i].Types = []string{"A", "AAAA"}
		}
	}
	for i := range s.Logs {
		if s.Logs[i].Since == 0 {
			s.Logs[i].Since = Duration(DefaultLogSince)
		}
	}
	for i := range s.Monitors {
		m := &s.Monitors[i]
		if m.Interval == 0 {
			m.Interval = Duration(DefaultMonitorInterval)
		}
		iv := time.Duration(m.Interval)
		if m.Timeout == 0 {
			m.Timeout = Duration(min(iv, MaxMonitorTimeout))
		}
		if m.Jitter == 0 {
			m.Jitter = Duration(min(iv/10, MaxMonitorJitter))
		}
		if m.Disk != nil && m.Disk.Path == "" {
			m.Disk.Path = DefaultDiskSamplePath
		}
		if m.DNS != nil && len(m.DNS.Types) == 0 {
			m.DNS.Types = []string{"A", "AAAA"}
		}
		if t := m.Trigger; t != nil {
			if t.MinInterval == 0 {
				t.MinInterval = Duration(DefaultTriggerInterval)
			}
			if t.Keep == 0 {
				t.Keep = DefaultTriggerKeep
			}
		}
	}
}

// Marshal renders the effective spec as YAML.
func (s *Spec) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

// ErrTooLarge is returned when a spec source exceeds MaxSpecSize.
var ErrTooLarge = errors.New("spec too large")

// --- analyzers: the vendor's own findings -------------------------------------------------

// ReservedFindingPrefixes are the first segments of the built-in finding ids (tls.expired,
// log.burst); a spec analyzer's id may not start with one, so it can never take a built-in
// finding's id, now or when a later version adds one to the family.
var ReservedFindingPrefixes = []string{
	"analyze", "clock", "collector", "disk", "dns", "history", "http", "kernel", "load", "log", "memory",
	"mtu", "ping", "proxy", "service", "tcp", "tls", "trace",
}

// IsReservedFindingID reports whether id is in a built-in finding family.
func IsReservedFindingID(id string) bool {
	fam, _, _ := strings.Cut(id, ".")
	for _, p := range ReservedFindingPrefixes {
		if fam == p {
			return true
		}
	}
	return false
}

// FieldOps are the operators of an analyzer's op; WhereOps those of a where clause.
var (
	FieldOps = []string{"==", "!=", "<", "<=", ">", ">=", "contains", "matches", "exists", "absent"}
	WhereOps = []string{"==", "!=", "<=", ">=", "<", ">", "=~"}
)

// Cond is one comparison of a where clause: the record's Field, Op, and a JSON scalar Value
// (string, float64, bool or nil for null).
type Cond struct {
	Field string
	Op    string
	Value any
}

var (
	fieldPathRE   = regexp.MustCompile(`^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$`)
	findingIDRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$`)
	severities    = map[string]bool{"critical": true, "warning": true, "info": true}
	orderingOps   = map[string]bool{"<": true, "<=": true, ">": true, ">=": true}
	valuelessOps  = map[string]bool{"exists": true, "absent": true}
	whereOpsOrder = []string{"==", "!=", "<=", ">=", "=~", "<", ">"}
)

// ValidFieldPath reports whether p is a dotted field path (timings_ms.total, tls.chain.0.days_left).
func ValidFieldPath(p string) bool { return fieldPathRE.MatchString(p) }

// ParseWhere parses a where clause: comparisons `field OP literal` joined by `&&`. OP is one of
// WhereOps; the literal is a JSON scalar ("api", 200, 1.5, true, false, null) or, for =~, a
// quoted regular expression.
func ParseWhere(expr string) ([]Cond, error) {
	var out []Cond
	for _, term := range splitAnd(expr) {
		term = strings.TrimSpace(term)
		i := 0
		for i < len(term) && (term[i] == '.' || term[i] == '_' || term[i] == '-' || term[i] >= '0' && term[i] <= '9' || term[i]|0x20 >= 'a' && term[i]|0x20 <= 'z') {
			i++
		}
		field := term[:i]
		if !ValidFieldPath(field) {
			return nil, fmt.Errorf("%q: want FIELD OP VALUE (name == \"api\"), the field a dotted path", term)
		}
		rest := strings.TrimSpace(term[i:])
		op := ""
		for _, o := range whereOpsOrder {
			if strings.HasPrefix(rest, o) {
				op = o
				break
			}
		}
		if op == "" {
			return nil, fmt.Errorf("%q: unknown operator (want one of %s)", term, strings.Join(WhereOps, " "))
		}
		lit := strings.TrimSpace(rest[len(op):])
		v, err := parseLiteral(lit)
		if err != nil {
			return nil, fmt.Errorf("%q: %v", term, err)
		}
		switch {
		case orderingOps[op]:
			if _, ok := v.(float64); !ok {
				return nil, fmt.Errorf("%q: %s needs a number", term, op)
			}
		case op == "=~":
			str, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("%q: =~ needs a quoted regular expression", term)
			}
			if _, err := regexp.Compile(str); err != nil {
				return nil, fmt.Errorf("%q: invalid regular expression: %v", term, err)
			}
		}
		out = append(out, Cond{Field: field, Op: op, Value: v})
	}
	return out, nil
}

// splitAnd splits expr on && outside quoted strings.
func splitAnd(expr string) []string {
	var parts []string
	var quote byte
	start := 0
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch {
		case quote != 0 && c == '\\':
			i++
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
		case quote == 0 && c == '&' && i+1 < len(expr) && expr[i+1] == '&':
			parts = append(parts, expr[start:i])
			start = i + 2
			i++
		}
	}
	return append(parts, expr[start:])
}

// parseLiteral reads a JSON scalar; a single-quoted string is taken literally.
func parseLiteral(lit string) (any, error) {
	if lit == "" {
		return nil, errors.New("a value is missing")
	}
	if len(lit) >= 2 && lit[0] == '\'' && lit[len(lit)-1] == '\'' {
		return lit[1 : len(lit)-1], nil
	}
	var v any
	if err := json.Unmarshal([]byte(lit), &v); err != nil {
		return nil, fmt.Errorf("%s is not a value (quote strings: \"api\")", lit)
	}
	switch v.(type) {
	case string, float64, bool, nil:
		return v, nil
	}
	return nil, fmt.Errorf("%s: want a string, number, true, false or null", lit)
}

// ScalarValue turns an analyzer's YAML value into a JSON scalar (string, float64, bool, nil).
func ScalarValue(v any) (any, bool) {
	switch x := v.(type) {
	case nil, string, bool, float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float32:
		return float64(x), true
	}
	return nil, false
}

func (s *Spec) checkAnalyzers(bad func(string, string, ...any)) {
	ids := map[string]bool{}
	for i, a := range s.Analyzers {
		k := fmt.Sprintf("analyzers[%d]", i)
		switch {
		case a.ID == "":
			bad(k+".id", "an id is required (vendor.what, e.g. acme.api-slow)")
		case !findingIDRE.MatchString(a.ID):
			bad(k+".id", "invalid id %q: want lower-case dotted words with your own prefix (acme.api-slow)", a.ID)
		case IsReservedFindingID(a.ID):
			fam, _, _ := strings.Cut(a.ID, ".")
			bad(k+".id", "%q is in the built-in %q findings (ids %s.*); give it your own prefix (acme.%s)", a.ID, fam, fam, strings.TrimPrefix(a.ID, fam+"."))
		case ids[a.ID]:
			bad(k+".id", "duplicate id %q", a.ID)
		}
		ids[a.ID] = true
		if !severities[a.Severity] {
			bad(k+".severity", "must be critical, warning or info, got %q", a.Severity)
		}
		if strings.TrimSpace(a.Title) == "" {
			bad(k+".title", "a title is required")
		}
		fileKind, regexKind := a.File != "", len(a.Files) > 0 || a.Regex != ""
		switch {
		case fileKind && regexKind:
			bad(k, "give file (a condition on a JSON field) or files and regex (lines of collected files), not both")
			continue
		case !fileKind && !regexKind:
			bad(k, "file (with field, op and value) or files and regex is required")
			continue
		}
		if fileKind {
			if !fs.ValidPath(a.File) || a.File == "." || !strings.HasSuffix(a.File, ".json") {
				bad(k+".file", "%q: want the bundle path of a JSON document (network/http.json)", a.File)
			}
			if a.Records != "" && !ValidFieldPath(a.Records) {
				bad(k+".records", "%q is not a dotted field path", a.Records)
			}
			if a.Where != "" {
				if _, err := ParseWhere(a.Where); err != nil {
					bad(k+".where", "%v", err)
				}
			}
			if !ValidFieldPath(a.Field) {
				bad(k+".field", "%q: a dotted field path is required (timings_ms.total)", a.Field)
			}
			v, scalar := ScalarValue(a.Value)
			switch {
			case !contains(FieldOps, a.Op):
				bad(k+".op", "unknown operator %q (want one of %s)", a.Op, strings.Join(FieldOps, " "))
			case valuelessOps[a.Op]:
				if a.Value != nil {
					bad(k+".value", "%s takes no value", a.Op)
				}
			case !scalar:
				bad(k+".value", "want a string, number, true or false")
			case a.Value == nil:
				bad(k+".value", "a value is required for %s", a.Op)
			case orderingOps[a.Op]:
				if _, ok := v.(float64); !ok {
					bad(k+".value", "%s needs a number, got %q", a.Op, fmt.Sprint(a.Value))
				}
			case a.Op == "contains" || a.Op == "matches":
				str, ok := v.(string)
				if !ok {
					bad(k+".value", "%s needs a string", a.Op)
				} else if a.Op == "matches" {
					if _, err := regexp.Compile(str); err != nil {
						bad(k+".value", "invalid regular expression: %v", err)
					}
				}
			}
			if a.MinCount != 0 {
				bad(k+".min_count", "only for files and regex")
			}
			continue
		}
		if len(a.Files) == 0 {
			bad(k+".files", "at least one bundle-path glob is required (logs/app/*.log)")
		}
		for j, g := range a.Files {
			if !fs.ValidPath(g) || g == "." {
				bad(fmt.Sprintf("%s.files[%d]", k, j), "%q: want a bundle-path glob without a leading / (logs/app/*.log)", g)
			} else if _, err := path.Match(g, ""); err != nil {
				bad(fmt.Sprintf("%s.files[%d]", k, j), "invalid glob %q", g)
			}
		}
		if a.Regex == "" {
			bad(k+".regex", "a regular expression is required")
		} else if re, err := regexp.Compile(a.Regex); err != nil {
			bad(k+".regex", "invalid regular expression: %v", err)
		} else if re.MatchString("") {
			bad(k+".regex", "matches the empty string (every line would count)")
		}
		if a.MinCount < 0 {
			bad(k+".min_count", "must be 1 or more")
		}
		for _, f := range []struct {
			key string
			set bool
		}{{"records", a.Records != ""}, {"where", a.Where != ""}, {"field", a.Field != ""}, {"op", a.Op != ""}, {"value", a.Value != nil}} {
			if f.set {
				bad(k+"."+f.key, "only for file analyzers (a condition on a JSON field)")
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
