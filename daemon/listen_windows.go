//go:build windows

package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// listen opens the named pipe (\\.\pipe\casefile). Windows checks every connection against
// the pipe's security descriptor: full access for LocalSystem and the Administrators group, read
// and write for the socket group when one is named. Nobody else can open it.
func listen(path, group string) (net.Listener, error) {
	sddl := "D:P(A;;GA;;;SY)(A;;GA;;;BA)"
	if group != "" {
		g, err := user.LookupGroup(group)
		if err != nil {
			return nil, fmt.Errorf("daemon.socket_group %q: %w", group, err)
		}
		sddl += "(A;;GRGW;;;" + g.Gid + ")" // Gid is the group's SID on Windows
	}
	ln, err := winio.ListenPipe(path, &winio.PipeConfig{SecurityDescriptor: sddl})
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", path, err)
	}
	return ln, nil
}

func removeSocket(string) {} // a pipe goes with its last handle

func connContext(ctx context.Context, _ net.Conn) context.Context { return ctx }

// authorize: the pipe's security descriptor already decided who could connect.
func authorize(context.Context) (bool, string) { return true, "" }

func dial(ctx context.Context, path string) (net.Conn, error) {
	c, err := winio.DialPipeContext(ctx, path)
	switch {
	case err == nil:
		return c, nil
	case errors.Is(err, os.ErrNotExist), errors.Is(err, windows.ERROR_FILE_NOT_FOUND):
		return nil, &NotRunningError{Socket: path, Err: err}
	case errors.Is(err, windows.ERROR_ACCESS_DENIED), errors.Is(err, os.ErrPermission):
		return nil, &DeniedError{Socket: path, Msg: "access denied on the pipe; run as an administrator or as a member of the daemon's socket group (daemon.socket_group)"}
	}
	return nil, err
}
