package dataset

import "io/fs"

// DescribeMode names the kind of a file that is not a regular file, as the
// errors wrapping ErrNotRegular do: "a named pipe (FIFO)", "a character
// device", "a folder", ... Other packages refusing such files (a model, a
// reference) say it the same way.
func DescribeMode(m fs.FileMode) string { return describeMode(m) }
