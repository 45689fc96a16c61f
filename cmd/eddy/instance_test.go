package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is an output written by one goroutine and read by another.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSecondEddyIsAClientOfTheFirst keeps one eddy running on a data
// directory (reading a script from a pipe that stays open) and runs a
// second `eddy -e` on the same directory: the second connects to the first
// instead of starting a broker of its own over the same files, so what it
// creates is in the first one's catalog.
func TestSecondEddyIsAClientOfTheFirst(t *testing.T) {
	dir := t.TempDir()
	first := startPipedShell(t, []string{"--data-dir", dir, "--kafka-listen", "127.0.0.1:0", "--registry-listen", ""})
	awaitPublishedREST(t, dir, &first.stderr)

	var out, errw strings.Builder
	code := run([]string{"--data-dir", dir, "--kafka-listen", "127.0.0.1:0", "--registry-listen", "", "-e",
		"CREATE STREAM from_second (id INT KEY, v STRING) WITH (kafka_topic='from_second', value_format='JSON', partitions=1);"},
		os.Stdin, &out, &errw)
	if code != 0 || !strings.Contains(out.String(), "Stream created") {
		t.Fatalf("second eddy: code %d out %q err %q", code, out.String(), errw.String())
	}

	io.WriteString(first.feed, "SHOW STREAMS;\n")
	first.feed.Close()
	select {
	case code := <-first.done:
		if code != 0 {
			t.Fatalf("first eddy: code %d stderr %q", code, first.stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the first eddy did not end with its input")
	}
	if !strings.Contains(first.stdout.String(), "FROM_SECOND") {
		t.Errorf("the first eddy's catalog lacks the stream the second created:\n%s", first.stdout.String())
	}
	// Once the first has gone, the directory is free again.
	out.Reset()
	code = run([]string{"--data-dir", dir, "--kafka-listen", "127.0.0.1:0", "--registry-listen", "", "-e", "SHOW STREAMS;"}, os.Stdin, &out, &errw)
	if code != 0 || !strings.Contains(out.String(), "FROM_SECOND") {
		t.Errorf("after the first ended: code %d out %q", code, out.String())
	}
}

// TestBusyPortIsAnError: a port in use by another program is an error on
// the terminal that names the address and the flag, for the broker, the
// Schema Registry and the REST API alike.
func TestBusyPortIsAnError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	busy := ln.Addr().String()
	for _, tc := range []struct{ flag string }{{"--kafka-listen"}, {"--registry-listen"}, {"--listen"}} {
		args := []string{"--data-dir", t.TempDir(), "--kafka-listen", "127.0.0.1:0", "--registry-listen", "", "-e", "SHOW STREAMS;"}
		args = append(args, tc.flag, busy) // the later flag wins
		var out, errw strings.Builder
		code := run(args, os.Stdin, &out, &errw)
		if code != 1 || !strings.Contains(errw.String(), busy) || !strings.Contains(errw.String(), tc.flag) {
			t.Errorf("%s on a busy port: code %d stderr %q", tc.flag, code, errw.String())
		}
	}
}

// TestServerFlagKeepsStateInStateDir: a shell of a remote server needs no
// data directory; its history goes to the user's state directory.
func TestServerFlagKeepsStateInStateDir(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "/state")
	t.Setenv("XDG_DATA_HOME", "/data")
	f, err := parseShellFlags([]string{"--server", "http://h:8088"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if f.historyFile != "/state/eddy/history" || f.logDir() != "/state/eddy" {
		t.Errorf("history %q, log dir %q; want them under /state/eddy", f.historyFile, f.logDir())
	}
}

// TestLockWaitsForAnExitingHolder: a data directory whose lock is still
// held by an eddy that is gone (killed a moment ago, the kernel not yet
// done with its files) is taken once the lock drops, rather than refused
// as busy; one held by a live process is refused at once.
func TestLockWaitsForAnExitingHolder(t *testing.T) {
	dir := t.TempDir()
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	hold := func(pid int) *os.File {
		t.Helper()
		f, err := os.OpenFile(filepath.Join(dir, instanceFile), os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(instanceInfo{PID: pid, REST: "http://127.0.0.1:1", Mode: "server"})
		f.Truncate(0)
		f.WriteAt(b, 0)
		return f
	}

	held := hold(os.Getpid())
	var busy *errDirBusy
	if _, err := lockDataDir(dir, 0, nil); !errors.As(err, &busy) {
		t.Fatalf("a lock held by a live process: got %v, want busy", err)
	}
	held.Close()

	held = hold(gone.Process.Pid)
	time.AfterFunc(300*time.Millisecond, func() { held.Close() })
	lock, err := lockDataDir(dir, 0, nil)
	if err != nil {
		t.Fatalf("a lock held for a process that is gone: %v", err)
	}
	lock.release()
}

// TestClientOfAnExitedEddySaysWhatToDo: a second eddy on a data directory
// is a client of the first; when the first exits under it, the second's
// next statement fails with a message that says so and what to do
// (start eddy again), not the advice to start an eddy server.
func TestClientOfAnExitedEddySaysWhatToDo(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--data-dir", dir, "--kafka-listen", "127.0.0.1:0", "--registry-listen", ""}
	first := startPipedShell(t, args)
	awaitPublishedREST(t, dir, &first.stderr)
	deadline := time.Now().Add(30 * time.Second)

	second := startPipedShell(t, args)
	// The second answers through the first: its output shows the table
	// once it has connected and run the statement.
	io.WriteString(second.feed, "SHOW STREAMS;\n")
	for !strings.Contains(second.stdout.String(), "KSQL_PROCESSING_LOG") {
		if time.Now().After(deadline) {
			t.Fatalf("the second eddy answered nothing; stderr %q", second.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}

	first.feed.Close()
	if code := <-first.done; code != 0 {
		t.Fatalf("first eddy: code %d stderr %q", code, first.stderr.String())
	}
	io.WriteString(second.feed, "SHOW STREAMS;\n")
	second.feed.Close()
	if code := <-second.done; code != 1 {
		t.Errorf("second eddy: code %d, want 1", code)
	}
	want := "Has the eddy shell (pid " + strconv.Itoa(os.Getpid()) + ") serving " + dir + " exited? Then leave this shell and start eddy again"
	if !strings.Contains(second.stderr.String(), want) || strings.Contains(second.stderr.String(), "start one with 'eddy server'") {
		t.Errorf("the second eddy's error lacks\n%s\ngot:\n%s", want, second.stderr.String())
	}
}

// awaitPublishedREST waits until the eddy running on dir has published
// its REST address in the instance file, which it does once it is up.
func awaitPublishedREST(t *testing.T, dir string, stderr *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var info instanceInfo
		b, _ := os.ReadFile(filepath.Join(dir, instanceFile))
		if json.Unmarshal(b, &info) == nil && info.REST != "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first eddy published no REST address; stderr %q", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pipedShell is an eddy shell run in the test's process, reading its
// statements from feed until feed is closed.
type pipedShell struct {
	feed           *os.File
	stdout, stderr syncBuffer
	done           chan int // its exit code
}

// startPipedShell runs eddy with args on a pipe's read end.
func startPipedShell(t *testing.T, args []string) *pipedShell {
	t.Helper()
	in, feed, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close() })
	sh := &pipedShell{feed: feed, done: make(chan int, 1)}
	go func() { sh.done <- run(args, in, &sh.stdout, &sh.stderr) }()
	return sh
}

// TestLockWaitsForAStoppingHolder: a server started while the previous
// one on its data directory is still shutting down (a script's or a
// supervisor's restart right after the stop) waits for it to exit and
// takes the directory, instead of refusing it as busy; and the holder it
// finds is this process, named in the file as soon as it holds the lock.
func TestLockWaitsForAStoppingHolder(t *testing.T) {
	dir := t.TempDir()
	old, err := lockDataDir(dir, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := old.publish(instanceInfo{PID: os.Getpid(), REST: "http://127.0.0.1:1", Mode: "server"}); err != nil {
		t.Fatal(err)
	}
	if err := old.stopping("server"); err != nil {
		t.Fatal(err)
	}
	var waited instanceInfo
	lockWaiting = func(info instanceInfo) {
		if waited.PID == 0 {
			waited = info
			old.release() // the old server exits
		}
	}
	t.Cleanup(func() { lockWaiting = nil })
	var logged []string
	lock, err := lockDataDir(dir, 0, func(format string, args ...any) { logged = append(logged, fmt.Sprintf(format, args...)) })
	if err != nil {
		t.Fatalf("a lock held by a server that is shutting down: %v", err)
	}
	defer lock.release()
	if !waited.Stopping || waited.PID != os.Getpid() {
		t.Errorf("waited for %+v, want the stopping holder", waited)
	}
	if len(logged) != 1 || !strings.Contains(logged[0], fmt.Sprintf("(pid %d), which is shutting down", os.Getpid())) {
		t.Errorf("logged %q, want one line naming the stopping holder", logged)
	}
	var info instanceInfo
	b, _ := os.ReadFile(filepath.Join(dir, instanceFile))
	if err := json.Unmarshal(b, &info); err != nil || info.PID != os.Getpid() || info.Stopping || info.REST != "" {
		t.Errorf("the new holder's file says %s, want its pid alone", b)
	}
}
