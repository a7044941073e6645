package system

import "golang.org/x/sys/windows"

// privileges: Windows has no uids; the ids read -1 and Elevated reports an elevated token
// (an administrator running "as administrator").
func privileges() Privileges {
	return Privileges{UID: -1, EUID: -1, GID: -1, EGID: -1, Groups: []int{},
		Elevated: windows.GetCurrentProcessToken().IsElevated()}
}
