package parity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"syscall"

	"github.com/detparity/detparity/dataset"
)

// ResultFormat is the version of the run JSON this package writes
// (Result.Format). 2 added the format itself, the models', dataset's and
// reference's hashes and the settings bins, layout and strict_labels; files
// without a format (version 1) are refused by ReadJSON, since what they compare
// cannot be told.
const ResultFormat = 2

// fileSHA256 is the SHA-256 (hex) of the file at path, which must be a regular
// file: a named pipe or a device is refused before reading (it could block or
// never end). role names the file in errors.
func fileSHA256(ctx context.Context, role, path string) (string, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return "", fmt.Errorf("parity: %s: %w", role, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("parity: %s: %w", role, err)
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("parity: %s %s is %s, %w: refused before reading", role, path, dataset.DescribeMode(st.Mode()), dataset.ErrNotRegular)
	}
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx, f}); err != nil {
		return "", fmt.Errorf("parity: %s %s: %w", role, path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ctxReader stops reading once ctx ends (a large model file is read in
// chunks of 32 kB).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, context.Cause(c.ctx)
	}
	return c.r.Read(p)
}

// identity is what a result says it compares: the hashes of the models and
// the reference.
type identity struct {
	models    []string
	reference string
}

// identify hashes cfg's models and reference, before any of them is opened.
func identify(ctx context.Context, cfg Config) (identity, error) {
	var id identity
	for _, m := range cfg.modelList() {
		h, err := fileSHA256(ctx, "model", m)
		if err != nil {
			return id, err
		}
		id.models = append(id.models, h)
	}
	if cfg.Reference != "" {
		h, err := fileSHA256(ctx, "reference", cfg.Reference)
		if err != nil {
			return id, err
		}
		id.reference = h
	}
	return id, nil
}

// stamp sets res's format, hashes and settings.
func (id identity) stamp(res *Result, s Settings) {
	res.Format = ResultFormat
	res.ModelSHA256, res.ReferenceSHA256 = id.models, id.reference
	res.Bins, res.Layout, res.StrictLabels = s.Bins, strings.ToLower(s.Layout), s.StrictLabels
	res.ClassesKept, res.SingleLabel, res.ClassAgnostic = s.Classes, s.SingleLabel, s.ClassAgnostic
	if res.Layout == "" {
		res.Layout = "auto"
	}
}

// ErrDifferentRuns is wrapped by the errors of Merge and Compare refusing two
// results of different models or data (by their hashes, whatever their paths).
var ErrDifferentRuns = errors.New("the runs are of different models or data")

// sameInputs checks that a and b ran the same model bytes on the same dataset
// (Result.ModelSHA256, Result.DataSHA256), labelled la and lb in the error.
func sameInputs(la string, a *Result, lb string, b *Result) error {
	short := func(h []string) string {
		out := make([]string, len(h))
		for i, x := range h {
			out[i] = x[:min(12, len(x))]
		}
		return strings.Join(out, ", ")
	}
	switch {
	case !slices.Equal(a.ModelSHA256, b.ModelSHA256):
		return fmt.Errorf("%s ran model %s (sha256 %s), %s model %s (sha256 %s): %w", la, strings.Join(a.Models, ", "), short(a.ModelSHA256),
			lb, strings.Join(b.Models, ", "), short(b.ModelSHA256), ErrDifferentRuns)
	case a.DataSHA256 != b.DataSHA256:
		return fmt.Errorf("%s evaluated dataset %s (sha256 %s), %s dataset %s (sha256 %s): %w", la, a.Data, short([]string{a.DataSHA256}),
			lb, b.Data, short([]string{b.DataSHA256}), ErrDifferentRuns)
	}
	return nil
}
