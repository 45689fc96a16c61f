package repl

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/chzyer/readline"
)

// errInterrupt is Ctrl-C at the prompt: clear the line, keep going.
var errInterrupt = errors.New("interrupt")

// lineReader yields input lines; io.EOF ends the session.
type lineReader interface {
	ReadLine(prompt string) (string, error)
	// Remember adds a finished statement, whatever lines it took, to the
	// history as one entry.
	Remember(entry string)
	// Cancel ends a ReadLine waiting for input, and every later one; it
	// may be called from any goroutine.
	Cancel()
	Close() error
}

// newLineReader uses readline on a terminal (editing, history, Ctrl-C
// handling) and a plain line scanner otherwise, showing prompts only in
// interactive mode.
func newLineReader(o Options) (lineReader, error) {
	f, isFile := o.In.(*os.File)
	if o.terminal != nil || isFile && o.Interactive && readline.IsTerminal(int(f.Fd())) {
		comp := newCompleter(o.Client)
		cfg := &readline.Config{
			AutoComplete:      comp,
			HistoryFile:       o.HistoryFile,
			HistorySearchFold: true,
			// The shell saves a statement once it is complete, as one
			// entry, so that Up recalls all of its lines at once.
			DisableAutoSaveHistory: true,
			Stdout:                 o.Out,
			Stderr:                 o.Err,
			InterruptPrompt:        "^C",
			EOFPrompt:              "\n",
		}
		if isFile {
			cfg.Stdin = readline.NewCancelableStdin(f)
		}
		if o.terminal != nil {
			o.terminal(cfg)
		}
		input, _ := cfg.Stdin.(io.Closer)
		rl, err := readline.NewEx(cfg)
		if err != nil {
			return nil, fmt.Errorf("start line editor: %w", err)
		}
		comp.show = func(text string) { rl.Write([]byte(text)) }
		comp.width = readline.GetScreenWidth
		comp.names.refresh() // fetch the names while the user starts typing
		return &readlineReader{rl: rl, comp: comp, input: input}, nil
	}
	r := &plainReader{}
	src := o.In
	if isFile {
		if p, ok := pollable(f); ok {
			src, r.closer = p, p
		}
	}
	r.sc = bufio.NewScanner(src)
	r.sc.Buffer(make([]byte, 64*1024), 64*1024*1024) // long pasted statements
	if o.Interactive {
		r.prompts = o.Out
	}
	return r, nil
}

type readlineReader struct {
	rl   *readline.Instance
	comp *completer
	// input is the editor's input, closed to cancel a read (readline's
	// own Close is not safe beside a running Readline).
	input io.Closer
	// lines since the main prompt: the statement being continued.
	lines []string
}

func (r *readlineReader) ReadLine(p string) (string, error) {
	r.prompted(p)
	r.rl.SetPrompt(p)
	line, err := r.rl.Readline()
	if err == nil {
		r.lines = append(r.lines, line)
	}
	if errors.Is(err, readline.ErrInterrupt) {
		return "", errInterrupt
	}
	return line, err
}

// prompted keeps the completer in step with the shell: the main prompt
// starts a statement (so what was typed before has run or was cancelled,
// and may have created or dropped names); a continuation prompt continues
// the lines read since.
func (r *readlineReader) prompted(p string) {
	if p == prompt {
		if strings.TrimSpace(strings.Join(r.lines, "")) != "" {
			r.comp.statementDone()
		}
		r.lines = r.lines[:0]
	}
	r.comp.setPending(strings.Join(r.lines, "\n"))
}

func (r *readlineReader) Remember(entry string) { r.rl.SaveHistory(entry) }

func (r *readlineReader) Cancel() {
	if r.input != nil {
		r.input.Close()
	}
}

// Close closes the input first: readline's Close closes only its own
// buffer in front of it, and waits for its input loop, which may be
// reading a key (it was, after Ctrl-D typed while a query ran) that
// would never come.
func (r *readlineReader) Close() error {
	r.Cancel()
	return r.rl.Close()
}

type plainReader struct {
	sc      *bufio.Scanner
	prompts io.Writer // nil: no prompts (script mode)
	// closer, when set, is the input, which Cancel and Close close to
	// end a read waiting on it.
	closer io.Closer
}

func (r *plainReader) ReadLine(prompt string) (string, error) {
	if r.prompts != nil {
		io.WriteString(r.prompts, prompt)
	}
	if !r.sc.Scan() {
		if err := r.sc.Err(); err != nil {
			return "", fmt.Errorf("read input: %w", err)
		}
		return "", io.EOF
	}
	return strings.TrimSuffix(r.sc.Text(), "\r"), nil
}

func (r *plainReader) Remember(string) {}

func (r *plainReader) Cancel() { r.Close() }

func (r *plainReader) Close() error {
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}

// historyEntry joins a statement's lines into the one line a history
// entry is (the history file holds one per line). A "--" comment would
// swallow the lines joined after it, so it becomes a block comment.
func historyEntry(lines []string) string {
	parts := make([]string, 0, len(lines))
	for _, l := range lines {
		code, comment := splitLineComment(l)
		code = strings.TrimSpace(code)
		if comment = strings.TrimSpace(strings.TrimPrefix(comment, "--")); comment != "" {
			code = strings.TrimSpace(code + " /* " + strings.ReplaceAll(comment, "*/", "* /") + " */")
		}
		if code != "" {
			parts = append(parts, code)
		}
	}
	return strings.Join(parts, " ")
}

// splitLineComment splits a line at a "--" comment outside quotes.
func splitLineComment(line string) (code, comment string) {
	sc := scanner{src: line}
	for sc.off < len(line) {
		start := sc.off
		if strings.HasPrefix(line[start:], "--") {
			return line[:start], line[start:]
		}
		if c := line[start]; (c == '\'' || c == '"' || c == '`' || c == '/') && sc.skip() {
			continue
		}
		sc.off++
	}
	return line, ""
}
