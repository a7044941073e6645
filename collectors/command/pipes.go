package command

import (
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// leftoverGrace is how long output is still read after the command exited and what it left
// running was ended: enough for the bytes buffered in the pipe; a process outside the group or
// job that still holds the pipe is not waited for longer.
const leftoverGrace = time.Second

// ownPipes gives a command pipes casefile made itself instead of letting exec make them. exec's
// Wait waits for its pipes to reach EOF, that is for every process holding them, so a command
// that left a background child (`sleep 77 & echo started`) would hold the collector until
// WaitDelay and fail with "WaitDelay expired before I/O complete". With casefile's own pipes,
// Wait returns when the command itself exits; the caller then ends its process group (Unix) or
// Job Object (Windows) and finish reads what is left.
type ownPipes struct {
	streams []*ownStream
	wg      sync.WaitGroup
}

type ownStream struct {
	dst  io.Writer
	r, w *os.File
}

// newOwnPipes replaces cmd's Stdout and Stderr writers (not files, not nil) with pipes.
func newOwnPipes(cmd *exec.Cmd) (*ownPipes, error) {
	p := &ownPipes{}
	for _, dst := range []*io.Writer{&cmd.Stdout, &cmd.Stderr} {
		if *dst == nil {
			continue
		}
		if _, isFile := (*dst).(*os.File); isFile {
			continue
		}
		r, w, err := os.Pipe()
		if err != nil {
			p.abort()
			return nil, err
		}
		p.streams = append(p.streams, &ownStream{dst: *dst, r: r, w: w})
		*dst = w
	}
	return p, nil
}

// started closes casefile's copies of the write ends (the command holds its own) and starts
// reading.
func (p *ownPipes) started() {
	for _, s := range p.streams {
		s.w.Close()
		s.w = nil
		p.wg.Go(func() { io.Copy(s.dst, s.r) })
	}
}

// abort closes the pipes of a command that did not start.
func (p *ownPipes) abort() {
	for _, s := range p.streams {
		s.r.Close()
		if s.w != nil {
			s.w.Close()
		}
	}
}

// finish reads the pipes to their end, at most leftoverGrace, then closes them. Call it after
// the command exited and its group or job was ended.
func (p *ownPipes) finish() {
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(leftoverGrace):
		for _, s := range p.streams {
			s.r.Close() // unblocks the copy
		}
		<-done
	}
	for _, s := range p.streams {
		s.r.Close()
	}
}
