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
	// Env holds every environment variable of casefile's process; values pass through the
	// bundle's redactor like every other byte.
	Env map[string]string `json:"env"`
	// EnvOmitted lists variables whose values were longer than 4 KiB, with their sizes.
	EnvOmitted []OmittedVar `json:"env_omitted"`
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

// Environment gathers the machine's stable facts, reading host files under root ("/" for the
// live machine). It returns what it found even when some parts failed, with the joined errors.
func Environment(ctx context.Context, root string) (Facts, error) {
	s, err := newSource(root)
	if err != nil {
		return Facts{}, err
	}
	return environment(ctx, s)
}

func environment(ctx context.Context, s *source) (Facts, error) {
	var p problems
	e := Facts{Env: map[string]string{}, EnvOmitted: []OmittedVar{}}
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
		if len(v) > maxEnvValue {
			e.EnvOmitted = append(e.EnvOmitted, OmittedVar{Name: k, Bytes: len(v)})
			continue
		}
		e.Env[k] = v
	}
	sort.Slice(e.EnvOmitted, func(a, b int) bool { return e.EnvOmitted[a].Name < e.EnvOmitted[b].Name })
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
