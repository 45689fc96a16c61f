//go:build !purego

package serde

// plainChunks is in plainchunks_amd64.s.
//
//go:noescape
func plainChunks(b []byte, ascii bool) int

// vectorScan says plainChunks scans whole chunks.
const vectorScan = true
