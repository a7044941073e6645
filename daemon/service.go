package daemon

// Installing the daemon as a system service: a systemd unit on Linux, a launchd plist on macOS,
// a Windows service, through github.com/kardianos/service (one library that knows each
// service manager's files, commands and Windows' service control protocol). See docs/remote.md.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unicode"

	"github.com/kardianos/service"
)

// ServiceName is the service's name: casefile.service, the launchd label, the Windows service.
const ServiceName = "casefile"

// ServiceConfig says how the installed service runs the daemon.
type ServiceConfig struct {
	Executable string // absolute path of the casefile binary (the CLI passes os.Executable())
	Spec       string // --spec; empty: the embedded or built-in spec
	StateDir   string // --state-dir (absolute)
	Socket     string // --socket; empty: the daemon's default
}

// args are the daemon's command line in the service.
func (c ServiceConfig) args() []string {
	a := []string{"daemon"}
	if c.Spec != "" {
		a = append(a, "--spec", c.Spec)
	}
	a = append(a, "--state-dir", c.StateDir)
	if c.Socket != "" {
		a = append(a, "--socket", c.Socket)
	}
	return a
}

// check refuses what a service file cannot carry safely: relative paths, and characters that
// would end a line, a quoted word or a list in a unit file (see systemdUnit).
func (c ServiceConfig) check() error {
	if !filepath.IsAbs(c.Executable) {
		return fmt.Errorf("service: the executable %q is not an absolute path", c.Executable)
	}
	if !filepath.IsAbs(c.StateDir) {
		return fmt.Errorf("--state-dir %q: the service needs an absolute path", c.StateDir)
	}
	if c.Socket != "" && runtime.GOOS != "windows" && !filepath.IsAbs(c.Socket) {
		return fmt.Errorf("--socket %q: the service needs an absolute path", c.Socket)
	}
	for _, f := range []struct{ name, v string }{{"executable", c.Executable}, {"--spec", c.Spec}, {"--state-dir", c.StateDir}, {"--socket", c.Socket}} {
		if strings.ContainsFunc(f.v, unicode.IsControl) {
			return fmt.Errorf("%s %q: control characters cannot go into a service file", f.name, f.v)
		}
		if runtime.GOOS != "windows" && strings.ContainsAny(f.v, "\"\\") {
			return fmt.Errorf("%s %q: quotes and backslashes cannot go into a service file", f.name, f.v)
		}
	}
	if runtime.GOOS == "linux" {
		for _, f := range []struct{ name, v string }{{"--state-dir", c.StateDir}, {"--socket", filepath.Dir(c.Socket)}} {
			if strings.ContainsFunc(f.v, unicode.IsSpace) || strings.Contains(f.v, "%") {
				return fmt.Errorf("%s %q: the unit's ReadWritePaths= cannot hold spaces or %%", f.name, f.v)
			}
		}
	}
	return nil
}

// systemdUnit is the unit file template (kardianos/service's template language: {{Key}},
// {{Key | fn}}, {{range}}, {{if}}), with the paths the daemon writes put in before it is handed
// to the library. The hardening leaves the daemon what its job needs: root's read access to
// every log (CAP_DAC_READ_SEARCH), raw sockets for ping and traceroute (CAP_NET_RAW), its
// socket's owner and mode (CAP_CHOWN, CAP_FOWNER), and write access to its state folder and
// socket folder only.
const systemdUnit = `[Unit]
Description={{Description}}
ConditionFileIsExecutable={{Path | cmdEscape}}
After=network-online.target
Wants=network-online.target
StartLimitIntervalSec=300
StartLimitBurst=5

[Service]
Type=simple
ExecStart={{Path | cmdEscape}}{{range Arguments}} {{. | cmd}}{{end}}
ExecReload=/bin/kill -HUP $MAINPID
KillSignal=SIGTERM
TimeoutStopSec=30
Restart=on-failure
RestartSec=10
{{range EnvVars}}{{.}}
{{end}}UMask=0077
RuntimeDirectory=casefile
RuntimeDirectoryMode=0755
ReadWritePaths=@RW@
CapabilityBoundingSet=CAP_NET_RAW CAP_DAC_READ_SEARCH CAP_CHOWN CAP_FOWNER
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=read-only
PrivateTmp=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK

[Install]
WantedBy=multi-user.target
`

