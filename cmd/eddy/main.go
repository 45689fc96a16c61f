// Command eddy is a streaming-SQL engine, server and shell compatible with
// ksqlDB. With no subcommand it starts the engine (on an embedded Kafka
// broker unless --bootstrap-servers names one) and opens the shell.
//
//	eddy [flags]          engine + interactive shell (or a script: -f, -e, piped stdin)
//	eddy server [flags]   engine without a shell, until SIGINT/SIGTERM
//	eddy test FILE...     run ksqlDB query-translation test files
//	eddy migrations ...   schema migrations, compatible with ksql-migrations
//	eddy version          print the version
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/eddysql/eddy/migrations"
	"github.com/eddysql/eddy/qtt"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches on the subcommand and returns the exit code.
func run(args []string, stdin *os.File, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "server":
			return runServer(args[1:], stderr)
		case "test":
			return qtt.Main(args[1:], stdout, stderr)
		case "migrations":
			return migrations.Main(args[1:], stdout, stderr)
		case "version":
			fmt.Fprintln(stdout, "eddy", currentBuild())
			return 0
		case "help":
			usage(stdout)
			return 0
		}
	}
	return runShell(args, stdin, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `eddy: streaming SQL compatible with ksqlDB

Usage:
  eddy [flags]          start the engine and open the shell
  eddy server [flags]   run the engine without a shell
  eddy test FILE...     run query-translation test files (eddy test -h)
  eddy migrations ...   manage schema migrations like ksql-migrations
                        (eddy migrations help)
  eddy version          print the version

Run 'eddy -h' or 'eddy server -h' for the flags.
`)
}
