// Package spec defines the vendor spec (casefile/v1): what to collect, how to redact it and where to
// send it. Parsing is strict: unknown keys and bad values are errors naming file, line and key.
package spec

import (
	"time"

	"go.yaml.in/yaml/v3"
)

// APIVersion and Kind are the only values a v1 spec accepts.
const (
	APIVersion = "casefile/v1"
	Kind       = "Spec"
)

// Spec is a parsed, validated spec. Defaults are applied by Parse.
type Spec struct {
	APIVersion string        `yaml:"apiVersion" json:"apiVersion"`
	Kind       string        `yaml:"kind" json:"kind"`
	Metadata   Metadata      `yaml:"metadata" json:"metadata"`
	Collectors CollectorsCfg `yaml:"collectors" json:"collectors"`
	Network    Network       `yaml:"network,omitempty" json:"network,omitempty"`
	Logs       []LogSource   `yaml:"logs,omitempty" json:"logs,omitempty"`
	Commands   []Command     `yaml:"commands,omitempty" json:"commands,omitempty"`
	Files      []FileSource  `yaml:"files,omitempty" json:"files,omitempty"`
	Redact     Redact        `yaml:"redact" json:"redact"`
	Monitors   []Monitor     `yaml:"monitors,omitempty" json:"monitors,omitempty"`
	// Daemon holds the daemon's settings (history bounds, who may use its socket).
	Daemon DaemonCfg `yaml:"daemon,omitempty" json:"daemon,omitempty"`
	// Environment says which environment variables' values environment.json keeps.
	Environment EnvironmentCfg `yaml:"environment,omitempty" json:"environment,omitempty"`
	Bundle      BundleCfg      `yaml:"bundle" json:"bundle"`
	Upload      *Upload        `yaml:"upload,omitempty" json:"upload,omitempty"`
	// Analyzers are the vendor's own findings (docs/findings.md, "Spec analyzers").
	Analyzers []Analyzer `yaml:"analyzers,omitempty" json:"analyzers,omitempty"`

	file string     // where it was read from, for Problem
	root *yaml.Node // its YAML, for line numbers
}

// EnvironmentCfg: values are denied by default (name and length only) except for an allowlist;
// Keep adds the vendor's own variables (ACME_HOME) to it.
type EnvironmentCfg struct {
	Keep []string `yaml:"keep,omitempty" json:"keep,omitempty"`
}

// Metadata names the spec and its vendor.
type Metadata struct {
	Name    string `yaml:"name" json:"name"`
	Vendor  string `yaml:"vendor,omitempty" json:"vendor,omitempty"`
	Version string `yaml:"version,omitempty" json:"version,omitempty"`
}

// CollectorsCfg holds runner settings.
type CollectorsCfg struct {
	// Timeout is the default per-collector timeout (default 30s).
	Timeout Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	// Timeouts overrides the timeout per collector name.
	Timeouts map[string]Duration `yaml:"timeouts,omitempty" json:"timeouts,omitempty"`
	// Concurrency bounds how many collectors run at once (default 8).
	Concurrency int `yaml:"concurrency,omitempty" json:"concurrency,omitempty"`
	// Only, when set, runs just these collectors or families (like --only; --only wins).
	Only []string `yaml:"only,omitempty" json:"only,omitempty"`
	// Disable switches collectors off by name or family.
	Disable []string `yaml:"disable,omitempty" json:"disable,omitempty"`
	// MaxFileSize caps any single file a collector writes (default 10MiB).
	MaxFileSize Size `yaml:"max_file_size,omitempty" json:"max_file_size,omitempty"`
	// MaxCollectorSize caps what one collector writes in all (default 100MiB).
	MaxCollectorSize Size `yaml:"max_collector_size,omitempty" json:"max_collector_size,omitempty"`
}

// Network lists network checks. Every target is named by the spec; nothing else is probed.
type Network struct {
	DNS   []DNSCheck  `yaml:"dns,omitempty" json:"dns,omitempty"`
	Ping  []PingCheck `yaml:"ping,omitempty" json:"ping,omitempty"`
	Trace []Trace     `yaml:"trace,omitempty" json:"trace,omitempty"`
	TCP   []TCPCheck  `yaml:"tcp,omitempty" json:"tcp,omitempty"`
	HTTP  []HTTPCheck `yaml:"http,omitempty" json:"http,omitempty"`
}

