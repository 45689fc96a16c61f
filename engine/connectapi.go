package engine

import "github.com/eddysql/eddy/connect"

// The server's Kafka Connect REST API reads the built-in connectors
// through these and changes them only through Execute, so that every
// change goes through the command log like the statements' do.

// ConnectRuntime is the runtime of the built-in connectors; nil when the
// engine runs none.
func (e *Engine) ConnectRuntime() *connect.Runtime { return e.connect }

// ConnectRemote reports whether ksql.connect.url sends new connectors to
// an outside Kafka Connect cluster, where CREATE … CONNECTOR then goes.
func (e *Engine) ConnectRemote() bool { return e.remote != nil }
