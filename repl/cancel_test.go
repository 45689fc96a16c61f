package repl

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chzyer/readline"
)

// TestCancelEndsAReadFromAnOpenPipe: a script piped in by a program that
// keeps the pipe open (the shell's input is an os.File, as stdin is). The
// statement written runs; cancelling the session (SIGTERM) then ends the
// session while it waits for the next line, rather than when the writer
// closes the pipe.
func TestCancelEndsAReadFromAnOpenPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	c := &testClient{}
	var out, errw strings.Builder
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, Options{Client: c, In: r, Out: &out, Err: &errw}) }()
	if _, err := io.WriteString(w, "SHOW STREAMS;\n"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); len(c.sqls()) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the statement written never ran")
		}
	}
	cancel()
	waitCancelled(t, done, "the session still waits on the open pipe after its cancellation")
	if got := c.sqls(); len(got) != 1 || got[0] != "Execute SHOW STREAMS;" {
		t.Errorf("calls %q, want the one statement", got)
	}
}

// TestCancelEndsAnIdlePrompt: the interactive shell waiting at its
// prompt, on a terminal, ends when its session is cancelled (SIGTERM).
func TestCancelEndsAnIdlePrompt(t *testing.T) {
	keys, typing := io.Pipe()
	defer typing.Close()
	var out, errw strings.Builder
	ctx, cancel := context.WithCancel(context.Background())
	o := Options{Client: &testClient{}, In: strings.NewReader(""), Out: &out, Err: &errw, Interactive: true,
		interrupts: make(chan os.Signal), terminal: fakeTerminal(keys)}
	done := make(chan error, 1)
	go func() { done <- Run(ctx, o) }()
	time.Sleep(100 * time.Millisecond) // at the prompt
	cancel()
	waitCancelled(t, done, "the shell still waits at its prompt after its cancellation")
}

// waitCancelled waits for a cancelled session's end, failing with
// stuck if it does not end.
func waitCancelled(t *testing.T, done <-chan error, stuck string) {
	t.Helper()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the session ended with %v, want the cancellation", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal(stuck)
	}
}

// fakeTerminal has the line editor read keys as from a terminal of 80
// columns.
func fakeTerminal(keys io.ReadCloser) func(*readline.Config) {
	return func(cfg *readline.Config) {
		cfg.Stdin = keys
		cfg.FuncIsTerminal = func() bool { return true }
		cfg.FuncMakeRaw = func() error { return nil }
		cfg.FuncExitRaw = func() error { return nil }
		cfg.FuncGetWidth = func() int { return 80 }
		cfg.FuncOnWidthChanged = func(func()) {}
	}
}

// TestCloseEndsTheEditorsRead: closing the shell's line editor while its
// input loop waits for a key (a shell given Ctrl-D while a query ran ended
// with the loop reading) returns instead of waiting for a key that never
// comes: readline's Close stops only its own buffer, not the input under
// it.
func TestCloseEndsTheEditorsRead(t *testing.T) {
	keys, typing := io.Pipe()
	defer typing.Close()
	var out, errw strings.Builder
	lr, err := newLineReader(Options{Client: &testClient{}, In: strings.NewReader(""), Out: &out, Err: &errw, Interactive: true,
		interrupts: make(chan os.Signal), terminal: fakeTerminal(keys)})
	if err != nil {
		t.Fatal(err)
	}
	// A line read first orders the editor's start before Close (its
	// goroutine's start races with an immediate Close inside readline).
	go io.WriteString(typing, "SHOW STREAMS;\r")
	if line, err := lr.ReadLine("eddy> "); err != nil || line != "SHOW STREAMS;" {
		t.Fatalf("ReadLine = %q, %v", line, err)
	}
	lr.(*readlineReader).rl.Terminal.KickRead() // the loop now reads a key
	time.Sleep(50 * time.Millisecond)
	done := make(chan error, 1)
	go func() { done <- lr.Close() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close still waits for a key")
	}
}
