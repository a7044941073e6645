package system

import (
	"context"
	"errors"
	"io/fs"
	"runtime"
	"sort"
	"time"

	"github.com/shirou/gopsutil/v3/host"

	"github.com/casefile/casefile/collectors"
)

// Users is system/users.json: the login sessions utmp records.
type Users struct {
	Sessions []Session `json:"sessions"`
	// Source says where sessions were read ("" when the OS API gives no file).
	Source string `json:"source,omitempty"`
	// Note explains an empty list when the record itself is missing.
	Note string `json:"note,omitempty"`
}

// Session is one logged-in user session.
type Session struct {
	User     string     `json:"user"`
	Terminal string     `json:"terminal"`
	Host     string     `json:"host"`
	Started  *time.Time `json:"started"`
}

func collectUsers(ctx context.Context, s *source) (any, error) {
	list, err := host.UsersWithContext(s.gctx(ctx))
	out := Users{Sessions: []Session{}}
	switch runtime.GOOS {
	case "linux":
		out.Source = "/var/run/utmp"
	case "darwin":
		out.Source = "/var/run/utmpx"
	}
	if err != nil {
		if ignoreNotImpl(err) == nil {
			return nil, collectors.Skip("logged-in users are not readable on this OS")
		}
		if errors.Is(err, fs.ErrNotExist) {
			// No utmp (containers, minimal systems): nobody is recorded as logged in.
			out.Note = "no utmp file: no login sessions recorded"
			return out, nil
		}
		return nil, err
	}
	for _, u := range list {
		sess := Session{User: u.User, Terminal: u.Terminal, Host: u.Host}
		if u.Started > 0 {
			t := time.Unix(int64(u.Started), 0).UTC()
			sess.Started = &t
		}
		out.Sessions = append(out.Sessions, sess)
	}
	sort.SliceStable(out.Sessions, func(a, b int) bool {
		x, y := out.Sessions[a], out.Sessions[b]
		if x.User != y.User {
			return x.User < y.User
		}
		return x.Terminal < y.Terminal
	})
	return out, nil
}
