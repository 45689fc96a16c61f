package repl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/sql"
)

// maxScriptDepth bounds RUN SCRIPT nesting so a script that runs itself
// fails instead of recursing forever.
const maxScriptDepth = 16

// run runs one statement of the input, and says where it is when it
// fails.
func (s *shell) run(ctx context.Context, st located) error {
	s.ran++
	text := st.text
	var sub *sql.Substituted
	var err error
	if sql.SubstitutionOn(s.props) {
		if sub, err = sql.SubstituteTracked(st.text, s.vars); err == nil {
			text = sub.Text
		}
	}
	if err == nil {
		err = s.statement(ctx, text)
	}
	if err == nil || errors.Is(err, ErrStatementFailed) || errors.Is(err, errExit) ||
		(errors.Is(err, context.Canceled) && ctx.Err() != nil) {
		return err
	}
	return st.failure(s.source, err, sub)
}

// failed is a failure of input at in that is not a statement (a shell
// command).
func (s *shell) failed(in located, err error) error {
	s.ran++
	return in.failure(s.source, err, nil)
}

// statement runs one complete statement (with its ';', variables
// substituted): shell-side ones here, SELECT and PRINT as streams, the
// rest through Execute.
func (s *shell) statement(ctx context.Context, text string) error {
	st := classify(text)
	sent := text
	if s.client.SubstitutesVariables() && sql.SubstitutionOn(s.props) {
		sent = strings.ReplaceAll(text, "${", "$${")
	}
	switch st.kind {
	case kindSelect:
		return s.query(ctx, sent, st.pull)
	case kindPrint:
		return s.print(ctx, sent)
	case kindSet:
		// As ksqlDB's CLI does: refused here, with Kafka's or ksqlDB's
		// message, not by the next statement sent.
		if err := sql.CheckLocalProperty(st.name, st.value); err != nil {
			return err
		}
		old, had := s.props[st.name]
		s.props[st.name] = st.value
		if had {
			fmt.Fprintf(s.notes(), "Successfully changed local property '%s' from '%s' to '%s'.\n", st.name, old, st.value)
		} else {
			fmt.Fprintf(s.notes(), "Successfully changed local property '%s' to '%s'. Use the UNSET command to revert your change.\n", st.name, st.value)
		}
	case kindUnset:
		old, had := s.props[st.name]
		if !had {
			return fmt.Errorf("Cannot unset local property '%s' which was never set in the first place", st.name)
		}
		delete(s.props, st.name)
		fmt.Fprintf(s.notes(), "Successfully unset local property '%s' (value was '%s').\n", st.name, old)
	case kindDefine:
		s.undefine(st.name)
		s.vars[st.name] = st.value
	case kindUndefine:
		if !s.undefine(st.name) {
			fmt.Fprintf(s.out, "Cannot undefine variable '%s' which was never defined.\n", st.name)
		}
	case kindShowVars:
		return s.render([]api.Entity{s.variables(text)})
	case kindRunScript:
		return s.runScript(ctx, st.name)
	default:
		if t := tokenize(text, 1); len(t) == 1 && t[0].kind == tokWord && t[0].val == "ASSERT" {
			// An ASSERT may wait as long as its TIMEOUT: Ctrl-C stops the
			// wait (the server stops when the request goes), as it stops
			// a query, and the statement fails.
			interrupted, err := s.interruptible(ctx, func(ctx context.Context) error { return s.execute(ctx, sent) })
			if interrupted {
				return errors.New("Stopped waiting for the assertion (Ctrl-C).")
			}
			return err
		}
		err := s.execute(ctx, sent)
		if t := tokenize(text, 3); len(t) == 3 && t[0].val == "DESCRIBE" && t[1].val == "EXTENDED" && t[1].kind == tokWord {
			fmt.Fprintln(s.errw, describeExtendedHint)
		}
		return err
	}
	return nil
}

// notes is where the shell's own messages go: beside the results, but
// not into CSV, which a tool reads.
func (s *shell) notes() io.Writer {
	if s.output == OutputCSV {
		return s.errw
	}
	return s.out
}