// DNSCheck resolves one name.
type DNSCheck struct {
	Name    string   `yaml:"name" json:"name"`
	Types   []string `yaml:"types,omitempty" json:"types,omitempty"`
	Servers []string `yaml:"servers,omitempty" json:"servers,omitempty"`
	// NXDomainProbe: check for NXDOMAIN rewriting under this domain.
	NXDomainProbe bool     `yaml:"nxdomain_probe,omitempty" json:"nxdomain_probe,omitempty"`
	Timeout       Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
}

// PingCheck pings one host.
type PingCheck struct {
	Host     string   `yaml:"host" json:"host"`
	Count    int      `yaml:"count,omitempty" json:"count,omitempty"`
	Interval Duration `yaml:"interval,omitempty" json:"interval,omitempty"`
	Timeout  Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	// Port is used for the TCP-connect fallback when ICMP is not permitted.
	Port int  `yaml:"port,omitempty" json:"port,omitempty"`
	MTU  bool `yaml:"mtu,omitempty" json:"mtu,omitempty"`
}

// Trace runs a traceroute to one host.
type Trace struct {
	Host     string   `yaml:"host" json:"host"`
	MaxHops  int      `yaml:"max_hops,omitempty" json:"max_hops,omitempty"`
	Protocol string   `yaml:"protocol,omitempty" json:"protocol,omitempty"`
	Port     int      `yaml:"port,omitempty" json:"port,omitempty"`
	Timeout  Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
}

// TCPCheck connects to host:port.
type TCPCheck struct {
	Target  string   `yaml:"target" json:"target"`
	Timeout Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
}

