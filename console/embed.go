// Package console holds the web console: its source (src/, built with
// Vite by `make console`) and the built page in dist/, which is embedded
// so that `go build` alone gives a binary that serves it.
package console

import (
	"embed"
	"io/fs"
)

//go:embed dist
var dist embed.FS

// Assets is the built console: index.html and assets/.
func Assets() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // dist is embedded above; Sub fails only on a bad name
	}
	return sub
}
