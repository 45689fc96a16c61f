//go:build !amd64 || purego

package serde

// plainChunks scans nothing where there is no vector version (or the
// purego tag asks for none): callers go on with their eight-byte loops.
func plainChunks(b []byte, ascii bool) int { return 0 }

// vectorScan says plainChunks scans whole chunks.
const vectorScan = false
