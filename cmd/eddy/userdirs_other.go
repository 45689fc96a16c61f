//go:build !windows

package main

import (
	"os"
	"path/filepath"
)

// userDataDir is ~/.local/share/eddy (XDG's default).
func userDataDir() (string, bool) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", false
	}
	return filepath.Join(home, ".local", "share", "eddy"), true
}

// userStateDir is ~/.local/state/eddy (XDG's default).
func userStateDir() (string, bool) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", false
	}
	return filepath.Join(home, ".local", "state", "eddy"), true
}
