package cli

import (
	"context"
	"encoding/json"
	"runtime"

	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/redact"
	"github.com/casefile/casefile/spec"
)

// writeMetadata stages environment.json and spec.yaml, through the redactor like every file.
func writeMetadata(ctx context.Context, stage *bundle.Stage, s *spec.Spec, eng *redact.Engine, o *collectOptions, host string) error {
	env := map[string]any{}
	sys, err := systemEnvironment(ctx, o.root)
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
	env["command_line"] = o.args
	if err := stage.WriteJSON("environment.json", env, "casefile"); err != nil {
		return err
	}
	eff, err := effectiveSpec(s, o, eng).Marshal()
	if err != nil {
		return err
	}
	return stage.WriteFile("spec.yaml", eff, "casefile")
}

// effectiveSpec is the spec as this run used it, to run again elsewhere: what the command line
// added (--add, --log, --since, --only, --skip) is folded in, and literal secrets are replaced by
// a quoted marker so the file stays valid YAML and holds no secret.
func effectiveSpec(s *spec.Spec, o *collectOptions, eng *redact.Engine) *spec.Spec {
	e := *s
	// A flag and its secret value are two list items in YAML; redact argv as a command line.
	e.Commands = append([]spec.Command{}, s.Commands...)
	for i := range e.Commands {
		e.Commands[i].Argv = eng.Argv("spec.yaml", e.Commands[i].Argv)
	}
	e.Redact.Literals = make([]string, len(s.Redact.Literals)+len(o.literals))
	for i := range e.Redact.Literals {
		e.Redact.Literals[i] = "[REDACTED:literal]"
	}
	if len(o.add) > 0 {
		e.Files = append(append([]spec.FileSource{}, s.Files...), spec.FileSource{Name: "added", Paths: o.add})
	}
	if len(o.logs) > 0 {
		e.Logs = append(append([]spec.LogSource{}, s.Logs...), spec.LogSource{Name: "extra", Paths: o.logs, Since: spec.Duration(o.since)})
	}
	if o.since > 0 {
		e.Logs = append([]spec.LogSource{}, e.Logs...)
		for i := range e.Logs {
			e.Logs[i].Since = spec.Duration(o.since)
		}
	}
	if len(o.only) > 0 {
		e.Collectors.Only = o.only
	}
	if len(o.skip) > 0 {
		e.Collectors.Disable = append(append([]string{}, s.Collectors.Disable...), o.skip...)
	}
	if o.anonymize {
		e.Redact.Anonymize = true
	}
	return &e
}
