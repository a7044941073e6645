package command

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"sync"

	"github.com/casefile/casefile/collectors"
)

// Defaults is commands.defaults: the OS default command set, each run only when its program is
// present, several at a time. One collector keeps the runner's slots free for the rest.
type Defaults struct {
	Cmds     []Cmd
	Live     bool // false when collecting from a fixture root: these commands describe this machine
	Parallel int
}

// Name implements collectors.Collector.
func (d *Defaults) Name() string { return "commands.defaults" }

// Family implements collectors.Collector.
func (d *Defaults) Family() string { return collectors.FamilyCommands }

// Summary is commands/defaults.json: which default commands ran and which were absent.
type Summary struct {
	Ran     []string          `json:"ran"`
	Absent  map[string]string `json:"absent"`
	Results map[string]Result `json:"results"`
}

// Collect implements collectors.Collector.
func (d *Defaults) Collect(ctx context.Context, sink collectors.Sink) error {
	if !d.Live {
		return collectors.Skip("the default commands describe the live system; not run with a fixture root")
	}
	sum := Summary{Ran: []string{}, Absent: map[string]string{}, Results: map[string]Result{}}
	var present []Cmd
	for _, c := range d.Cmds {
		if _, err := exec.LookPath(c.argv()[0]); err != nil {
			sum.Absent[c.Name] = c.argv()[0] + " not found"
			continue
		}
		present = append(present, c)
	}
	if len(present) == 0 {
		return collectors.Skip("none of the default commands is installed")
	}
	n := d.Parallel
	if n <= 0 {
		n = 4
	}
	sem := make(chan struct{}, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs, timedOut []string
	for _, c := range present {
		wg.Add(1)
		go func(c Cmd) {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			res, err := Run(ctx, sink, c, "commands/"+c.Name)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case collectors.IsSkip(err):
				sum.Absent[c.Name] = err.Error()
				return
			case err != nil && ctx.Err() == nil:
				errs = append(errs, fmt.Sprintf("%s: %v", c.Name, err))
			}
			sum.Ran = append(sum.Ran, c.Name)
			sum.Results[c.Name] = res
			if res.TimedOut {
				timedOut = append(timedOut, c.Name)
			} else if res.Error != "" && ctx.Err() == nil {
				errs = append(errs, fmt.Sprintf("%s: %s", c.Name, res.Error))
			}
		}(c)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	sort.Strings(sum.Ran)
	sort.Strings(timedOut)
	sort.Strings(errs)
	if err := sink.WriteJSON("commands/defaults.json", sum); err != nil {
		errs = append(errs, err.Error())
	}
	if len(timedOut) > 0 {
		errs = append(errs, "timed out: "+strings.Join(timedOut, ", "))
	}
	if len(errs) > 0 {
		return collectors.Partial(errors.New(strings.Join(errs, "; ")))
	}
	return nil
}
