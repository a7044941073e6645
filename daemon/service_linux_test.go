package daemon

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/kardianos/service"

	"github.com/casefile/casefile/internal/testenv"
)

// TestSystemdUnitInstall installs the service through the library's real Install, into a
// private mount namespace where /etc/systemd/system is a fresh tmpfs (the machine's own is never
// touched), checks the unit and the enable link, verifies the unit with systemd-analyze verify,
// then uninstalls it. systemctl (enable, disable, daemon-reload) runs for real, offline
// (SYSTEMD_OFFLINE=1): it never asks a running systemd to act on the machine's own units.
func TestSystemdUnitInstall(t *testing.T) {
	testenv.NeedRoot(t)
	analyze := testenv.NeedTool(t, "systemd-analyze")
	testenv.NeedTool(t, "systemctl")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The library picks its service manager by looking at the machine; with no systemd running
	// it would pick another. Its detection counts an rpm-ostree program on PATH as systemd.
	shim := t.TempDir()
	if err := os.WriteFile(filepath.Join(shim, "rpm-ostree"), []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", shim+":"+os.Getenv("PATH"))
	t.Setenv("SYSTEMD_OFFLINE", "1")
	service.ChooseSystem(service.AvailableSystems()...)
	t.Cleanup(func() {
		os.Setenv("PATH", strings.TrimPrefix(os.Getenv("PATH"), shim+":"))
		service.ChooseSystem(service.AvailableSystems()...)
	})
	if p := ServicePlatform(); p != "linux-systemd" {
		t.Fatalf("service platform %q, want linux-systemd", p)
	}

	state := filepath.Join(t.TempDir(), "state")
	cfg := ServiceConfig{Executable: exe, Spec: "/etc/casefile/acme 100%.yaml", StateDir: state, Socket: "/run/casefile/casefile.sock"}
	type result struct {
		unit, link            string
		installErr, removeErr error
		leftUnit, leftLink    bool
		err                   error
	}
	done := make(chan result, 1)
	go func() {
		// The namespace belongs to this thread alone; it is never unlocked, so the thread ends
		// with the goroutine and the namespace with it.
		runtime.LockOSThread()
		var r result
		defer func() { done <- r }()
		if r.err = syscall.Unshare(syscall.CLONE_NEWNS); r.err != nil {
			return
		}
		if r.err = syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); r.err != nil {
			return
		}
		if r.err = syscall.Mount("tmpfs", "/etc/systemd/system", "tmpfs", 0, "mode=0755"); r.err != nil {
			return
		}
		r.installErr = InstallService(cfg)
		b, err := os.ReadFile("/etc/systemd/system/casefile.service")
		if err != nil {
			r.err = err
			return
		}
		r.unit = string(b)
		r.link, _ = os.Readlink("/etc/systemd/system/multi-user.target.wants/casefile.service")
		r.removeErr = UninstallService(cfg)
		_, err = os.Stat("/etc/systemd/system/casefile.service")
		r.leftUnit = !errors.Is(err, os.ErrNotExist)
		_, err = os.Lstat("/etc/systemd/system/multi-user.target.wants/casefile.service")
		r.leftLink = !errors.Is(err, os.ErrNotExist)
	}()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if _, err := os.Stat("/etc/systemd/system/casefile.service"); err == nil {
		t.Fatal("the machine's /etc/systemd/system holds a casefile.service")
	}
	if r.installErr != nil || r.removeErr != nil {
		t.Fatalf("install: %v; uninstall: %v", r.installErr, r.removeErr)
	}
	if r.link != "/etc/systemd/system/casefile.service" {
		t.Fatalf("enable link %q (install: %v)", r.link, r.installErr)
	}
	if r.leftUnit || r.leftLink {
		t.Fatalf("uninstall left the unit (%v) or the link (%v): %v", r.leftUnit, r.leftLink, r.removeErr)
	}
	if st, err := os.Stat(state); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("state folder: %v %v", st, err)
	}
	for _, want := range []string{
		"ExecStart=" + exe + ` "daemon" "--spec" "/etc/casefile/acme 100%%.yaml" "--state-dir" "` + state + `" "--socket" "/run/casefile/casefile.sock"`,
		"ExecReload=/bin/kill -HUP $MAINPID",
		"ReadWritePaths=-" + state + " -/run/casefile",
		"CapabilityBoundingSet=CAP_NET_RAW CAP_DAC_READ_SEARCH CAP_CHOWN CAP_FOWNER",
		"ProtectSystem=strict",
		"NoNewPrivileges=yes",
		"WantedBy=multi-user.target",
	} {
		if !strings.Contains(r.unit, want+"\n") {
			t.Errorf("the unit lacks %q:\n%s", want, r.unit)
		}
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "casefile.service")
	if err := os.WriteFile(p, []byte(r.unit), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", p).CombinedOutput()
	if err != nil || strings.Contains(string(out), "casefile.service") {
		t.Fatalf("systemd-analyze verify: %v\n%s\n%s", err, out, r.unit)
	}
}

// TestServiceConfigRefusals: what would break a service file is refused before anything is
// written.
func TestServiceConfigRefusals(t *testing.T) {
	good := ServiceConfig{Executable: "/usr/bin/casefile", StateDir: "/var/lib/casefile", Socket: "/run/casefile/casefile.sock"}
	if err := good.check(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		edit func(*ServiceConfig)
		want string
	}{
		{"relative state", func(c *ServiceConfig) { c.StateDir = "state" }, "absolute"},
		{"newline in spec", func(c *ServiceConfig) { c.Spec = "/a\nExecStartPre=/bin/sh" }, "control characters"},
		{"quote", func(c *ServiceConfig) { c.Spec = `/a" "--x` }, "quotes"},
		{"space in state", func(c *ServiceConfig) { c.StateDir = "/var/lib/case file" }, "ReadWritePaths"},
		{"relative executable", func(c *ServiceConfig) { c.Executable = "casefile" }, "absolute"},
	} {
		cfg := good
		c.edit(&cfg)
		if err := InstallService(cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
}
