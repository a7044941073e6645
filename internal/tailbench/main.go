// Command tailbench runs eight command collectors at once, each keeping the newest 10 MiB of a
// 30 MiB output (tail mode, as dmesg-tail), through the real bundle stage and redaction engine.
// Measure it with /usr/bin/time -v.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/collectors/command"
	"github.com/casefile/casefile/redact"
)

func main() {
	eng, err := redact.New(redact.Config{})
	if err != nil {
		panic(err)
	}
	dir, _ := os.MkdirTemp("", "tailbench")
	defer os.RemoveAll(dir)
	st, err := bundle.NewStage(dir, eng, bundle.Limits{MaxFileSize: 10 << 20, MaxCollectorSize: 100 << 20, MaxBundleSize: 500 << 20})
	if err != nil {
		panic(err)
	}
	defer st.Cleanup()
	var cs []collectors.Collector
	for i := range 8 {
		name := fmt.Sprintf("tail%d", i)
		c := command.Cmd{Name: name, Tail: true, MaxOutput: 10 << 20, Timeout: time.Minute,
			Argv: []string{"sh", "-c", `yes "2026-11-27T11:00:00Z kernel: [12345.678] eth0: link is up, 1000 Mbps full duplex" | head -c 31457280`}}
		cs = append(cs, collectors.Func{CName: "commands." + name, CFamily: "commands", Fn: func(ctx context.Context, s collectors.Sink) error {
			_, err := command.Run(ctx, s, c, "commands/"+name)
			return err
		}})
	}
	r := &collectors.Runner{Concurrency: 8, Sink: st.Sink, Timeout: func(string) time.Duration { return time.Minute }}
	res, err := r.Run(context.Background(), cs)
	if err != nil {
		panic(err)
	}
	for _, x := range res {
		fmt.Println(x.Name, x.Status, x.Error)
	}
	for _, f := range st.Files() {
		fmt.Println(f.Path, f.Size, f.Truncated, f.BytesKept, f.BytesSeen)
	}
}
