// Package atomicfile replaces small files so that a crash leaves either
// the old content or the new, never a torn file.
package atomicfile

import "os"

// Write replaces path with b through a synced temporary file beside it.
func Write(path string, b []byte) error {
	tmp := path + ".eddy-tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
