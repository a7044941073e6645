package system

import (
	"context"
	"runtime"
	"sort"
	"strings"

	"github.com/shirou/gopsutil/v3/cpu"
	"github.com/shirou/gopsutil/v3/mem"
)

// maxEnvValue is the largest environment value kept in environment.json; bigger ones (exported
// shell functions, certificate bundles) are listed by name and size only.
const maxEnvValue = 4 << 10

// Facts is the bundle's environment.json: what stays the same between two runs on one
// machine. Nothing time-varying (uptime, load, processes) belongs here.
type Facts struct {
	Platform
	// Arch is the architecture casefile was built for (amd64, arm64).
	Arch       string     `json:"arch"`
	Timezone   string     `json:"timezone"`
	Locale     Locale     `json:"locale"`
	Privileges Privileges `json:"privileges"`
	CPUModel   string     `json:"cpu_model"`
	CPUCount   int        `json:"cpu_count"`
	// MemoryTotalBytes is the RAM the OS manages.
	MemoryTotalBytes uint64 `json:"memory_total_bytes"`
	// Env holds the values of the allowlisted environment variables only (see KeepEnv); they
	// pass through the bundle's redactor like every other byte.
	Env map[string]string `json:"env"`
	// EnvWithheld lists every other variable by name and value length: a value is denied by
	// default, since a name says too little about whether it holds a secret (SSHPASS,
	// KUBECONFIG_DATA, MY_SECRET_THING).
	EnvWithheld []OmittedVar `json:"env_withheld"`
	// EnvOmitted lists allowlisted variables whose values were longer than 4 KiB, with sizes.
	EnvOmitted []OmittedVar `json:"env_omitted"`
}

// envAllow are the variables whose values environment.json keeps by default: they describe how
// the process runs and hold no secret (proxy URLs pass through the URL-password rule).
var envAllow = map[string]bool{
	"PATH": true, "HOME": true, "SHELL": true, "TERM": true, "TZ": true, "LANG": true, "LANGUAGE": true,
	"HTTP_PROXY": true, "HTTPS_PROXY": true, "NO_PROXY": true, "ALL_PROXY": true, "FTP_PROXY": true,
}

// KeepEnv reports whether environment.json keeps the value of variable name: the allowlist
// (PATH, HOME, SHELL, TERM, TZ, LANG, LANGUAGE, LC_*, the proxy variables in either case) or a
// name the spec lists in environment.keep (exact, case-sensitive).
func KeepEnv(name string, keep []string) bool {
	if envAllow[name] || strings.HasPrefix(name, "LC_") {
		return true
	}
	if u := strings.ToUpper(name); strings.HasSuffix(u, "_PROXY") && envAllow[u] && name == strings.ToLower(name) {
		return true
	}
	for _, k := range keep {
		if k == name {
			return true
		}
	}
	return false
}

// Locale is the process's locale variables and the system default.
type Locale struct {
	Lang       string `json:"lang"`
	LCAll      string `json:"lc_all"`
	LCCtype    string `json:"lc_ctype"`
	LCMessages string `json:"lc_messages"`
	// System is the system-wide default (Linux: LANG in /etc/default/locale or /etc/locale.conf).
	System string `json:"system"`
}

// Privileges says what casefile could read: root/administrator or not.
type Privileges struct {
	UID    int   `json:"uid"`
	EUID   int   `json:"euid"`
	GID    int   `json:"gid"`
	EGID   int   `json:"egid"`
	Groups []int `json:"groups"`
	// Elevated is true for root (euid 0) or an elevated Windows administrator token.
	Elevated bool `json:"elevated"`
}

// OmittedVar names an environment variable left out for size.
type OmittedVar struct {
	Name  string `json:"name"`
	Bytes int    `json:"bytes"`
}

// EnvOptions say where environment facts come from.
type EnvOptions struct {
	// Root prefixes host files ("/" for the live machine).
	Root string
	// Environ is the process environment as KEY=value (the caller injects it).
	Environ []string
	// Keep names further variables whose values are kept (the spec's environment.keep).
	Keep []string
}

// Environment gathers the machine's stable facts, reading host files under o.Root. It returns
// what it found even when some parts failed, with the joined errors.
func Environment(ctx context.Context, o EnvOptions) (Facts, error) {
	s, err := newSource(o.Root)
	if err != nil {
		return Facts{}, err
	}
	environ := o.Environ
	s.environ = func() []string { return environ }
	return environment(ctx, s, o.Keep)
}

func environment(ctx context.Context, s *source, keep []string) (Facts, error) {
	var p problems
	e := Facts{Env: map[string]string{}, EnvWithheld: []OmittedVar{}, EnvOmitted: []OmittedVar{}}
	e.Platform = platformFacts(ctx, s, &p)
	e.Arch = runtime.GOARCH
	e.Timezone, _ = timezone(s)
	e.Locale = Locale{Lang: s.getenv("LANG"), LCAll: s.getenv("LC_ALL"), LCCtype: s.getenv("LC_CTYPE"),
		LCMessages: s.getenv("LC_MESSAGES"), System: systemLocale(s)}
	e.Privileges = privileges()

	g := s.gctx(ctx)
	if infos, err := cpu.InfoWithContext(g); err == nil && len(infos) > 0 {
		e.CPUModel = infos[0].ModelName
	} else {
		p.add("cpu info", err)
	}
	n, err := cpu.CountsWithContext(g, true)
	p.add("cpu count", err)
	e.CPUCount = n
	if vm, err := mem.VirtualMemoryWithContext(g); err == nil {
		e.MemoryTotalBytes = vm.Total
	} else {
		p.add("memory", err)
	}

	for _, kv := range s.environ() {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			continue // Windows keeps per-drive working directories as "=C:=C:\\..."
		}
		if !KeepEnv(k, keep) {
			e.EnvWithheld = append(e.EnvWithheld, OmittedVar{Name: k, Bytes: len(v)})
			continue
		}
		if len(v) > maxEnvValue {
			e.EnvOmitted = append(e.EnvOmitted, OmittedVar{Name: k, Bytes: len(v)})
			continue
		}
		e.Env[k] = v
	}
	sort.Slice(e.EnvOmitted, func(a, b int) bool { return e.EnvOmitted[a].Name < e.EnvOmitted[b].Name })
	sort.Slice(e.EnvWithheld, func(a, b int) bool { return e.EnvWithheld[a].Name < e.EnvWithheld[b].Name })
	return e, p.err()
}

// systemLocale reads the system default LANG from Debian's and systemd's locale files.
func systemLocale(s *source) string {
	for _, p := range []string{"/etc/default/locale", "/etc/locale.conf"} {
		if b, err := s.readFile(p, 64<<10); err == nil {
			m := parseEnvFile(b)
			if v := m["LANG"]; v != "" {
				return v
			}
			if v := m["LC_ALL"]; v != "" {
				return v
			}
		}
	}
	return ""
}
