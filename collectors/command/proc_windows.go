package command

import (
	"errors"
	"fmt"
	"os/exec"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// killGroup: on Windows the command's process tree is held by a Job Object, set up in runProcess
// (a job can only take the process once it exists).
func killGroup(*exec.Cmd) {}

// runProcess runs the command the way the Unix side does with its process group: the process
// starts suspended, goes into a new Job Object (children it starts are in the job too), and only
// then runs. When the context ends, Cancel terminates the whole job, so a shell's children (or a
// helper that detached) do not outlive the timeout. The job is created with
// JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE and closed when the command is done, so whatever is still
// running in it then is ended too.
//
// A shell command gets its command line from cmdExeLine: cmd.exe does not parse the quoting
// exec would apply.
//
// The command is done when its own process exits (ownPipes): the job is then terminated, ending
// whatever it left running, and the output read so far is kept.
//
// If the job cannot be set up (an old Windows that does not nest jobs, a parent job that forbids
// it), the command still runs and a timeout kills the process itself, as exec does by default.
// After a kill, cmd.ProcessState is cleared, so the command's exit code is recorded as null.
func runProcess(cmd *exec.Cmd, shell bool) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	if shell && len(cmd.Args) > 0 {
		line, err := cmdExeLine(cmd.Args[len(cmd.Args)-1])
		if err != nil {
			return err
		}
		cmd.SysProcAttr.CmdLine = line
	}
	job, err := newKillJob()
	if err == nil {
		defer windows.CloseHandle(job)
		cmd.SysProcAttr.CreationFlags |= windows.CREATE_SUSPENDED
	} else {
		job = 0
	}
	var killed atomic.Bool
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		killed.Store(true)
		var jerr error = windows.ERROR_INVALID_HANDLE
		if job != 0 {
			jerr = windows.TerminateJobObject(job, 1)
		}
		// Also end the process itself: it may not be in the job (no job, assignment failed) or
		// not resumed yet.
		perr := cmd.Process.Kill()
		if jerr != nil {
			return perr
		}
		return nil
	}
	pipes, err := newOwnPipes(cmd)
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		pipes.abort()
		return err
	}
	pipes.started()
	if job != 0 {
		pid := uint32(cmd.Process.Pid)
		// Not in the job (assignment failed): Cancel still kills the process itself.
		_ = assignToJob(job, pid)
		if err := resumeProcess(pid); err != nil {
			// A process that cannot be resumed would sit suspended until the timeout.
			_ = windows.TerminateJobObject(job, 1)
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			pipes.finish()
			cmd.ProcessState = nil
			return fmt.Errorf("resuming the started process: %w", err)
		}
	}
	err = cmd.Wait()
	if job != 0 {
		// The command is done: end what it left running in its job, as the Unix side kills its
		// process group, so that its pipes close (ownPipes) and nothing outlives the collector.
		_ = windows.TerminateJobObject(job, 1)
	}
	pipes.finish()
	if killed.Load() {
		// A Windows ProcessState always reads Exited, with the code the killer chose; result.json
		// records exit_code null for a command that did not exit by itself, as a signal-killed
		// process gives on Unix.
		cmd.ProcessState = nil
	}
	return err
}

// newKillJob creates an unnamed Job Object that ends its processes when its last handle closes.
func newKillJob() (windows.Handle, error) {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return 0, err
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{
		BasicLimitInformation: windows.JOBOBJECT_BASIC_LIMIT_INFORMATION{
			LimitFlags: windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
		},
	}
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(job)
		return 0, err
	}
	return job, nil
}

func assignToJob(job windows.Handle, pid uint32) error {
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, pid)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(h)
	return windows.AssignProcessToJobObject(job, h)
}

// resumeProcess resumes the threads of a process started with CREATE_SUSPENDED (its one initial
// thread; exec does not hand out the thread handle CreateProcess returned, so it is found in a
// thread snapshot). exec holds a handle to the process, so the pid cannot have been reused.
func resumeProcess(pid uint32) error {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPTHREAD, 0)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(snap)
	te := windows.ThreadEntry32{Size: uint32(unsafe.Sizeof(windows.ThreadEntry32{}))}
	resumed := 0
	for err = windows.Thread32First(snap, &te); err == nil; err = windows.Thread32Next(snap, &te) {
		if te.OwnerProcessID != pid {
			continue
		}
		th, oerr := windows.OpenThread(windows.THREAD_SUSPEND_RESUME, false, te.ThreadID)
		if oerr != nil {
			return oerr
		}
		_, rerr := windows.ResumeThread(th)
		windows.CloseHandle(th)
		if rerr != nil {
			return rerr
		}
		resumed++
	}
	if !errors.Is(err, windows.ERROR_NO_MORE_FILES) {
		return err
	}
	if resumed == 0 {
		return errors.New("no thread found")
	}
	return nil
}
