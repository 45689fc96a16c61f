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

	"github.com/chzyer/readline"
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

	client, where, closeClient, err := openClient(ctx, f, logf)
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
		Banner: fmt.Sprintf("eddy %s: streaming SQL, compatible with ksqlDB\n%s\n"+
			"Type 'help' for help; Ctrl-D exits.\n", version(), where),
	}
	if hasScript {
		err = repl.RunScript(ctx, o, script)
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
