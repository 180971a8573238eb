//go:build !unix

package dataset

import "io/fs"

// fileID identifies a file or folder across the paths (links) leading to it.
type fileID struct{ dev, ino uint64 }

// idOf returns false: without unix file identities, link loops are not detected (the
// walk then stops at the operating system's path length limit with an error).
func idOf(fs.FileInfo) (fileID, bool) { return fileID{}, false }
