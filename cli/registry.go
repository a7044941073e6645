package cli

import (
	"context"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/collectors/command"
	"github.com/casefile/casefile/collectors/files"
	"github.com/casefile/casefile/collectors/logs"
	"github.com/casefile/casefile/collectors/network"
	"github.com/casefile/casefile/collectors/system"
)

// registry lists every collector family casefile knows.
func registry() *collectors.Registry {
	r := &collectors.Registry{}
	r.Register(collectors.FamilySystem, system.Collectors)
	r.Register(collectors.FamilyNetwork, network.Collectors)
	r.Register(collectors.FamilyLogs, logs.Collectors)
	r.Register(collectors.FamilyCommands, command.Collectors)
	r.Register(collectors.FamilyFiles, files.Collectors)
	return r
}

// systemEnvironment returns the host facts for environment.json.
func systemEnvironment(ctx context.Context, root string) (any, error) {
	return system.Environment(ctx, root)
}
