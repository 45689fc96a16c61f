//go:build !unix

package kafka

// openFilesLimit is unknown here.
func openFilesLimit() uint64 { return 0 }
