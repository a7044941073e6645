package cli

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/casefile/casefile/collectors"
)

func useColor(w io.Writer) bool {
	return isTerminal(w) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
}

// progress draws one live line per running collector on a terminal, and nothing elsewhere.
type progress struct {
	w       io.Writer
	on      bool
	mu      sync.Mutex
	running map[string]time.Time
	drawn   int
	done    int
	ticker  *time.Ticker
	quit    chan struct{}
}

func newProgress(w io.Writer, enabled bool) *progress {
	p := &progress{w: w, on: enabled && isTerminal(w) && enableVT(w), running: map[string]time.Time{}}
	if p.on {
		p.ticker = time.NewTicker(200 * time.Millisecond)
		p.quit = make(chan struct{})
		go func() {
			for {
				select {
				case <-p.ticker.C:
					p.mu.Lock()
					p.redraw()
					p.mu.Unlock()
				case <-p.quit:
					return
				}
			}
		}()
	}
	return p
}

func (p *progress) event(e collectors.Event) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if e.Done {
		delete(p.running, e.Name)
		p.done++
	} else {
		p.running[e.Name] = time.Now()
	}
	p.redraw()
}

func (p *progress) redraw() {
	if p.drawn > 0 {
		fmt.Fprintf(p.w, "\x1b[%dA", p.drawn)
	}
	names := make([]string, 0, len(p.running))
	for n := range p.running {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(p.w, "\r\x1b[2Kcollecting: %d done, %d running\n", p.done, len(names))
	for _, n := range names {
		fmt.Fprintf(p.w, "\x1b[2K  %-28s %5.1fs\n", n, time.Since(p.running[n]).Seconds())
	}
	// Clear lines left over from a longer previous frame.
	for i := len(names) + 1; i < p.drawn; i++ {
		fmt.Fprint(p.w, "\x1b[2K\n")
	}
	if extra := p.drawn - (len(names) + 1); extra > 0 {
		fmt.Fprintf(p.w, "\x1b[%dA", extra)
	}
	p.drawn = len(names) + 1
}

func (p *progress) stop() {
	if !p.on {
		return
	}
	p.ticker.Stop()
	close(p.quit)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn > 0 {
		fmt.Fprintf(p.w, "\x1b[%dA\x1b[J", p.drawn)
		p.drawn = 0
	}
}

// printSummary writes the collector table: aligned with a header on a terminal (status coloured
// unless NO_COLOR), tab-separated otherwise.
func printSummary(w io.Writer, results []collectors.Result) {
	rows := [][]string{{"COLLECTOR", "STATUS", "TIME", "FILES", "NOTE"}}
	for _, r := range results {
		note, _, _ := strings.Cut(r.Error, "\n")
		if len(note) > 100 {
			note = note[:97] + "..."
		}
		rows = append(rows, []string{termSafe(r.Name), string(r.Status), fmt.Sprintf("%.1fs", float64(r.DurationMS)/1000), fmt.Sprint(len(r.Files)), termSafe(note)})
	}
	if !isTerminal(w) {
		for _, row := range rows {
			fmt.Fprintln(w, strings.Join(row, "\t"))
		}
		return
	}
	color := useColor(w)
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], len(cell))
		}
	}
	for n, row := range rows {
		var b strings.Builder
		for i, cell := range row {
			pad := strings.Repeat(" ", widths[i]-len(cell))
			if i == len(row)-1 {
				pad = ""
			}
			if i == 1 && n > 0 && color {
				cell = colorStatus(collectors.Status(cell))
			}
			b.WriteString(cell + pad)
			if i < len(row)-1 {
				b.WriteString("  ")
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

func colorStatus(s collectors.Status) string {
	code := "0"
	switch s {
	case collectors.StatusOK:
		code = "32"
	case collectors.StatusPartial, collectors.StatusSkipped:
		code = "33"
	case collectors.StatusFailed, collectors.StatusTimedOut:
		code = "31"
	}
	return "\x1b[" + code + "m" + string(s) + "\x1b[0m"
}
