package system

import (
	"bytes"
	"strings"
)

// dmiVendors maps DMI sys_vendor/product_name fragments to hypervisors (systemd-detect-virt's list).
var dmiVendors = []struct{ match, system string }{
	{"KVM", "kvm"},
	{"Amazon EC2", "kvm"},
	{"QEMU", "qemu"},
	{"VMware", "vmware"},
	{"VMW", "vmware"},
	{"innotek GmbH", "oracle"},
	{"VirtualBox", "oracle"},
	{"Oracle Corporation", "oracle"},
	{"Xen", "xen"},
	{"Bochs", "bochs"},
	{"Parallels", "parallels"},
	{"BHYVE", "bhyve"},
	{"Google Compute Engine", "google"},
	{"Microsoft Corporation", "microsoft"},
	{"Apple Virtualization", "apple"},
}

// detectVirtualization reads, under the root, what systemd-detect-virt reads for VMs: the
// hypervisor CPU flag, DMI strings, /sys/hypervisor and the Xen and KVM traces. Unlike gopsutil's
// detection it caches nothing, so a second root gives a second answer.
func detectVirtualization(s *source) Virtualization {
	v := Virtualization{Evidence: []string{}}
	cpuinfo, _ := s.readFile("/proc/cpuinfo", 4<<20)
	guestFlag := false
	for _, line := range strings.Split(string(cpuinfo), "\n") {
		if k, val, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "flags" {
			for _, f := range strings.Fields(val) {
				if f == "hypervisor" {
					guestFlag = true
				}
			}
			break
		}
	}
	if guestFlag {
		v.Role = "guest"
		v.Evidence = append(v.Evidence, "/proc/cpuinfo: hypervisor flag")
	}
	if t := s.firstLine("/sys/hypervisor/type"); t != "" {
		v.System, v.Role = t, "guest"
		v.Evidence = append(v.Evidence, "/sys/hypervisor/type: "+t)
	}
	if v.System == "" {
		for _, f := range []string{"sys_vendor", "product_name", "board_vendor", "bios_vendor"} {
			val := s.firstLine("/sys/class/dmi/id/" + f)
			if val == "" {
				continue
			}
			for _, d := range dmiVendors {
				if strings.HasPrefix(val, d.match) {
					v.System, v.Role = d.system, "guest"
					v.Evidence = append(v.Evidence, "/sys/class/dmi/id/"+f+": "+val)
					break
				}
			}
			if v.System != "" {
				break
			}
		}
	}
	if v.System == "" && s.exists("/proc/xen") {
		v.System, v.Role = "xen", "guest"
		if caps := s.firstLine("/proc/xen/capabilities"); strings.Contains(caps, "control_d") {
			v.Role = "host"
		}
		v.Evidence = append(v.Evidence, "/proc/xen")
	}
	if v.System == "" && guestFlag {
		v.System = "unknown"
	}
	if v.System == "" {
		mods, _ := s.readFile("/proc/modules", 1<<20)
		for _, line := range bytes.Split(mods, []byte("\n")) {
			name, _, _ := bytes.Cut(line, []byte(" "))
			switch string(name) {
			case "kvm_intel", "kvm_amd", "kvm":
				v.System, v.Role = "kvm", "host"
			case "vboxdrv":
				v.System, v.Role = "oracle", "host"
			}
			if v.System != "" {
				v.Evidence = append(v.Evidence, "/proc/modules: "+string(name))
				break
			}
		}
	}
	return v
}

// cgroupRuntimes maps cgroup path marks to container runtimes. The marks include their
// separators so that host services with similar names (lxcfs.service, containerd.service) do
// not count.
var cgroupRuntimes = []struct{ match, runtime string }{
	{"/libpod-", "podman"},
	{"/libpod_parent/", "podman"},
	{"/docker/", "docker"},
	{"/docker-", "docker"},
	{"/lxc/", "lxc"},
	{"/lxc.payload", "lxc"},
	{"/cri-containerd-", "containerd"},
	{"/crio-", "cri-o"},
	{"/machine.slice/machine-", "systemd-nspawn"},
}

// detectContainer looks for the marks container runtimes leave: /.dockerenv, /run/.containerenv,
// /run/systemd/container, container= in PID 1's environment, runtime names in cgroup paths,
// Kubernetes service-account mounts and variables, and WSL's kernel name.
func detectContainer(s *source) Container {
	c := Container{Evidence: []string{}}
	set := func(runtime, evidence string) {
		c.Detected = true
		if c.Runtime == "" {
			c.Runtime = runtime
		}
		c.Evidence = append(c.Evidence, evidence)
	}
	if s.exists("/.dockerenv") {
		set("docker", "/.dockerenv")
	}
	if s.exists("/run/.containerenv") {
		set("podman", "/run/.containerenv")
	}
	if name := s.firstLine("/run/systemd/container"); name != "" {
		set(name, "/run/systemd/container: "+name)
	}
	if env, err := s.readFile("/proc/1/environ", 1<<20); err == nil {
		for _, kv := range bytes.Split(env, []byte{0}) {
			if v, ok := bytes.CutPrefix(kv, []byte("container=")); ok && len(v) > 0 {
				set(string(v), "/proc/1/environ: container="+string(v))
			}
		}
	}
	for _, p := range []string{"/proc/1/cgroup", "/proc/self/cgroup"} {
		b, err := s.readFile(p, 1<<20)
		if err != nil {
			continue
		}
		found := false
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "kubepods") && !c.Kubernetes {
				c.Kubernetes = true
				c.Evidence = append(c.Evidence, p+": kubepods")
			}
			for _, r := range cgroupRuntimes {
				if !found && strings.Contains(line, r.match) {
					set(r.runtime, p+": "+r.match)
					found = true
				}
			}
		}
		if found {
			break
		}
	}
	if s.exists("/var/run/secrets/kubernetes.io/serviceaccount") {
		c.Kubernetes = true
		c.Evidence = append(c.Evidence, "/var/run/secrets/kubernetes.io/serviceaccount")
	}
	if s.isHost && s.getenv("KUBERNETES_SERVICE_HOST") != "" {
		c.Kubernetes = true
		c.Evidence = append(c.Evidence, "env: KUBERNETES_SERVICE_HOST")
	}
	if c.Kubernetes {
		c.Detected = true
	}
	rel := strings.ToLower(s.firstLine("/proc/sys/kernel/osrelease"))
	if strings.Contains(rel, "microsoft") || strings.Contains(rel, "wsl") {
		set("wsl", "/proc/sys/kernel/osrelease: "+rel)
	}
	return c
}
