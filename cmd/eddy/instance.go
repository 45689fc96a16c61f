package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/eddysql/eddy/internal/atomicfile"
	"github.com/eddysql/eddy/internal/filelock"
)

// instanceFile, in a data directory, is held locked (flock) by the eddy
// that serves the directory and says where that eddy's REST API is, so a
// second eddy started on the same directory talks to it instead of
// starting a broker over the same files.
const instanceFile = "eddy.instance"

// instanceInfo is what the running eddy publishes in instanceFile.
type instanceInfo struct {
	PID     int    `json:"pid"`
	REST    string `json:"rest"` // http://host:port; empty while starting
	Version string `json:"version"`
	Mode    string `json:"mode"` // "shell" or "server"
	// Stopping is set once the eddy has begun to shut down: a start
	// on the directory waits for it to exit (up to stopWait) instead
	// of refusing the directory as busy.
	Stopping bool `json:"stopping,omitempty"`
}

// instanceLock is the held lock on a data directory.
type instanceLock struct{ f *os.File }

// errDirBusy means another eddy serves the data directory.
type errDirBusy struct {
	dir  string
	info instanceInfo
}

func (e *errDirBusy) Error() string {
	if e.info.Stopping {
		return fmt.Sprintf("the data directory %s is still held by the eddy %s (pid %d), which began to shut down %s ago and has not exited; wait for it to exit (or end it), or use another --data-dir", e.dir, e.info.Mode, e.info.PID, stopWait)
	}
	if e.info.REST == "" {
		return fmt.Sprintf("the data directory %s is in use by another eddy (pid %d), which serves no REST API; stop it or use another --data-dir", e.dir, e.info.PID)
	}
	return fmt.Sprintf("the data directory %s is in use by the eddy %s at %s (pid %d); connect with --server %s, or use another --data-dir", e.dir, e.info.Mode, e.info.REST, e.info.PID, e.info.REST)
}

