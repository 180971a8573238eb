//go:build unix

package dataset_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/dataset/internal/imgtest"
)

// symlink makes link point at target (relative targets are relative to link's folder).
func symlink(t *testing.T, target, link string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(link), 0o755))
	require.NoError(t, os.Symlink(target, link))
}

// mkfifo makes a named pipe at p.
func mkfifo(t *testing.T, p string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, syscall.Mkfifo(p, 0o644))
}

// within runs f and fails the test if it does not return within 10 s (a read of a named
// pipe with no writer would block forever).
func within(t *testing.T, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("blocked for 10 s (reading a named pipe?)")
	}
}

// TestOpenFollowsSymlinks: images/ a link to a folder outside the dataset, subfolders
// links (inside and outside): all followed; the outside ones counted with their names.
func TestOpenFollowsSymlinks(t *testing.T) {
	base := t.TempDir()
	png := string(imgtest.PNG(t, imgtest.Smooth(8, 6)))
	writeTree(t, filepath.Join(base, "store"), map[string]string{"a.png": png, "deep/b.png": png})
	writeTree(t, filepath.Join(base, "more"), map[string]string{"c.png": png})
	ds := filepath.Join(base, "ds")
	writeTree(t, ds, map[string]string{
		"classes.txt": "x\n", "labels/a.txt": "0 0.5 0.5 0.5 0.5\n", "labels/deep/b.txt": "", "labels/in/d.txt": "",
		"inside/d.png": png,
	})
	symlink(t, filepath.Join(base, "store"), filepath.Join(ds, "images"))        // outside the dataset
	symlink(t, filepath.Join(base, "more"), filepath.Join(base, "store", "out")) // outside again, under images/
	symlink(t, "../ds/inside", filepath.Join(base, "store", "in"))               // back inside the dataset: not counted
	symlink(t, filepath.Join(base, "nowhere"), filepath.Join(base, "store", "gone.png"))

	d, err := dataset.Open(bg, ds, dataset.DefaultOptions())
	require.NoError(t, err)
	var names []string
	for _, it := range d.Items {
		names = append(names, it.Name)
	}
	assert.Equal(t, []string{"a.png", "deep/b.png", "in/d.png", "out/c.png"}, names)
	assert.Equal(t, filepath.Join(ds, "labels", "in", "d.txt"), d.Items[2].LabelPath)
	byKind := map[string]dataset.Warning{}
	for _, w := range d.Warnings {
		byKind[w.Kind] = w
	}
	assert.Equal(t, dataset.Warning{Kind: dataset.WarnOutsideLink, Count: 2, First: []string{"images", "images/out"},
		Message: "2 symbolic links lead outside the dataset folder; followed"}, byKind[dataset.WarnOutsideLink])
	assert.Equal(t, dataset.Warning{Kind: dataset.WarnBrokenLink, Count: 1, First: []string{"images/gone.png"},
		Message: "1 symbolic link leads nowhere (target missing); skipped"}, byKind[dataset.WarnBrokenLink])
}

// TestOpenSymlinkLoops: a link back to a containing folder, and two links to one
// folder, are refused with the paths named.
func TestOpenSymlinkLoops(t *testing.T) {
	png := string(imgtest.PNG(t, imgtest.Smooth(8, 6)))
	t.Run("loop", func(t *testing.T) {
		ds := t.TempDir()
		writeTree(t, ds, map[string]string{"classes.txt": "x\n", "images/sub/a.png": png})
		symlink(t, "..", filepath.Join(ds, "images", "sub", "up"))
		var err error
		within(t, func() { _, err = dataset.Open(bg, ds, dataset.DefaultOptions()) })
		assert.EqualError(t, err, "dataset: "+filepath.Join(ds, "images", "sub", "up")+": symbolic link loop: it leads back to "+
			filepath.Join(ds, "images")+", which contains it; remove the link")
	})
	t.Run("same folder twice", func(t *testing.T) {
		ds := t.TempDir()
		writeTree(t, ds, map[string]string{"classes.txt": "x\n", "shared/a.png": png, "images/b.png": png})
		symlink(t, "../shared", filepath.Join(ds, "images", "s1"))
		symlink(t, "../shared", filepath.Join(ds, "images", "s2"))
		_, err := dataset.Open(bg, ds, dataset.DefaultOptions())
		assert.EqualError(t, err, "dataset: "+filepath.Join(ds, "images", "s1")+" and "+filepath.Join(ds, "images", "s2")+
			" are the same folder, so its images would count twice; remove the symbolic link or the split entry that leads to it again")
	})
}

