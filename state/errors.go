package state

import "errors"

// errClosed is returned by a closed memory store.
var errClosed = errors.New("state: store is closed")