// undefine removes a variable whatever the case of its name.
func (s *shell) undefine(name string) bool {
	found := false
	for k := range s.vars {
		if strings.EqualFold(k, name) {
			delete(s.vars, k)
			found = true
		}
	}
	return found
}

func (s *shell) variables(text string) *api.VariablesList {
	names := make([]string, 0, len(s.vars))
	for k := range s.vars {
		names = append(names, k)
	}
	sort.Strings(names)
	vl := &api.VariablesList{Type: "variables", StatementText: text, Variables: []api.Variable{}, Warnings: []api.Warning{}}
	for _, n := range names {
		vl.Variables = append(vl.Variables, api.Variable{Name: n, Value: s.vars[n]})
	}
	return vl
}

// execute sends a statement to the server and renders what comes back,
// including the entities of earlier statements when a later one failed.
func (s *shell) execute(ctx context.Context, text string) error {
	ents, err := s.client.Execute(ctx, text, maps.Clone(s.props))
	if rerr := s.render(ents); rerr != nil && err == nil {
		err = rerr
	}
	if err != nil {
		return err
	}
	for _, e := range ents {
		if cs, ok := e.(*api.CurrentStatus); ok && cs.CommandStatus.Status == "ERROR" {
			msg, _, _ := strings.Cut(cs.CommandStatus.Message, "\n")
			return errors.New(msg)
		}
	}
	return nil
}

// render writes entities in the session's output format.
func (s *shell) render(ents []api.Entity) error {
	if len(ents) == 0 {
		return nil
	}
	if s.output == OutputJSON {
		b, err := entitiesJSON(ents)
		if err != nil {
			return err
		}
		fmt.Fprintln(s.out, string(b))
		return nil
	}
	r := &renderer{out: s.out, width: s.width(), local: s.props, csv: s.output == OutputCSV}
	for _, e := range ents {
		r.entity(e)
	}
	return nil
}

// query streams a SELECT's rows to the screen until it ends or Ctrl-C;
// pull holds its header back until a row or the end (see rowPrinter.hold).
func (s *shell) query(ctx context.Context, text string, pull bool) error {
	out := newBatchWriter(s.out, batchWait)
	defer out.Flush()
	p := &rowPrinter{out: out, info: s.errw, termWidth: s.width(), screen: s.toScreen(), json: s.output == OutputJSON, csv: s.output == OutputCSV,
		colWidth: s.colWidth, clip: s.noWrap, hold: pull}
	var limited string       // why --query-row-limit or --query-timeout stopped it
	var rowLimit atomic.Bool // emit (maybe on the engine's goroutine) reached --query-row-limit
	interrupted, err := s.interruptible(ctx, func(ctx context.Context) error {
		qctx, cancel := ctx, context.CancelFunc(func() {})
		if s.queryTimeout > 0 {
			qctx, cancel = context.WithTimeout(ctx, s.queryTimeout)
		}
		defer cancel()
		emit := p.emit
		if s.rowLimit > 0 {
			emit = func(r api.StreamedRow) error {
				if rowLimit.Load() {
					return errRowLimit // a row the stream sent before it stopped
				}
				if err := p.emit(r); err != nil || r.Row == nil || p.rows < s.rowLimit {
					return err
				}
				rowLimit.Store(true)
				cancel()
				return errRowLimit
			}
		}
		err := s.client.Stream(qctx, text, maps.Clone(s.props), emit)
		if rowLimit.Load() {
			unit := "rows"
			if s.rowLimit == 1 {
				unit = "row"
			}
			limited = fmt.Sprintf("Query terminated after %d %s (--query-row-limit)", s.rowLimit, unit)
		} else if ctx.Err() == nil && errors.Is(qctx.Err(), context.DeadlineExceeded) {
			limited = fmt.Sprintf("Query terminated after %d ms (--query-timeout)", s.queryTimeout.Milliseconds())
		}
		if limited != "" {
			return nil
		}
		return err
	})
	if interrupted || limited != "" || err == nil && p.errorMsg == "" && p.ended {
		p.finish() // a failed query shows only its error
	}
	out.Flush()
	if interrupted {
		fmt.Fprintln(s.out, "Query terminated")
		return nil
	}
	if limited != "" && !p.ended {
		fmt.Fprintln(s.notes(), limited)
		return nil
	}
	if err != nil {
		return err
	}
	if p.errorMsg != "" {
		return errors.New(p.errorMsg)
	}
	if !p.ended {
		if err := ctx.Err(); err != nil {
			return err // the session ended (SIGTERM): not the server's doing
		}
		// A stream cut short says nothing: the server went away (shut
		// down, or a proxy closed the connection).
		return errors.New("The query ended without completing: the server closed the stream (was it shut down?)")
	}
	return nil
}