// TestNotRegularFilesRefused: named pipes and devices where an image, a label file, a
// names file or a data YAML is expected are refused before any read (no hang).
func TestNotRegularFilesRefused(t *testing.T) {
	png := string(imgtest.PNG(t, imgtest.Smooth(8, 6)))
	t.Run("image", func(t *testing.T) {
		ds := t.TempDir()
		writeTree(t, ds, map[string]string{"classes.txt": "x\n", "images/a.png": png})
		pipe := filepath.Join(ds, "images", "pipe.jpg")
		mkfifo(t, pipe)
		symlink(t, "/dev/zero", filepath.Join(ds, "images", "zero.png"))
		var d *dataset.Dataset
		var err error
		within(t, func() { d, err = dataset.Open(bg, ds, dataset.DefaultOptions()) })
		require.NoError(t, err)
		require.Len(t, d.Items, 3, "they are images of the dataset that fail when decoded")
		within(t, func() {
			_, err = dataset.GoDecoder{}.Decode(pipe)
			require.ErrorIs(t, err, dataset.ErrNotRegular)
			assert.EqualError(t, err, "dataset: decode: "+pipe+" is a named pipe (FIFO), not a regular file: refused before reading")
			_, _, err = dataset.DecodeConfig(filepath.Join(ds, "images", "zero.png"))
			assert.EqualError(t, err, "dataset: decode: "+filepath.Join(ds, "images", "zero.png")+
				" is a character device, not a regular file: refused before reading")
			_, err = dataset.ReadImageFile(pipe)
			assert.ErrorIs(t, err, dataset.ErrNotRegular)
		})
	})
	t.Run("label file", func(t *testing.T) {
		ds := t.TempDir()
		writeTree(t, ds, map[string]string{"classes.txt": "x\n", "images/a.png": png, "images/b.png": png, "labels/b.txt": ""})
		mkfifo(t, filepath.Join(ds, "labels", "a.txt"))
		var d *dataset.Dataset
		var err error
		within(t, func() { d, err = dataset.Open(bg, ds, dataset.DefaultOptions()) })
		require.NoError(t, err, "a bad label file fails its image, not the dataset")
		_, err = d.Labels(d.Items[0], 8, 6)
		require.ErrorIs(t, err, dataset.ErrNotRegular)
		assert.EqualError(t, err, "dataset: "+filepath.Join(ds, "images", "a.png")+": label file: "+filepath.Join(ds, "labels", "a.txt")+
			" is a named pipe (FIFO), not a regular file: refused before reading")
		_, err = d.Labels(d.Items[1], 8, 6)
		assert.NoError(t, err)
	})
	t.Run("names file", func(t *testing.T) {
		ds := t.TempDir()
		writeTree(t, ds, map[string]string{"images/a.png": png})
		symlink(t, "/dev/zero", filepath.Join(ds, "classes.txt"))
		var err error
		within(t, func() { _, err = dataset.Open(bg, ds, dataset.DefaultOptions()) })
		require.ErrorIs(t, err, dataset.ErrNotRegular)
		assert.EqualError(t, err, "dataset: names file: "+filepath.Join(ds, "classes.txt")+" is a character device, not a regular file: refused before reading")
	})
	t.Run("data yaml", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "data.yaml")
		mkfifo(t, p)
		var err error
		within(t, func() { _, err = dataset.Open(bg, p, dataset.DefaultOptions()) })
		require.ErrorIs(t, err, dataset.ErrNotRegular)
		assert.EqualError(t, err, "dataset: "+p+" is a named pipe (FIFO): not a regular file, expected a dataset folder or a data .yaml")
	})
}

// TestSizeCaps: label, names and index files larger than their Options cap are refused
// before they are read, naming the cap.
func TestSizeCaps(t *testing.T) {
	png := string(imgtest.PNG(t, imgtest.Smooth(8, 6)))
	ds := t.TempDir()
	writeTree(t, ds, map[string]string{"classes.txt": "x\n", "images/a.png": png, "labels/a.txt": "0 0.5 0.5 0.5 0.5\n"})
	o := dataset.DefaultOptions()
	o.MaxLabelBytes = 10
	d, err := dataset.Open(bg, ds, o)
	require.NoError(t, err)
	_, err = d.Labels(d.Items[0], 8, 6)
	require.ErrorIs(t, err, dataset.ErrTooLarge)
	assert.EqualError(t, err, "dataset: "+filepath.Join(ds, "images", "a.png")+": label file: "+filepath.Join(ds, "labels", "a.txt")+
		" is 18 bytes, more than the cap of 10 (Options.MaxLabelBytes): file too large")

	o = dataset.DefaultOptions()
	o.MaxNamesBytes = 1
	_, err = dataset.Open(bg, ds, o)
	require.ErrorIs(t, err, dataset.ErrTooLarge)
	assert.EqualError(t, err, "dataset: names file: "+filepath.Join(ds, "classes.txt")+" is 2 bytes, more than the cap of 1 (Options.MaxNamesBytes): file too large")

	o = dataset.DefaultOptions()
	o.MaxLabelBytes = -1
	_, err = dataset.Open(bg, ds, o)
	assert.EqualError(t, err, "dataset: Options.MaxLabelBytes = -1, expected >= 0 (start from DefaultOptions())")

	d, err = dataset.Open(bg, ds, dataset.Options{MaxNamesBytes: 2, Split: "val"})
	require.NoError(t, err, "zero means zero: an empty label file would pass, this one does not")
	_, err = d.Labels(d.Items[0], 8, 6)
	assert.ErrorIs(t, err, dataset.ErrTooLarge)
}

// TestOpenCancelled: Open stops with the context's error.
func TestOpenCancelled(t *testing.T) {
	ds := t.TempDir()
	writeTree(t, ds, map[string]string{"classes.txt": "x\n", "images/a.png": "", "labels/a.txt": ""})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := dataset.Open(ctx, ds, dataset.DefaultOptions())
	require.True(t, errors.Is(err, context.Canceled), "%v", err)
	assert.EqualError(t, err, "dataset: scan "+filepath.Join(ds, "images")+": stopped after 0 entries: context canceled")
}
