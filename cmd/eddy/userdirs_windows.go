//go:build windows

package main

import (
	"os"
	"path/filepath"
)

// userDataDir is %LocalAppData%\eddy\data: Windows keeps a user's
// per-machine program data under LocalAppData, not in a dot directory of
// the profile.
func userDataDir() (string, bool) {
	d, err := os.UserCacheDir() // %LocalAppData%
	if err != nil {
		return "", false
	}
	return filepath.Join(d, "eddy", "data"), true
}

// userStateDir is %LocalAppData%\eddy\state (a shell's log and history
// with --server), apart from the data directory, which a server on this
// machine may hold.
func userStateDir() (string, bool) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", false
	}
	return filepath.Join(d, "eddy", "state"), true
}
