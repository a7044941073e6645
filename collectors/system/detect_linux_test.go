package system

import (
	"os"
	"path/filepath"
	"testing"
)

// tree writes files (path → content) under a new root.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, c := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestDetectContainer(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  Container
	}{
		{"bare host", map[string]string{"/proc/1/cgroup": "0::/init.scope\n", "/proc/sys/kernel/osrelease": "6.1.0-13-amd64\n"},
			Container{Evidence: []string{}}},
		{"podman", map[string]string{"/run/.containerenv": "engine=\"podman-4.3.1\"\n", "/proc/1/cgroup": "0::/\n"},
			Container{Detected: true, Runtime: "podman", Evidence: []string{"/run/.containerenv"}}},
		{"docker cgroup v1", map[string]string{"/proc/1/cgroup": "12:pids:/docker/3f2a\n11:memory:/docker/3f2a\n"},
			Container{Detected: true, Runtime: "docker", Evidence: []string{"/proc/1/cgroup: /docker/"}}},
		{"docker, systemd cgroup driver", map[string]string{"/proc/1/cgroup": "0::/system.slice/docker-3f2a.scope\n"},
			Container{Detected: true, Runtime: "docker", Evidence: []string{"/proc/1/cgroup: /docker-"}}},
		{"host running lxcfs and containerd services", map[string]string{
			"/proc/1/cgroup":    "0::/init.scope\n",
			"/proc/self/cgroup": "0::/system.slice/lxcfs.service\n1:name=x:/system.slice/containerd.service\n"},
			Container{Evidence: []string{}}},
		{"lxc via pid 1 environment", map[string]string{"/proc/1/environ": "PATH=/bin\x00container=lxc\x00"},
			Container{Detected: true, Runtime: "lxc", Evidence: []string{"/proc/1/environ: container=lxc"}}},
		{"systemd-nspawn", map[string]string{"/run/systemd/container": "systemd-nspawn\n"},
			Container{Detected: true, Runtime: "systemd-nspawn", Evidence: []string{"/run/systemd/container: systemd-nspawn"}}},
		{"kubernetes with containerd", map[string]string{
			"/proc/1/cgroup": "0::/kubepods.slice/kubepods-burstable.slice/cri-containerd-9a8b.scope\n",
			"/var/run/secrets/kubernetes.io/serviceaccount/token": "x"},
			Container{Detected: true, Runtime: "containerd", Kubernetes: true, Evidence: []string{
				"/proc/1/cgroup: kubepods", "/proc/1/cgroup: /cri-containerd-",
				"/var/run/secrets/kubernetes.io/serviceaccount"}}},
		{"wsl2", map[string]string{"/proc/sys/kernel/osrelease": "5.15.133.1-microsoft-standard-WSL2\n"},
			Container{Detected: true, Runtime: "wsl", Evidence: []string{
				"/proc/sys/kernel/osrelease: 5.15.133.1-microsoft-standard-wsl2"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := detectContainer(fixtureSource(t, tree(t, tc.files)))
			same(t, tc.name, got, tc.want)
		})
	}
}

func TestDetectVirtualization(t *testing.T) {
	flags := "processor\t: 0\nflags\t\t: fpu sse2 hypervisor\n\n"
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  Virtualization
	}{
		{"bare metal", map[string]string{"/proc/cpuinfo": "processor\t: 0\nflags\t\t: fpu sse2\n\n",
			"/sys/class/dmi/id/sys_vendor": "Dell Inc.\n"},
			Virtualization{Evidence: []string{}}},
		{"vmware", map[string]string{"/proc/cpuinfo": flags, "/sys/class/dmi/id/sys_vendor": "VMware, Inc.\n"},
			Virtualization{System: "vmware", Role: "guest", Evidence: []string{
				"/proc/cpuinfo: hypervisor flag", "/sys/class/dmi/id/sys_vendor: VMware, Inc."}}},
		{"hyper-v", map[string]string{"/proc/cpuinfo": flags, "/sys/class/dmi/id/sys_vendor": "Microsoft Corporation\n"},
			Virtualization{System: "microsoft", Role: "guest", Evidence: []string{
				"/proc/cpuinfo: hypervisor flag", "/sys/class/dmi/id/sys_vendor: Microsoft Corporation"}}},
		{"aws nitro via product name", map[string]string{"/proc/cpuinfo": flags,
			"/sys/class/dmi/id/sys_vendor": "Amazon.com, Inc.\n", "/sys/class/dmi/id/product_name": "Amazon EC2\n"},
			Virtualization{System: "kvm", Role: "guest", Evidence: []string{
				"/proc/cpuinfo: hypervisor flag", "/sys/class/dmi/id/product_name: Amazon EC2"}}},
		{"xen", map[string]string{"/sys/hypervisor/type": "xen\n"},
			Virtualization{System: "xen", Role: "guest", Evidence: []string{"/sys/hypervisor/type: xen"}}},
		{"unknown hypervisor (firecracker: no DMI)", map[string]string{"/proc/cpuinfo": flags},
			Virtualization{System: "unknown", Role: "guest", Evidence: []string{"/proc/cpuinfo: hypervisor flag"}}},
		{"kvm host", map[string]string{"/proc/cpuinfo": "flags\t\t: fpu vmx\n",
			"/proc/modules": "kvm_intel 372736 0 - Live 0x0\nkvm 1142784 1 kvm_intel, Live 0x0\n"},
			Virtualization{System: "kvm", Role: "host", Evidence: []string{"/proc/modules: kvm_intel"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := detectVirtualization(fixtureSource(t, tree(t, tc.files)))
			same(t, tc.name, got, tc.want)
		})
	}
}

func TestPlatformFamily(t *testing.T) {
	for _, tc := range []struct{ id, like, want string }{
		{"ubuntu", "debian", "debian"}, {"rocky", "rhel centos fedora", "rhel"},
		{"opensuse-leap", "suse opensuse", "suse"}, {"alpine", "", "alpine"},
		{"pop", "ubuntu debian", "debian"}, {"mycorp", "rhel fedora", "rhel"},
		{"mycorp", "weird", "weird"}, {"mycorp", "", "mycorp"},
	} {
		if got := platformFamily(tc.id, tc.like); got != tc.want {
			t.Errorf("platformFamily(%q, %q) = %q, want %q", tc.id, tc.like, got, tc.want)
		}
	}
}

func TestParseEnvFileQuotes(t *testing.T) {
	got := parseEnvFile([]byte("# comment\nA=plain\nB=\"double \\\"q\\\" $x\"\nC='single'\nexport D=exp\nbroken\n E = spaced \n"))
	same(t, "env file", got, map[string]string{"A": "plain", "B": `double "q" $x`, "C": "single", "D": "exp", "E": "spaced"})
}
