package repl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/chzyer/readline"
	"github.com/eddysql/eddy/sql"
)

// Prompts. The continuation prompt lines up with the main one.
const (
	prompt     = "eddy> "
	contPrompt = "     > "
)

// ErrStatementFailed is returned (wrapped) when a script stops at a
// failing statement. The shell has already printed the reason, so callers
// only need to exit non-zero.
var ErrStatementFailed = errors.New("statement failed")

// errExit ends the session from the `exit` command.
var errExit = errors.New("exit")

// shell is one session: its variables, local properties and settings.
type shell struct {
	client     *switchable
	connect    Connector // for the `server` command; nil: no switching
	spool      *spool    // where `spool` copies out and errw
	pipelining bool      // request-pipelining ON
	// set cli COLUMN-WIDTH and WRAP OFF, for query rows.
	colWidth int
	noWrap   bool
	// rowLimit and queryTimeout, when set, stop every SELECT after so
	// many rows or so long (--query-row-limit, --query-timeout).
	rowLimit     int
	queryTimeout time.Duration
	out, errw    io.Writer
	interactive  bool
	keepGoing    bool // errors do not stop the input (interactive or --continue-on-error)
	output       string
	version      string
	vars         map[string]string // as defined; looked up case-insensitively
	props        map[string]string // SET properties sent with every request
	history      []string
	interrupts   <-chan os.Signal
	width        func() int
	tty          bool   // out is a terminal: control characters in values are shown, not sent
	scripts      int    // RUN SCRIPT nesting depth
	pending      string // an unfinished multi-line statement
	// source names the script in error messages ("" when interactive);
	// line counts the lines read so far, and pendingAt is where pending
	// starts.
	source    string
	line      int
	pendingAt loc
	// ran counts the statements run and failures the ones that failed,
	// for the summary --continue-on-error prints at the end.
	ran      int
	failures []*StatementError
}

func newShell(o Options) (*shell, error) {
	if o.Client == nil {
		return nil, errors.New("repl: no client")
	}
	out, errw := o.Out, o.Err
	if out == nil {
		out = io.Discard
	}
	if errw == nil {
		errw = out
	}
	s := &shell{
		client:       &switchable{current: o.Client, url: o.ServerURL},
		connect:      o.Connect,
		rowLimit:     o.QueryRowLimit,
		queryTimeout: o.QueryTimeout,
		out:          out,
		errw:         errw,
		interactive:  o.Interactive,
		keepGoing:    o.Interactive || o.ContinueOnError,
		version:      o.Version,
		vars:         map[string]string{},
		props:        map[string]string{},
		interrupts:   o.interrupts,
		width:        o.width,
		source:       o.Source,
	}
	if s.interactive {
		s.source = ""
	} else if s.source == "" {
		s.source = "<stdin>"
	}
	if err := s.setOutput(o.Output); err != nil {
		return nil, err
	}
	for k, v := range o.Vars {
		s.vars[k] = v
	}
	if f, ok := out.(*os.File); ok && readline.IsTerminal(int(f.Fd())) {
		s.tty = true // a script's output too, when it goes to the screen
	}
	s.spool = &spool{}
	s.out, s.errw = &spoolWriter{w: out, sp: s.spool}, &spoolWriter{w: errw, sp: s.spool}
	if s.width == nil {
		s.width = func() int { return 0 }
		if f, ok := out.(*os.File); ok && o.Interactive && readline.IsTerminal(int(f.Fd())) {
			s.width = func() int {
				if w := readline.GetScreenWidth(); w > 0 {
					return w
				}
				return 80 // a terminal that does not report its size
			}
		}
	}
	return s, nil
}

// toScreen reports whether output goes to a terminal (in tests, one the
// width probe fakes).
func (s *shell) toScreen() bool { return s.tty || s.width() > 0 }

func (s *shell) setOutput(format string) error {
	switch f := strings.ToUpper(strings.TrimSpace(format)); f {
	case "", OutputTabular:
		s.output = OutputTabular
	case OutputJSON, OutputCSV:
		s.output = f
	default:
		return fmt.Errorf("unknown output format %q (want TABULAR, JSON or CSV)", format)
	}
	return nil
}