// serviceOf builds the library's service for c. prog runs the daemon when the service manager
// starts it (Windows); installing and removing need none.
func serviceOf(c ServiceConfig, prog service.Interface) (service.Service, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	args := c.args()
	// "-": a folder that is missing when the service starts is not an error (the daemon makes
	// its state folder; InstallService makes it too).
	rw := []string{"-" + c.StateDir}
	if c.Socket != "" {
		rw = append(rw, "-"+filepath.Dir(c.Socket))
	}
	if runtime.GOOS == "linux" {
		// systemd expands % specifiers in ExecStart=: a literal % is written %%.
		for i, a := range args {
			args[i] = strings.ReplaceAll(a, "%", "%%")
		}
	}
	cfg := &service.Config{
		Name:        ServiceName,
		DisplayName: "casefile daemon",
		Description: "casefile daemon: health history, triggered and remote diagnostics collection",
		Executable:  c.Executable,
		Arguments:   args,
		Option: service.KeyValue{
			"SystemdScript":    strings.Replace(systemdUnit, "@RW@", strings.Join(rw, " "), 1),
			"KeepAlive":        true, // launchd: restart when it exits
			"RunAtLoad":        true, // launchd: start at boot
			"OnFailure":        "restart",
			"DelayedAutoStart": true, // Windows: after the network is up
		},
	}
	if prog == nil {
		prog = noProgram{}
	}
	return service.New(prog, cfg)
}

type noProgram struct{}

func (noProgram) Start(service.Service) error { return nil }
func (noProgram) Stop(service.Service) error  { return nil }

// InstallService installs and enables the service (it starts at boot). It does not start it:
// see StartService.
func InstallService(c ServiceConfig) error {
	s, err := serviceOf(c, nil)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.StateDir, 0o700); err != nil {
		return fmt.Errorf("state folder: %w", err)
	}
	if err := s.Install(); err != nil {
		return fmt.Errorf("installing the %s service (%s): %w", ServiceName, s.Platform(), err)
	}
	return nil
}

// StartService starts the installed service now.
func StartService(c ServiceConfig) error {
	s, err := serviceOf(c, nil)
	if err != nil {
		return err
	}
	return s.Start()
}

// UninstallService stops (when it runs) and removes the service.
func UninstallService(c ServiceConfig) error {
	s, err := serviceOf(c, nil)
	if err != nil {
		return err
	}
	if st, err := s.Status(); err == nil && st == service.StatusRunning {
		if err := s.Stop(); err != nil {
			return fmt.Errorf("stopping the %s service: %w", ServiceName, err)
		}
	}
	if err := s.Uninstall(); err != nil {
		return fmt.Errorf("removing the %s service (%s): %w", ServiceName, s.Platform(), err)
	}
	return nil
}

// ServicePlatform names the service manager the library found ("linux-systemd", "darwin-launchd",
// "windows-service"), or "" when there is none.
func ServicePlatform() string { return service.Platform() }

// RunAsService runs run under the service manager when the process was started by one that
// needs to be spoken to (the Windows service control manager): its stop request cancels run's
// context. Anywhere else (systemd and launchd just start the program and signal it, or a
// terminal) it calls run directly.
func RunAsService(ctx context.Context, c ServiceConfig, run func(context.Context) error) error {
	if runtime.GOOS != "windows" || service.Interactive() {
		return run(ctx)
	}
	p := &svcProgram{run: run, parent: ctx, done: make(chan error, 1)}
	s, err := serviceOf(c, p)
	if err != nil {
		return err
	}
	if err := s.Run(); err != nil {
		return err
	}
	return p.err
}

type svcProgram struct {
	run    func(context.Context) error
	parent context.Context
	cancel context.CancelFunc
	done   chan error
	err    error
}

func (p *svcProgram) Start(service.Service) error {
	ctx, cancel := context.WithCancel(p.parent)
	p.cancel = cancel
	go func() { p.done <- p.run(ctx) }()
	return nil
}

func (p *svcProgram) Stop(service.Service) error {
	p.cancel()
	if err := <-p.done; err != nil && !errors.Is(err, context.Canceled) {
		p.err = err
	}
	return nil
}
