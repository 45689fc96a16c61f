package serde

// plainChunks is in plainchunks_amd64.s.
//
//go:noescape
func plainChunks(b []byte, ascii bool) int
