package collect

import (
	"context"
	"encoding/json"
	"runtime"

	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/collectors/command"
	"github.com/casefile/casefile/collectors/files"
	"github.com/casefile/casefile/collectors/logs"
	"github.com/casefile/casefile/collectors/network"
	"github.com/casefile/casefile/collectors/system"
	"github.com/casefile/casefile/redact"
	"github.com/casefile/casefile/spec"
)

// DefaultRegistry lists every collector family casefile knows.
func DefaultRegistry() *collectors.Registry {
	r := &collectors.Registry{}
	r.Register(collectors.FamilySystem, system.Collectors)
	r.Register(collectors.FamilyNetwork, network.Collectors)
	r.Register(collectors.FamilyLogs, logs.Collectors)
	r.Register(collectors.FamilyCommands, command.Collectors)
	r.Register(collectors.FamilyFiles, files.Collectors)
	return r
}

// writeMetadata stages environment.json and spec.yaml; the stage redacts them like every file.
func writeMetadata(ctx context.Context, stage *bundle.Stage, req *Request, eng *redact.Engine, host string) error {
	env := map[string]any{}
	sys, err := system.Environment(ctx, system.EnvOptions{Root: req.Root, Environ: req.Environ, Keep: req.Spec.Environment.Keep})
	b, _ := json.Marshal(sys)
	json.Unmarshal(b, &env)
	if err != nil {
		// Facts found are kept; what could not be read is said.
		env["errors"] = err.Error()
	}
	if _, ok := env["os"]; !ok {
		env["os"] = runtime.GOOS
	}
	if _, ok := env["arch"]; !ok {
		env["arch"] = runtime.GOARCH
	}
	env["hostname"] = host
	// A flag and its value are two arguments: redact them as a command line, then the stage
	// redacts the file again as a stream.
	env["command_line"] = eng.Argv("environment.json", req.Args)
	if err := stage.WriteJSON("environment.json", env, "casefile"); err != nil {
		return err
	}
	eff, err := EffectiveSpec(req, eng).Marshal()
	if err != nil {
		return err
	}
	return stage.WriteFile("spec.yaml", eff, "casefile")
}

// EffectiveSpec is the spec as this run used it, to run again elsewhere: what the request added
// (files, logs, since, only, skip) is folded in, and literal secrets are replaced by a quoted
// marker so the file stays valid YAML and holds no secret.
func EffectiveSpec(req *Request, eng *redact.Engine) *spec.Spec {
	s := req.Spec
	e := *s
	e.Commands = append([]spec.Command{}, s.Commands...)
	for i := range e.Commands {
		e.Commands[i].Argv = eng.Argv("spec.yaml", e.Commands[i].Argv)
	}
	e.Redact.Literals = make([]string, len(s.Redact.Literals)+len(req.Literals))
	for i := range e.Redact.Literals {
		e.Redact.Literals[i] = "[REDACTED:literal]"
	}
	if len(req.Add) > 0 {
		e.Files = append(append([]spec.FileSource{}, s.Files...), spec.FileSource{Name: "added", Paths: req.Add})
	}
	if len(req.Logs) > 0 {
		e.Logs = append(append([]spec.LogSource{}, s.Logs...), spec.LogSource{Name: "extra", Paths: req.Logs, Since: spec.Duration(req.Since)})
	}
	if req.Since > 0 {
		e.Logs = append([]spec.LogSource{}, e.Logs...)
		for i := range e.Logs {
			e.Logs[i].Since = spec.Duration(req.Since)
		}
	}
	if len(req.Only) > 0 {
		e.Collectors.Only = req.Only
	}
	if len(req.Skip) > 0 {
		e.Collectors.Disable = append(append([]string{}, s.Collectors.Disable...), req.Skip...)
	}
	if req.Anonymize {
		e.Redact.Anonymize = true
	}
	return &e
}
