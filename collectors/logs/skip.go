package logs

import (
	"context"

	"github.com/casefile/casefile/collectors"
)

func skipFn(reason string) func(context.Context, collectors.Sink) error {
	return func(context.Context, collectors.Sink) error { return collectors.Skip("%s", reason) }
}
