package repl

import (
	"io"
	"os"
	"time"

	"github.com/chzyer/readline"
)

// Output formats.
const (
	OutputTabular = "TABULAR"
	OutputJSON    = "JSON"
	// OutputCSV writes query rows and result tables as CSV (RFC 4180),
	// for scripts that feed other tools.
	OutputCSV = "CSV"
)

// Options configures a shell session.
type Options struct {
	Client Client
	In     io.Reader
	Out    io.Writer
	Err    io.Writer
	// Interactive shows prompts, keeps going after errors and lets Ctrl-C
	// cancel a running query instead of ending the session.
	Interactive bool
	// HistoryFile persists the line history (interactive terminals only).
	HistoryFile string
	// Vars are the initial session variables (--define).
	Vars map[string]string
	// ContinueOnError keeps a script running after a failing statement;
	// at the end the failures are listed again and the script fails.
	ContinueOnError bool
	// Source names the script in error messages: its file name, or
	// "<command line>" for -e; "<stdin>" when empty and not interactive.
	Source string
	// Output is TABULAR (default), JSON or CSV.
	Output string
	// Banner is printed once when an interactive session starts.
	Banner string
	// Version is what the `version` command prints.
	Version string
	// ServerURL is the address of the server Client reaches (for the
	// in-process engine, its REST API), which `server` shows.
	ServerURL string
	// QueryRowLimit, when positive, stops every SELECT after that many
	// rows; QueryTimeout, when positive, after that long (ksqlDB's
	// --query-row-limit and --query-timeout).
	QueryRowLimit int
	QueryTimeout  time.Duration
	// Connect, when set, lets `server URL` switch the session to another
	// server.
	Connect Connector

	// interrupts replaces SIGINT delivery in tests.
	interrupts <-chan os.Signal
	// width replaces the terminal width probe in tests (0: unlimited).
	width func() int
	// terminal, in tests, makes the session use the line editor on In
	// as if it were a terminal, adjusting its configuration.
	terminal func(*readline.Config)
}