// HTTPCheck requests a URL and checks the answer.
type HTTPCheck struct {
	Name         string `yaml:"name,omitempty" json:"name,omitempty"`
	URL          string `yaml:"url" json:"url"`
	Method       string `yaml:"method,omitempty" json:"method,omitempty"`
	ExpectStatus int    `yaml:"expect_status,omitempty" json:"expect_status,omitempty"`
	// HeadersFromEnv maps a header name to the environment variable holding its value;
	// the value itself is never stored.
	HeadersFromEnv map[string]string `yaml:"headers_from_env,omitempty" json:"headers_from_env,omitempty"`
	BodyRegex      string            `yaml:"body_regex,omitempty" json:"body_regex,omitempty"`
	JSONField      string            `yaml:"json_field,omitempty" json:"json_field,omitempty"`
	JSONEquals     string            `yaml:"json_equals,omitempty" json:"json_equals,omitempty"`
	Timeout        Duration          `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	Insecure       bool              `yaml:"insecure,omitempty" json:"insecure,omitempty"`
	// Proxy is an explicit proxy URL ("direct" for none); empty means the environment's
	// HTTPS_PROXY/HTTP_PROXY/NO_PROXY.
	Proxy string `yaml:"proxy,omitempty" json:"proxy,omitempty"`
}

// LogSource names log files to collect.
type LogSource struct {
	Name        string   `yaml:"name" json:"name"`
	Paths       []string `yaml:"paths" json:"paths"`
	Since       Duration `yaml:"since,omitempty" json:"since,omitempty"`
	MaxFileSize Size     `yaml:"max_file_size,omitempty" json:"max_file_size,omitempty"`
}

// Command is an external command whose output is collected.
type Command struct {
	Name      string   `yaml:"name" json:"name"`
	Argv      []string `yaml:"argv,omitempty" json:"argv,omitempty"`
	Shell     bool     `yaml:"shell,omitempty" json:"shell,omitempty"`
	Script    string   `yaml:"script,omitempty" json:"script,omitempty"`
	Timeout   Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	MaxOutput Size     `yaml:"max_output,omitempty" json:"max_output,omitempty"`
	Dir       string   `yaml:"dir,omitempty" json:"dir,omitempty"`
	Env       []string `yaml:"env,omitempty" json:"env,omitempty"`
}

// FileSource names files to copy.
type FileSource struct {
	Name        string   `yaml:"name" json:"name"`
	Paths       []string `yaml:"paths" json:"paths"`
	MaxFileSize Size     `yaml:"max_file_size,omitempty" json:"max_file_size,omitempty"`
}

// Redact configures redaction.
type Redact struct {
	Literals  []string    `yaml:"literals,omitempty" json:"literals,omitempty"`
	Regexes   []RegexRule `yaml:"regexes,omitempty" json:"regexes,omitempty"`
	Keys      []string    `yaml:"keys,omitempty" json:"keys,omitempty"`
	Disable   []string    `yaml:"disable,omitempty" json:"disable,omitempty"`
	Anonymize bool        `yaml:"anonymize,omitempty" json:"anonymize,omitempty"`
	Domains   []string    `yaml:"domains,omitempty" json:"domains,omitempty"`
}

// RegexRule is a vendor redaction rule. Line is where it was declared, for error messages.
type RegexRule struct {
	ID      string `yaml:"id" json:"id"`
	Pattern string `yaml:"pattern" json:"pattern"`
	Line    int    `yaml:"-" json:"-"`
}

// Monitor is one periodic daemon check, shaped like its network entry (http, tcp, dns, ping,
// trace), or a light system sample (load, memory, disk, clock). Exactly one is set.
type Monitor struct {
	Name string `yaml:"name" json:"name"`
	// Interval is the time between two runs (default 60s, at least 1s).
	Interval Duration `yaml:"interval,omitempty" json:"interval,omitempty"`
	// Timeout bounds one run (default: the interval, at most 30s). Runs never overlap: a run
	// that takes longer than the interval skips the runs it overlapped.
	Timeout Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	// Jitter is the most each run is delayed at random past its slot (default a tenth of the
	// interval, at most 5s), so that monitors with the same interval do not fire together.
	Jitter Duration `yaml:"jitter,omitempty" json:"jitter,omitempty"`

	HTTP   *HTTPCheck    `yaml:"http,omitempty" json:"http,omitempty"`
	TCP    *TCPCheck     `yaml:"tcp,omitempty" json:"tcp,omitempty"`
	DNS    *DNSCheck     `yaml:"dns,omitempty" json:"dns,omitempty"`
	Ping   *PingCheck    `yaml:"ping,omitempty" json:"ping,omitempty"`
	Trace  *Trace        `yaml:"trace,omitempty" json:"trace,omitempty"`
	Load   *LoadSample   `yaml:"load,omitempty" json:"load,omitempty"`
	Memory *MemorySample `yaml:"memory,omitempty" json:"memory,omitempty"`
	Disk   *DiskSample   `yaml:"disk,omitempty" json:"disk,omitempty"`
	Clock  *ClockSample  `yaml:"clock,omitempty" json:"clock,omitempty"`

	// Trigger, when set, collects a bundle when the monitor fails often enough in a row.
	Trigger *Trigger `yaml:"trigger,omitempty" json:"trigger,omitempty"`
}

// Check names the monitor's check: http, tcp, dns, ping, trace, load, memory, disk or clock.
func (m *Monitor) Check() string {
	switch {
	case m.HTTP != nil:
		return "http"
	case m.TCP != nil:
		return "tcp"
	case m.DNS != nil:
		return "dns"
	case m.Ping != nil:
		return "ping"
	case m.Trace != nil:
		return "trace"
	case m.Load != nil:
		return "load"
	case m.Memory != nil:
		return "memory"
	case m.Disk != nil:
		return "disk"
	case m.Clock != nil:
		return "clock"
	}
	return ""
}

// LoadSample records the 1-minute load average; it fails above Max (0: never fails).
type LoadSample struct {
	Max float64 `yaml:"max,omitempty" json:"max,omitempty"`
}

// MemorySample records the share of memory in use; it fails above MaxUsedPercent (0: never).
type MemorySample struct {
	MaxUsedPercent float64 `yaml:"max_used_percent,omitempty" json:"max_used_percent,omitempty"`
}

// DiskSample records the share of the filesystem holding Path in use (default "/"); it fails
// above MaxUsedPercent (0: never).
type DiskSample struct {
	Path           string  `yaml:"path,omitempty" json:"path,omitempty"`
	MaxUsedPercent float64 `yaml:"max_used_percent,omitempty" json:"max_used_percent,omitempty"`
}

// ClockSample records the kernel's clock offset (Linux adjtimex; elsewhere the sample says it
// is not available); it fails when the clock is unsynchronised or off by more than MaxOffset
// (0: only when unsynchronised).
type ClockSample struct {
	MaxOffset Duration `yaml:"max_offset,omitempty" json:"max_offset,omitempty"`
}

// Trigger collects a bundle when a monitor has failed FailuresInARow times in a row, at most
// once per MinInterval for that monitor, keeping at most Keep triggered bundles; Upload sends
// each to the spec's upload target.
type Trigger struct {
	FailuresInARow int      `yaml:"failures_in_a_row" json:"failures_in_a_row"`
	MinInterval    Duration `yaml:"min_interval,omitempty" json:"min_interval,omitempty"`
	Keep           int      `yaml:"keep,omitempty" json:"keep,omitempty"`
	Upload         bool     `yaml:"upload,omitempty" json:"upload,omitempty"`
}

// DaemonCfg holds the daemon's own settings.
type DaemonCfg struct {
	// HistoryMaxAge and HistoryMaxSize bound the monitors' history (default 7d, 64MiB).
	HistoryMaxAge  Duration `yaml:"history_max_age,omitempty" json:"history_max_age,omitempty"`
	HistoryMaxSize Size     `yaml:"history_max_size,omitempty" json:"history_max_size,omitempty"`
	// HistoryWindow is how much history a bundle holds as daemon/history.jsonl (default 24h).
	HistoryWindow Duration `yaml:"history_window,omitempty" json:"history_window,omitempty"`
	// SocketGroup names the group whose members may use the local API besides root.
	SocketGroup string `yaml:"socket_group,omitempty" json:"socket_group,omitempty"`
}

// Analyzer is a vendor-defined finding: either a condition on a field of a collected JSON
// document (File, Where, Field, Op, Value) or a regular expression over collected files (Files,
// Regex, MinCount). The finding it gives has ID, Severity, Title, Detail and NextStep.
type Analyzer struct {
	ID       string `yaml:"id" json:"id"`
	Severity string `yaml:"severity" json:"severity"`
	Title    string `yaml:"title" json:"title"`
	Detail   string `yaml:"detail,omitempty" json:"detail,omitempty"`
	NextStep string `yaml:"next_step,omitempty" json:"next_step,omitempty"`

	// File is a bundle path of a JSON document (network/http.json). Records, when set, is the
	// dotted path of the list whose elements are checked (default: "results" when the document
	// has that list, else the document itself). Where keeps the records that satisfy every
	// comparison (`name == "api" && status != 200`); Field Op Value is the condition that
	// makes a finding, one per record.
	File    string `yaml:"file,omitempty" json:"file,omitempty"`
	Records string `yaml:"records,omitempty" json:"records,omitempty"`
	Where   string `yaml:"where,omitempty" json:"where,omitempty"`
	Field   string `yaml:"field,omitempty" json:"field,omitempty"`
	Op      string `yaml:"op,omitempty" json:"op,omitempty"`
	Value   any    `yaml:"value,omitempty" json:"value,omitempty"`

	// Files are bundle-path globs (logs/app/**/*.log); Regex is matched against each line;
	// the finding is made when at least MinCount lines match (default 1).
	Files    []string `yaml:"files,omitempty" json:"files,omitempty"`
	Regex    string   `yaml:"regex,omitempty" json:"regex,omitempty"`
	MinCount int      `yaml:"min_count,omitempty" json:"min_count,omitempty"`
}

// BundleCfg configures the archive.
type BundleCfg struct {
	Format  string `yaml:"format,omitempty" json:"format,omitempty"`
	MaxSize Size   `yaml:"max_size,omitempty" json:"max_size,omitempty"`
}

// Upload names where bundles go.
type Upload struct {
	URL       string `yaml:"url" json:"url"`
	Recipient string `yaml:"recipient,omitempty" json:"recipient,omitempty"`
	// Consent decides remote requests from the intake (docs/remote.md): auto, ask (default) or never.
	Consent string `yaml:"consent,omitempty" json:"consent,omitempty"`
}

// Defaults used when a spec leaves a value out.
const (
	DefaultTimeout          = 30 * time.Second
	DefaultConcurrency      = 8
	DefaultMaxFileSize      = 10 << 20
	DefaultMaxCollectorSize = 100 << 20
	DefaultMaxBundleSize    = 500 << 20
	DefaultFormat           = "tar.gz"
	DefaultLogSince         = 24 * time.Hour

	DefaultMonitorInterval = 60 * time.Second
	MinMonitorInterval     = time.Second
	MaxMonitorTimeout      = 30 * time.Second
	MaxMonitorJitter       = 5 * time.Second
	DefaultTriggerInterval = time.Hour
	DefaultTriggerKeep     = 5
	DefaultHistoryMaxAge   = 7 * 24 * time.Hour
	DefaultHistoryMaxSize  = 64 << 20
	DefaultHistoryWindow   = 24 * time.Hour
	DefaultDiskSamplePath  = "/"
)

// TimeoutFor returns the timeout for the named collector.
func (s *Spec) TimeoutFor(name string) time.Duration {
	if d, ok := s.Collectors.Timeouts[name]; ok && d > 0 {
		return time.Duration(d)
	}
	if s.Collectors.Timeout > 0 {
		return time.Duration(s.Collectors.Timeout)
	}
	return DefaultTimeout
}
