package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/chzyer/readline"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/repl"
)

// runShell starts the engine (or connects to --server) and runs the shell: interactive on a
// terminal, else a script from -e, -f or stdin.
func runShell(args []string, stdin *os.File, stdout, stderr io.Writer) int {
	f, err := parseShellFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "eddy:", err)
		return 2
	}
	interactive := f.execute == "" && f.file == "" && readline.IsTerminal(int(stdin.Fd()))
	if f.server != "" && f.authFile != "" {
		fmt.Fprintln(stderr, "eddy: --auth-file is for the engine the shell starts; with --server give --user (and --password)")
		return 2
	}
	if err := f.loadUsers(); err != nil {
		fmt.Fprintln(stderr, "eddy:", err)
		return 1
	}

	// Read a script before starting anything, so a typo fails fast.
	script, hasScript := f.execute, f.execute != ""
	source := "" // the shell names piped input <stdin>
	if hasScript {
		source = "<command line>"
	}
	if !hasScript && f.file != "" {
		source = f.file
		b, err := os.ReadFile(f.file)
		if err != nil {
			fmt.Fprintln(stderr, "eddy:", err)
			return 1
		}
		script, hasScript = string(b), true
	}
	if !hasScript && !interactive {
		// `eddy < flow.sql` is all there: run it as -f runs a file,
		// parsed whole first. A pipe runs as its lines arrive, as in
		// ksqlDB's CLI: a program may be feeding it statement by
		// statement.
		if st, err := stdin.Stat(); err == nil && st.Mode().IsRegular() {
			b, err := io.ReadAll(stdin)
			if err != nil {
				fmt.Fprintln(stderr, "eddy: read stdin:", err)
				return 1
			}
			script, hasScript, source = string(b), true, "<stdin>"
		}
	}

	if err := ensureDataDir(f.logDir()); err != nil {
		fmt.Fprintln(stderr, "eddy:", err)
		return 1
	}
	// The log goes to a file so it never clobbers the prompt or output.
	logFile, err := os.OpenFile(filepath.Join(f.logDir(), "eddy.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Fprintln(stderr, "eddy: open log:", err)
		return 1
	}
	defer logFile.Close()
	logf := log.New(logFile, "", log.LstdFlags|log.Lmicroseconds).Printf

	// In the interactive shell Ctrl-C cancels a query, which the shell
	// handles; only SIGTERM ends the process. A script stops on either.
	sigs := []os.Signal{syscall.SIGTERM}
	if !interactive {
		sigs = append(sigs, os.Interrupt)
	}
	ctx, stop := signal.NotifyContext(context.Background(), sigs...)
	defer stop()

	client, where, closeClient, err := openClient(ctx, f, stdin, stderr, logf)
	if err != nil {
		fmt.Fprintln(stderr, "eddy:", err)
		return 1
	}
	defer closeClient()
	logf("eddy %s started; %s", version(), where)

	o := repl.Options{
		Client:          client,
		In:              stdin,
		Out:             stdout,
		Err:             stderr,
		Interactive:     interactive,
		HistoryFile:     f.historyFile,
		Vars:            f.defines,
		ContinueOnError: f.continueOnError,
		Source:          source,
		Output:          strings.ToUpper(f.output),
		Version:         version(),
		ServerURL:       f.restURL,
		QueryRowLimit:   f.queryRowLimit,
		QueryTimeout:    time.Duration(f.queryTimeout) * time.Millisecond,
		Connect:         connector(f),
		Banner: fmt.Sprintf("eddy %s: streaming SQL, compatible with ksqlDB\n%s\n"+
			"Type 'help' for help; Ctrl-D exits.\n", version(), where),
	}
	if hasScript {
		err = repl.RunScript(ctx, o, script)
		if eng, ok := client.(*engine.Engine); ok && eng.Inserted() && ctx.Err() == nil {
			settle(ctx, eng, stderr, logf)
		}
	} else {
		err = repl.Run(ctx, o)
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, repl.ErrStatementFailed):
		return 1 // the shell has printed why
	case ctx.Err() != nil:
		return 130 // stopped by a signal, like a shell's 128+SIGINT
	default:
		fmt.Fprintln(stderr, "eddy:", err)
		return 1
	}
}

// settleTimeout bounds how long a script's shell waits, before it
// exits, for its queries to process what the script wrote.
const settleTimeout = 30 * time.Second

// settle has the queries a script left running process what the script
// inserted (and anything before it) into their inputs before the shell
// stops them, so that its results are in their outputs when the shell returns
// (a pull query in the next shell sees them). Past settleTimeout they go
// on at the next start, as before.
func settle(ctx context.Context, eng *engine.Engine, stderr io.Writer, logf func(string, ...any)) {
	sctx, cancel := context.WithTimeout(ctx, settleTimeout)
	defer cancel()
	start := time.Now()
	if err := eng.Settle(sctx); err != nil {
		logf("queries still had input to process after %v: %v", time.Since(start).Round(time.Millisecond), err)
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			fmt.Fprintf(stderr, "eddy: the queries had not processed all of their input after %v; they go on at the next start\n", settleTimeout)
		}
		return
	}
	logf("queries processed their input in %v", time.Since(start).Round(time.Millisecond))
}
