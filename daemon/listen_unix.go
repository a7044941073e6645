//go:build unix

package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// listen opens the Unix socket: mode 0660 owned by root and the socket group (0600 without
// one). A socket file left by a daemon that died is replaced; one that answers is not.
func listen(path, group string) (net.Listener, error) {
	gid := -1
	if group != "" {
		g, err := user.LookupGroup(group)
		if err != nil {
			return nil, fmt.Errorf("daemon.socket_group %q: %w", group, err)
		}
		if gid, err = strconv.Atoi(g.Gid); err != nil {
			return nil, fmt.Errorf("daemon.socket_group %q: gid %q", group, g.Gid)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("socket folder: %w", err)
	}
	if _, err := os.Lstat(path); err == nil {
		c, derr := net.DialTimeout("unix", path, time.Second)
		if derr == nil {
			c.Close()
			return nil, fmt.Errorf("a casefile daemon already answers on %s", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("removing the stale socket %s: %w", path, err)
		}
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", path, err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false) // removed by Run, once connections are done
	mode := os.FileMode(0o600)
	if gid >= 0 {
		mode = 0o660
		if err := os.Chown(path, -1, gid); err != nil {
			ln.Close()
			os.Remove(path)
			return nil, fmt.Errorf("giving %s to group %s: %w", path, group, err)
		}
	}
	if err := os.Chmod(path, mode); err != nil {
		ln.Close()
		os.Remove(path)
		return nil, fmt.Errorf("socket %s: %w", path, err)
	}
	return &peerListener{Listener: ln, gid: gid}, nil
}

func removeSocket(path string) { os.Remove(path) }

// peerListener records each connection's peer credentials as it is accepted.
type peerListener struct {
	net.Listener
	gid int
}

func (l *peerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	p, perr := peerOf(c)
	p.group = l.gid
	if perr != nil {
		p.err = perr.Error()
	}
	return &peerConn{Conn: c, peer: p}, nil
}

type peerConn struct {
	net.Conn
	peer peer
}

// peer is who is on the other end of a connection.
type peer struct {
	uid, gid int
	groups   []int
	pid      int
	group    int    // the socket group's gid (-1: none)
	err      string // why the credentials could not be read (then refused)
}

// allowed decides: root, the daemon's own user, and members of the socket group.
func (p peer) allowed() (bool, string) {
	if p.err != "" {
		return false, "peer credentials unreadable: " + p.err
	}
	if p.uid == 0 || p.uid == os.Geteuid() {
		return true, ""
	}
	if p.group >= 0 {
		if p.gid == p.group {
			return true, ""
		}
		for _, g := range p.groups {
			if g == p.group {
				return true, ""
			}
		}
		return false, fmt.Sprintf("uid %d is neither root nor a member of the daemon's socket group (gid %d)", p.uid, p.group)
	}
	return false, fmt.Sprintf("uid %d is not root (the daemon names no socket group)", p.uid)
}

type peerKey struct{}

func connContext(ctx context.Context, c net.Conn) context.Context {
	if pc, ok := c.(*peerConn); ok {
		return context.WithValue(ctx, peerKey{}, pc.peer)
	}
	return ctx
}

// authorize decides whether the connection a request came on may use the API.
func authorize(ctx context.Context) (bool, string) {
	p, ok := ctx.Value(peerKey{}).(peer)
	if !ok {
		return false, "no peer credentials"
	}
	return p.allowed()
}

// dial connects to the daemon's socket.
func dial(ctx context.Context, path string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		switch {
		case errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.ECONNREFUSED):
			return nil, &NotRunningError{Socket: path, Err: err}
		case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
			return nil, &DeniedError{Socket: path, Msg: "permission denied on the socket; run as root or as a member of the daemon's socket group (daemon.socket_group)"}
		}
	}
	return c, err
}

func rawConn(c net.Conn) (syscall.RawConn, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return nil, fmt.Errorf("not a Unix socket connection")
	}
	return uc.SyscallConn()
}
