package kafka

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// kfake writes its idempotent producers' sequence windows
// (seq_windows.json) only when it stops cleanly, and reloads them at
// start. After a kill -9 the file is the state of the last clean stop:
// a producer that wrote since then (librdkafka's, with
// enable.idempotence) sent its next sequence number, the broker compared
// it with the stale window and answered OUT_OF_ORDER_SEQUENCE_NUMBER,
// which such a producer treats as fatal. A marker file says the broker
// is running; found at start, the last run was killed, and the stale
// windows are dropped: a producer the broker has no window for may go
// on with any sequence number (as Kafka since 2.5 accepts from a
// producer it lost the state of). What is lost is the deduplication of
// a batch in flight at the kill, which a retry may then write twice.
const (
	runningMarker  = "eddy-broker-running"
	seqWindowsFile = "seq_windows.json"
)

// forgetStaleProducerState drops the sequence windows a killed run left
// behind, reporting whether it did, and marks the broker running.
func forgetStaleProducerState(dir string) (bool, error) {
	marker := filepath.Join(dir, runningMarker)
	dropped := false
	if _, err := os.Stat(marker); err == nil {
		err := os.Remove(filepath.Join(dir, seqWindowsFile))
		switch {
		case err == nil:
			dropped = true
		case !errors.Is(err, fs.ErrNotExist):
			return false, fmt.Errorf("drop the producer state a killed broker left: %w", err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		return false, fmt.Errorf("mark the broker running: %w", err)
	}
	return dropped, nil
}

// markStopped removes the running marker once the broker has written its
// state at a clean stop.
func markStopped(dir string) error {
	if err := os.Remove(filepath.Join(dir, runningMarker)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
