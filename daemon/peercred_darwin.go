package daemon

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// peerOf reads the peer's credentials with LOCAL_PEERCRED (uid and groups, the first being
// the effective gid).
func peerOf(c net.Conn) (peer, error) {
	rc, err := rawConn(c)
	if err != nil {
		return peer{}, err
	}
	var cred *unix.Xucred
	var cerr error
	if err := rc.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptXucred(int(fd), unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	}); err != nil {
		return peer{}, err
	}
	if cerr != nil {
		return peer{}, fmt.Errorf("LOCAL_PEERCRED: %w", cerr)
	}
	p := peer{uid: int(cred.Uid), gid: -1, pid: -1}
	for i := 0; i < int(cred.Ngroups) && i < len(cred.Groups); i++ {
		p.groups = append(p.groups, int(cred.Groups[i]))
	}
	if len(p.groups) > 0 {
		p.gid = p.groups[0]
	}
	return p, nil
}
