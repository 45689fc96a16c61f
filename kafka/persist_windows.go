//go:build windows

package kafka

import "errors"

// errNoPersistence is why the embedded broker keeps no data directory on
// Windows: kfake's persistence renames its *.tmp files over files it
// still holds open, which Windows refuses ("Sharing violation"), so it
// would fail at start with that alone.
var errNoPersistence = errors.New("the embedded Kafka broker does not run on Windows yet: its persistence (kfake) renames files it holds open, which Windows refuses; start eddy with --bootstrap-servers HOST:PORT to use a Kafka cluster (docs/getting-started.md#windows)")
