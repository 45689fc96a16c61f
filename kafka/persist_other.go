//go:build !windows

package kafka

// errNoPersistence is nil: the embedded broker persists to its data
// directory here (see persist_windows.go).
var errNoPersistence error