// batchWait is the longest a streamed row or PRINT line waits to be
// written with those after it.
const batchWait = 20 * time.Millisecond

// errRowLimit stops a query's stream at --query-row-limit.
var errRowLimit = errors.New("row limit reached")

// print streams PRINT's lines until it ends or Ctrl-C.
func (s *shell) print(ctx context.Context, text string) error {
	out := newBatchWriter(s.out, batchWait)
	interrupted, err := s.interruptible(ctx, func(ctx context.Context) error {
		return s.client.Print(ctx, text, maps.Clone(s.props), func(line string) error {
			if s.toScreen() {
				line = visibleControls(line)
			}
			_, err := fmt.Fprintln(out, line)
			return err
		})
	})
	if ferr := out.Flush(); err == nil && !interrupted {
		err = ferr
	}
	if interrupted {
		fmt.Fprintln(s.out, "Topic printing ceased")
		return nil
	}
	return err
}

// interruptible runs fn with a context that Ctrl-C (SIGINT) cancels, and
// reports whether that happened. The watcher goroutine ends with fn.
func (s *shell) interruptible(ctx context.Context, fn func(context.Context) error) (bool, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.drainInterrupts()
	var interrupted atomic.Bool
	done := make(chan struct{})
	watcherDone := make(chan struct{})
	go func() {
		defer close(watcherDone)
		select {
		case <-s.interrupts:
			interrupted.Store(true)
			cancel()
		case <-done:
		}
	}()
	err := fn(ctx)
	close(done)
	<-watcherDone
	if interrupted.Load() {
		return true, nil
	}
	return false, err
}

// drainInterrupts drops a Ctrl-C that arrived while no query ran, so it
// does not cancel the next one.
func (s *shell) drainInterrupts() {
	for {
		select {
		case <-s.interrupts:
		default:
			return
		}
	}
}

// readScript reads the statements of a RUN SCRIPT file, each with where
// it starts.
func readScript(path string) ([]located, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("RUN SCRIPT: %w", err)
	}
	if err := checkEncoding(string(b)); err != nil {
		return nil, fmt.Errorf("RUN SCRIPT: %s: %w", path, err)
	}
	stmts, rest := splitLocated(trimBOM(string(b)), loc{1, 1})
	if rest.text != "" {
		rest.text = terminate(rest.text)
		stmts = append(stmts, rest)
	}
	return stmts, nil
}

// runScript runs a file's statements in this session, stopping at the
// first failure.
func (s *shell) runScript(ctx context.Context, path string) error {
	if s.scripts >= maxScriptDepth {
		return fmt.Errorf("RUN SCRIPT nested more than %d deep", maxScriptDepth)
	}
	stmts, err := readScript(path)
	if err != nil {
		return err
	}
	s.scripts++
	outer := s.source
	s.source = path
	defer func() { s.scripts--; s.source = outer }()
	if s.interactive || !s.keepGoing { // not with --continue-on-error
		if err := s.checkSyntax(stmts); err != nil {
			fmt.Fprintln(s.errw, err.Error())
			return fmt.Errorf("%w: %s: %w", ErrStatementFailed, path, err)
		}
	}
	for _, st := range stmts {
		if err := s.run(ctx, st); err != nil {
			if errors.Is(err, ErrStatementFailed) {
				return err
			}
			fmt.Fprintln(s.errw, err.Error())
			var se *StatementError
			if errors.As(err, &se) {
				s.failures = append(s.failures, se)
			}
			return fmt.Errorf("%w: %s: %w", ErrStatementFailed, path, err)
		}
	}
	return nil
}
