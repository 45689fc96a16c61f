// Package repl is eddy's interactive shell and script runner. It is a
// client: it reaches a server only through Client, so the same shell runs
// against the in-process engine or a remote server over HTTP.
package repl

import (
	"context"

	"github.com/eddysql/eddy/api"
)

// Client is how the shell reaches a server: *engine.Engine in-process,
// or HTTPClient for a remote server's REST API.
type Client interface {
	// Execute runs non-query statements (the /ksql endpoint).
	Execute(ctx context.Context, sql string, props map[string]string) ([]api.Entity, error)
	// Stream runs a SELECT (push or pull, the /query endpoint), emitting
	// the header, the rows and a final message; it returns when the query
	// is done or ctx is cancelled.
	Stream(ctx context.Context, sql string, props map[string]string, emit func(api.StreamedRow) error) error
	// Print runs PRINT, emitting one text line per record.
	Print(ctx context.Context, sql string, props map[string]string, emit func(line string) error) error
}

// resubstituter is a Client whose server substitutes variables in what
// it is sent once more (an HTTP server does, as ksqlDB's does), so a
// literal ${ the shell leaves (written $${) must reach it escaped again.
// The in-process engine substitutes nothing.
type resubstituter interface{ SubstitutesVariables() bool }
