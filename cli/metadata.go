package cli

import (
	"context"
	"encoding/json"
	"os"
	"runtime"
	"sort"
	"strings"

	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/spec"
)

// maxEnvValue drops environment values too large to be useful (and too large to redact well).
const maxEnvValue = 4096

// writeMetadata stages environment.json and spec.yaml, through the redactor like every file.
func writeMetadata(ctx context.Context, stage *bundle.Stage, s *spec.Spec, raw []byte, o *collectOptions, host string) error {
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
	if _, ok := env["env"]; !ok {
		env["env"] = environ()
	}
	if err := stage.WriteJSON("environment.json", env, "casefile"); err != nil {
		return err
	}
	eff, err := s.Marshal()
	if err != nil {
		return err
	}
	return stage.WriteFile("spec.yaml", eff, "casefile")
}

// environ returns the process environment, sorted, values capped; the redactor sees it next.
func environ() map[string]string {
	out := map[string]string{}
	keys := os.Environ()
	sort.Strings(keys)
	for _, kv := range keys {
		k, v, _ := strings.Cut(kv, "=")
		if len(v) > maxEnvValue {
			v = "[dropped: value over 4096 bytes]"
		}
		out[k] = v
	}
	return out
}
