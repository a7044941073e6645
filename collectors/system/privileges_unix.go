//go:build !windows

package system

import "os"

func privileges() Privileges {
	groups, _ := os.Getgroups()
	if groups == nil {
		groups = []int{}
	}
	return Privileges{UID: os.Getuid(), EUID: os.Geteuid(), GID: os.Getgid(), EGID: os.Getegid(),
		Groups: groups, Elevated: os.Geteuid() == 0}
}
