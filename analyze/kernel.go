package analyze

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// kernelSources are the bundle files that carry kernel messages: the dmesg, journald and syslog
// log collectors and the dmesg default command.
func kernelSources(src Source) []string {
	var out []string
	for _, p := range src.List() {
		parts := strings.Split(p, "/")
		switch {
		case len(parts) >= 3 && parts[0] == "logs" && isKernelLog(parts[1]):
			out = append(out, p)
		case p == "commands/dmesg-tail/stdout.txt", p == "commands/dmesg/stdout.txt":
			out = append(out, p)
		}
	}
	return out
}

func isKernelLog(name string) bool {
	switch name {
	case "dmesg", "journald", "syslog", "kern", "kernel":
		return true
	}
	return false
}

type kernelPattern struct {
	id       string
	sev      Severity
	re       *regexp.Regexp
	target   func(m []string) string
	title    func(target string, n int) string
	detail   string
	nextStep func(target string) string
}

var kernelPatterns = []kernelPattern{
	{
		id: "kernel.oom_kill", sev: Critical,
		re:     regexp.MustCompile(`(?:Out of memory|Memory cgroup out of memory): Kill(?:ed)? process (\d+) \(([^)]+)\)`),
		target: func(m []string) string { return m[2] },
		title: func(t string, n int) string {
			return fmt.Sprintf("The kernel killed %s for lack of memory%s", t, times(n))
		},
		detail: "The OOM killer ended the process to free memory (for a memory cgroup: the container or service hit its limit).",
		nextStep: func(t string) string {
			return fmt.Sprintf("Find what used the memory (the OOM report lines before the kill list every process's RSS); raise the memory limit of %s's container or service, or fix its growth.", t)
		},
	},
	{
		id: "kernel.segfault", sev: Warning,
		re: regexp.MustCompile(`(?:^|\s)([^\s\[\]]+)\[(\d+)\]: segfault at |traps: ([^\s\[\]]+)\[(\d+)\] general protection`),
		target: func(m []string) string {
			if m[1] != "" {
				return m[1]
			}
			return m[3]
		},
		title: func(t string, n int) string {
			return fmt.Sprintf("Process %s crashed (segmentation fault)%s", t, times(n))
		},
		detail: "The process accessed memory it may not and was killed by the kernel; the line names the faulting library.",
		nextStep: func(t string) string {
			return fmt.Sprintf("Look for a core dump (`coredumpctl list %s`) and the version of %s and the library named in the line; report it to the software's vendor.", t, t)
		},
	},
	{
		id: "kernel.io_error", sev: Critical,
		re: regexp.MustCompile(`I/O error,? (?:on )?dev(?:ice)? ([A-Za-z0-9_\-]+)|EXT4-fs error \(device ([^)]+)\)`),
		target: func(m []string) string {
			if m[1] != "" {
				return m[1]
			}
			return m[2]
		},
		title: func(t string, n int) string {
			return fmt.Sprintf("Disk I/O errors on %s%s", t, times(n))
		},
		detail: "The kernel could not read or write blocks of this device, or the filesystem on it found an error. Data may be lost and the filesystem may turn read-only.",
		nextStep: func(t string) string {
			return fmt.Sprintf("Check the device's health (`smartctl -a /dev/%s`, the hypervisor's storage), back up its data, and run a filesystem check once it is unmounted.", t)
		},
	},
	{
		id: "kernel.hung_task", sev: Warning,
		re:     regexp.MustCompile(`task ([^\s:]+):(\d+) blocked for more than (\d+) seconds`),
		target: func(m []string) string { return m[1] },
		title: func(t string, n int) string {
			return fmt.Sprintf("Task %s hung for minutes in the kernel%s", t, times(n))
		},
		detail: "The task waited uninterruptibly (state D) past the kernel's hung-task timeout, usually on storage or a network filesystem that stopped answering.",
		nextStep: func(t string) string {
			return "Look at storage and NFS/CIFS mounts (system/disks.json, kernel I/O errors) around that time; the stack trace after the line shows what it waited for."
		},
	},
}

func times(n int) string {
	if n <= 1 {
		return ""
	}
	return fmt.Sprintf(" (%d times)", n)
}

// analyzeKernel finds OOM kills, segfaults, disk I/O errors and hung tasks in kernel logs. The
// same event shows in several sources (dmesg, journald, the dmesg command), so a finding's count
// is the most found in any one source, and each source it shows in is evidence.
func analyzeKernel(src Source) []Finding {
	type hit struct {
		count    map[string]int // per source file
		evidence []Evidence
		example  string
	}
	hits := map[string]*hit{} // id|target
	for _, p := range kernelSources(src) {
		data, err := src.ReadFile(p)
		if err != nil || strings.HasSuffix(p, ".json") {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		line := 0
		for sc.Scan() {
			line++
			text := sc.Text()
			for _, kp := range kernelPatterns {
				m := kp.re.FindStringSubmatch(text)
				if m == nil {
					continue
				}
				t := kp.target(m)
				k := kp.id + "|" + t
				h := hits[k]
				if h == nil {
					h = &hit{count: map[string]int{}, example: strings.TrimSpace(text)}
					hits[k] = h
				}
				if h.count[p] == 0 && len(h.evidence) < 5 {
					h.evidence = append(h.evidence, Evidence{Path: p, Line: line})
				}
				h.count[p]++
			}
		}
	}
	keys := make([]string, 0, len(hits))
	for k := range hits {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []Finding
	for _, k := range keys {
		id, target, _ := strings.Cut(k, "|")
		h := hits[k]
		n := 0
		for _, c := range h.count {
			n = max(n, c)
		}
		for _, kp := range kernelPatterns {
			if kp.id != id {
				continue
			}
			example := h.example
			if len(example) > 300 {
				example = example[:300] + "…"
			}
			out = append(out, Finding{ID: id, Severity: kp.sev, Target: target, Evidence: h.evidence,
				Title:    kp.title(target, n),
				Detail:   kp.detail + " First seen: " + example,
				NextStep: kp.nextStep(target)})
		}
	}
	return out
}