// lockDataDir takes the data directory for this process. When another
// eddy holds it, the error is an *errDirBusy with what that eddy
// published, waiting up to wait for it to publish its REST address if it
// is still starting. An eddy that is shutting down is waited for, up to
// stopWait (saying so through logf once), and one that is exiting up to
// exitWait: a restart right after the previous eddy was told to stop
// takes the directory once it has gone.
func lockDataDir(dir string, wait time.Duration, logf func(string, ...any)) (*instanceLock, error) {
	path := filepath.Join(dir, instanceFile)
	f, err := filelock.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	began := time.Now()
	told := false
	for {
		err := filelock.TryLock(f)
		if err == nil {
			// What the last holder published (a killed one's REST
			// address, say) is not this process's: say at once who
			// holds the directory now.
			l := &instanceLock{f: f}
			if err := l.publish(instanceInfo{PID: os.Getpid(), Version: version()}); err != nil {
				f.Close()
				return nil, err
			}
			return l, nil
		}
		if !errors.Is(err, filelock.ErrLocked) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		var info instanceInfo
		if b, rerr := os.ReadFile(path); rerr == nil {
			json.Unmarshal(b, &info)
		}
		waited := time.Since(began)
		// A holder killed a moment ago (a supervisor restarting eddy
		// right after kill -9) still holds the lock while the kernel
		// tears it down: wait for that rather than refuse, or become
		// a client of a server that is gone.
		if info.PID > 0 && waited < exitWait && processExiting(info.PID) {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		if info.Stopping && info.PID > 0 && waited < stopWait {
			if !told && logf != nil {
				logf("the data directory %s is held by the eddy %s (pid %d), which is shutting down: waiting up to %s for it to exit", dir, info.Mode, info.PID, stopWait)
				told = true
			}
			if lockWaiting != nil {
				lockWaiting(info)
			}
			time.Sleep(20 * time.Millisecond)
			continue
		}
		if info.REST != "" || info.Stopping || waited > wait {
			f.Close()
			return nil, &errDirBusy{dir: dir, info: info}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// exitWait bounds how long lockDataDir waits for an exiting holder.
const exitWait = 5 * time.Second

// stopWait bounds how long lockDataDir waits for a holder that is
// shutting down: longer than its default --shutdown-timeout (30 s) for
// requests in flight, with time for its queries and broker to close.
const stopWait = 60 * time.Second

// lockWaiting, when set (by tests), is called each time lockDataDir
// waits for a holder that is shutting down.
var lockWaiting func(instanceInfo)

// processExiting reports whether process pid is gone or on its way out
// (Linux's /proc: no such process, a zombie, PF_EXITING set, or SIGKILL
// pending). Elsewhere it reports false, and a lock held by an exiting
// eddy is refused as busy.
func processExiting(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		if _, serr := os.Stat("/proc/self/stat"); serr != nil {
			return false // no /proc to ask
		}
		return errors.Is(err, fs.ErrNotExist)
	}
	// After the command's closing parenthesis: state, then ppid, pgrp,
	// session, tty_nr, tpgid, flags.
	i := strings.LastIndexByte(string(stat), ')')
	fields := strings.Fields(string(stat[i+1:]))
	if len(fields) < 7 {
		return false
	}
	if fields[0] == "Z" || fields[0] == "X" {
		return true
	}
	const pfExiting = 0x4
	if flags, err := strconv.ParseUint(fields[6], 10, 64); err == nil && flags&pfExiting != 0 {
		return true
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return errors.Is(err, fs.ErrNotExist)
	}
	const sigkill = 1 << (9 - 1)
	for _, line := range strings.Split(string(status), "\n") {
		name, mask, ok := strings.Cut(line, ":")
		if ok && (name == "SigPnd" || name == "ShdPnd") {
			if m, err := strconv.ParseUint(strings.TrimSpace(mask), 16, 64); err == nil && m&sigkill != 0 {
				return true
			}
		}
	}
	return false
}

// publish writes what others need to reach this eddy.
func (l *instanceLock) publish(info instanceInfo) error {
	b, err := json.Marshal(info)
	if err != nil {
		return err
	}
	if err := l.f.Truncate(0); err != nil {
		return fmt.Errorf("publish instance: %w", err)
	}
	if _, err := l.f.WriteAt(append(b, '\n'), 0); err != nil {
		return fmt.Errorf("publish instance: %w", err)
	}
	return l.f.Sync()
}

// stopping publishes that this eddy has begun to shut down, so that a
// start on the directory meanwhile waits for it to exit.
func (l *instanceLock) stopping(mode string) error {
	return l.publish(instanceInfo{PID: os.Getpid(), Version: version(), Mode: mode, Stopping: true})
}

// release drops the lock (the process ending, even by kill -9, drops it
// too). The file keeps what was last published (stopping, after a
// shutdown): a next holder publishes itself first thing, and an empty
// file, read in the instant before the lock dropped, would have said
// "in use by another eddy (pid 0)".
func (l *instanceLock) release() {
	l.f.Close()
}

// serverIDFile, in a data directory, holds the id of the eddy that
// serves it, made at its first start and kept across restarts: it names
// the server's exactly-once transactions (engine.Options.InstanceID).
// Servers that share a --listen address, as two machines or containers
// with the default flags do, still get ids of their own.
const serverIDFile = "server.id"

// serverID reads the data directory's server id, making it on first use.
// The caller holds the directory's lock.
func serverID(dir string) (string, error) {
	path := filepath.Join(dir, serverIDFile)
	b, err := os.ReadFile(path)
	if id := strings.TrimSpace(string(b)); err == nil && id != "" {
		return id, nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read the server id: %w", err)
	}
	var raw [8]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("make a server id: %w", err)
	}
	id := hex.EncodeToString(raw[:])
	if err := atomicfile.Write(path, []byte(id+"\n")); err != nil {
		return "", fmt.Errorf("write the server id: %w", err)
	}
	return id, nil
}
