//go:build !amd64

package serde

// plainChunks scans nothing where there is no vector version: callers go
// on with their eight-byte loops.
func plainChunks(b []byte, ascii bool) int { return 0 }
