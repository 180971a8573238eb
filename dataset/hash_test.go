package dataset_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/dataset/internal/imgtest"
)

func hashOf(t *testing.T, dir string) string {
	t.Helper()
	ds, err := dataset.Open(context.Background(), dir, dataset.DefaultOptions())
	require.NoError(t, err)
	h, err := ds.Hash(context.Background(), dataset.DefaultOptions())
	require.NoError(t, err)
	require.Len(t, h, 64)
	return h
}

// TestHash: a dataset hashes alike wherever it lies, and differently after any
// change of its image list, a label byte, a missing label file or its class
// names; a label file that cannot be read is hashed as such, not by its path.
func TestHash(t *testing.T) {
	png := string(imgtest.PNG(t, imgtest.Smooth(8, 6)))
	base := map[string]string{
		"images/a.png": png, "images/sub/b.png": png, "images/c.png": png,
		"labels/a.txt": "0 0.5 0.5 0.5 0.5\n", "labels/sub/b.txt": "1 0.25 0.25 0.5 0.5\n",
		"classes.txt": "person\ncar\n",
	}
	tree := func(change func(m map[string]string)) string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		if change != nil {
			change(m)
		}
		dir := t.TempDir()
		writeTree(t, dir, m)
		return dir
	}
	want := hashOf(t, tree(nil))
	assert.Equal(t, want, hashOf(t, tree(nil)), "same content, another path")
	for name, change := range map[string]func(m map[string]string){
		"label byte":        func(m map[string]string) { m["labels/a.txt"] = "0 0.5 0.5 0.5 0.6\n" },
		"label line order":  func(m map[string]string) { m["labels/a.txt"] = "0 0.5 0.5 0.5 0.5\n0 0.1 0.1 0.1 0.1\n" },
		"image renamed":     func(m map[string]string) { m["images/d.png"] = m["images/c.png"]; delete(m, "images/c.png") },
		"image added":       func(m map[string]string) { m["images/e.png"] = png },
		"empty label file":  func(m map[string]string) { m["labels/c.txt"] = "" },
		"class renamed":     func(m map[string]string) { m["classes.txt"] = "person\nbus\n" },
		"names from a yaml": func(m map[string]string) { delete(m, "classes.txt"); m["data.yaml"] = "names: [person, car, dog]\n" },
	} {
		assert.NotEqual(t, want, hashOf(t, tree(change)), name)
	}
	// Image pixels are not hashed.
	assert.Equal(t, want, hashOf(t, tree(func(m map[string]string) { m["images/c.png"] = string(imgtest.PNG(t, imgtest.Smooth(9, 6))) })))

	// An unreadable label file (a named pipe) hashes alike at two paths, without blocking.
	fifo := func() string {
		dir := tree(nil)
		require.NoError(t, os.Remove(filepath.Join(dir, "labels", "a.txt")))
		mkfifo(t, filepath.Join(dir, "labels", "a.txt"))
		return dir
	}
	h1, h2 := hashOf(t, fifo()), hashOf(t, fifo())
	assert.Equal(t, h1, h2)
	assert.NotEqual(t, want, h1)

	// COCO: the instances json is hashed.
	c1, c2 := t.TempDir(), t.TempDir()
	goodCOCO(t, c1, "annotations.json")
	js := goodCOCO(t, c2, "annotations.json")
	assert.Equal(t, hashOf(t, c1), hashOf(t, c2))
	b, err := os.ReadFile(js)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(js, append(b, ' '), 0o644))
	assert.NotEqual(t, hashOf(t, c1), hashOf(t, c2))

	// Cancellation.
	ds, err := dataset.Open(context.Background(), tree(nil), dataset.DefaultOptions())
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = ds.Hash(ctx, dataset.DefaultOptions())
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, "dataset: hash: stopped after 0 of 3 images: context canceled", err.Error())
}