// Run runs a session reading o.In: an interactive loop with prompts when
// o.Interactive, else a script. It returns nil at the end of the input or
// on `exit`; in script mode it returns an error wrapping
// ErrStatementFailed at the first failing statement unless
// o.ContinueOnError.
func Run(ctx context.Context, o Options) error {
	s, err := newShell(o)
	if err != nil {
		return err
	}
	defer s.client.release()
	defer s.spool.stop()
	o.Client = s.client // completion asks the server `server` switched to
	if o.Interactive {
		if s.interrupts == nil {
			// Ctrl-C while a query runs arrives as SIGINT (the line editor
			// is not in raw mode then); it must cancel the query, not the
			// process.
			ch := make(chan os.Signal, 1)
			signal.Notify(ch, os.Interrupt)
			defer signal.Stop(ch)
			s.interrupts = ch
		}
		s.history = loadHistory(o.HistoryFile)
		if o.Banner != "" {
			fmt.Fprintln(s.out, o.Banner)
		}
	}
	in, err := newLineReader(o)
	if err != nil {
		return err
	}
	defer in.Close()
	// A cancelled session (SIGTERM) ends a read waiting for input, at the
	// prompt or on a pipe no one writes to.
	defer context.AfterFunc(ctx, in.Cancel)()
	var stmtLines []string // the lines of the statement being typed, for history
	first := true
	for {
		p := prompt
		if s.pending != "" {
			p = contPrompt
		}
		line, err := in.ReadLine(p)
		if first && err == nil {
			if err := checkEncoding(line); err != nil && !s.interactive {
				return fmt.Errorf("%s: %w", s.source, err) // a pipe, as -f refuses a file
			}
			line, first = trimBOM(line), false
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		switch {
		case errors.Is(err, errInterrupt):
			s.pending = ""
			stmtLines = nil
			continue
		case errors.Is(err, io.EOF):
			if s.interactive {
				return nil
			}
			return s.done(s.finish(ctx))
		case err != nil:
			return err
		}
		if s.interactive && (strings.TrimSpace(line) != "" || len(stmtLines) > 0) {
			// One entry per statement, however many lines it takes; the
			// `history` command sees the statement it is part of.
			stmtLines = append(stmtLines, line)
			if len(stmtLines) == 1 {
				s.history = append(s.history, "")
			}
			s.history[len(s.history)-1] = historyEntry(stmtLines)
		}
		err = s.feedLine(ctx, line)
		if s.pending == "" && len(stmtLines) > 0 {
			in.Remember(s.history[len(s.history)-1]) // complete: run or failed
			stmtLines = nil
		}
		if err != nil {
			if errors.Is(err, errExit) {
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// RunScript runs text as a script (-e, or a file) with o's settings.
func RunScript(ctx context.Context, o Options, text string) error {
	s, err := newShell(o)
	if err != nil {
		return err
	}
	defer s.client.release()
	defer s.spool.stop()
	if err := checkEncoding(text); err != nil {
		return fmt.Errorf("%s: %w", s.source, err)
	}
	text = trimBOM(text)
	if !s.keepGoing {
		if err := s.checkSyntax(scriptStatements(text)); err != nil {
			return s.outcome(err)
		}
	}
	if err := s.feedText(ctx, text); err != nil {
		if errors.Is(err, errExit) {
			return s.done(nil)
		}
		return err
	}
	return s.done(s.finish(ctx))
}

// checkEncoding refuses a script saved as UTF-16 (an editor's
// "Unicode"), which would otherwise fail as a token recognition error at
// an unprintable character.
func checkEncoding(text string) error {
	if strings.HasPrefix(text, "\xff\xfe") || strings.HasPrefix(text, "\xfe\xff") {
		return errors.New("the script is UTF-16 text (it starts with a UTF-16 byte order mark); eddy reads scripts as UTF-8: save it as UTF-8")
	}
	return nil
}

// trimBOM drops the byte order mark an editor may put at the start of
// a UTF-8 file: it is not SQL.
func trimBOM(s string) string { return strings.TrimPrefix(s, "\uFEFF") }

// done ends a script: with --continue-on-error, statements that failed
// are listed again and make it fail as a whole.
func (s *shell) done(err error) error {
	if err != nil || len(s.failures) == 0 || s.interactive {
		return err
	}
	fmt.Fprintf(s.errw, "\n%d of %d statements failed:\n", len(s.failures), s.ran)
	for _, f := range s.failures {
		fmt.Fprintf(s.errw, "  %s\n", f.Summary())
	}
	return fmt.Errorf("%w: %d of %d statements", ErrStatementFailed, len(s.failures), s.ran)
}

// feedText feeds text line by line, so CLI commands work in scripts too.
func (s *shell) feedText(ctx context.Context, text string) error {
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64*1024), len(text)+1)
	for sc.Scan() {
		if err := s.feedLine(ctx, sc.Text()); err != nil {
			return err
		}
	}
	return sc.Err()
}

// finish runs a trailing statement that lacks its ';', so that
// -e "SHOW STREAMS" works.
func (s *shell) finish(ctx context.Context) error {
	rest := s.pending
	s.pending = ""
	if rest == "" {
		return nil
	}
	return s.outcome(s.run(ctx, located{text: terminate(rest), at: s.pendingAt}))
}

// feedLine adds a line of input and runs every statement it completes.
// A returned error stops the session.
func (s *shell) feedLine(ctx context.Context, line string) error {
	s.line++
	if s.pending == "" {
		if handled, err := s.command(ctx, line); handled {
			if err != nil {
				err = s.failed(located{text: line, at: loc{s.line, 1}}, err)
			}
			return s.outcome(err)
		}
	}
	if s.pending == "" && isRunScriptCommand(line) {
		line += ";" // RUN SCRIPT is also a shell command, without ';'
	}
	if s.pending != "" {
		s.pending += "\n"
	} else {
		s.pendingAt = loc{s.line, 1}
	}
	s.pending += line
	stmts, rest := splitLocated(s.pending, s.pendingAt)
	s.pending, s.pendingAt = rest.text, rest.at
	if len(stmts) > 1 && (s.interactive || !s.keepGoing) {
		// As ksqlDB's shell handles a line: statements on one line are
		// parsed together first, so a syntax error runs none of them.
		if err := s.checkSyntax(stmts); err != nil {
			s.pending = ""
			return s.outcome(err)
		}
	}
	for _, st := range stmts {
		rerr := s.run(ctx, st)
		if err := s.outcome(rerr); err != nil {
			s.pending = ""
			return err
		}
		if rerr != nil && s.interactive {
			// As ksqlDB's shell does, a failure drops the rest of what
			// was typed with it: its statements may depend on it.
			s.pending = ""
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err // the session was cancelled (SIGTERM, or SIGINT in a script)
		}
	}
	return nil
}

// outcome prints a statement's error and decides whether it stops the
// session.
func (s *shell) outcome(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errExit):
		return err
	case errors.Is(err, context.Canceled) && !s.interactive:
		return err
	}
	printed := errors.Is(err, ErrStatementFailed) // by a nested RUN SCRIPT
	var se *StatementError
	if !printed {
		fmt.Fprintln(s.errw, err.Error())
		if errors.As(err, &se) {
			s.failures = append(s.failures, se)
		}
	}
	if s.keepGoing {
		return nil
	}
	if printed {
		return err
	}
	return fmt.Errorf("%w: %w", ErrStatementFailed, err)
}

// loadHistory reads the history file for the `history` command; the
// line editor keeps its own copy for recall.
func loadHistory(path string) []string {
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

func isRunScriptCommand(line string) bool {
	f := strings.Fields(line)
	return len(f) >= 3 && strings.EqualFold(f[0], "run") && strings.EqualFold(f[1], "script") &&
		!strings.HasSuffix(strings.TrimSpace(line), ";")
}

// terminate adds the missing ';' to an unfinished statement, on the same
// line unless that line ends in a comment.
func terminate(text string) string {
	if stmts, rest := sql.SplitStatements(text + ";"); len(stmts) == 1 && rest == "" {
		return stmts[0]
	}
	return text + "\n;"
}
