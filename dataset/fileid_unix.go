//go:build unix

package dataset

import (
	"io/fs"
	"syscall"
)

// fileID identifies a file or folder across the paths (links) leading to it.
type fileID struct{ dev, ino uint64 }

// idOf returns the identity of the file st describes (false when unknown).
func idOf(st fs.FileInfo) (fileID, bool) {
	s, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, false
	}
	return fileID{uint64(s.Dev), uint64(s.Ino)}, true //nolint:unconvert // Dev and Ino are not uint64 on every unix
}
