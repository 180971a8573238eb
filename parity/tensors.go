package parity

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/detect"
	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/npy"
)

// tensorsPrefix starts a pipeline of tensors another program wrote.
const tensorsPrefix = "tensors:"

// tensorsSpec is a parsed "tensors:dir=DIR[,layout=L][,unmap=SPEC]".
type tensorsSpec struct {
	raw    string
	dir    string
	layout string         // "auto", "nchw" or "nhwc"
	unmap  letterbox.Spec // its geometry maps boxes back, unless a sidecar does
	hasMap bool
}

// parseTensorsSpec reads a tensors pipeline: dir (required) is the folder of
// one .npy per image, matched by the image's path under the dataset's image
// folder with .npy for its extension (subfolders mirrored); layout (auto, nchw,
// nhwc) says how to read each array (auto: channels first when the first
// non-batch axis is 3, else last); unmap is a spec whose geometry maps the boxes
// back. unmap comes last: the rest of the string is its spec, with its own
// overrides ("unmap=sg-coco:pad=0,inner=640").
func parseTensorsSpec(p string) (tensorsSpec, error) {
	t := tensorsSpec{raw: p, layout: "auto"}
	body := strings.TrimPrefix(p, tensorsPrefix)
	keys := "dir (a folder of .npy files), layout (auto, nchw, nhwc), unmap (a spec, last)"
	if i := strings.Index(body, "unmap="); i >= 0 && (i == 0 || body[i-1] == ',') {
		s, err := letterbox.Parse(body[i+len("unmap="):])
		if err != nil {
			return t, fmt.Errorf("pipeline %q: unmap: %w", p, err)
		}
		t.unmap, t.hasMap = s, true
		body = strings.TrimSuffix(body[:i], ",")
	}
	for _, kv := range strings.Split(body, ",") {
		k, v, ok := strings.Cut(kv, "=")
		switch {
		case kv == "" && body == "":
		case !ok:
			return t, fmt.Errorf("pipeline %q: %q is not key=value (keys: %s)", p, kv, keys)
		case k == "dir" && t.dir == "":
			t.dir = v
		case k == "layout" && (v == "auto" || v == "nchw" || v == "nhwc"):
			t.layout = v
		case k == "layout":
			return t, fmt.Errorf("pipeline %q: layout=%q, expected auto, nchw or nhwc", p, v)
		default:
			return t, fmt.Errorf("pipeline %q: key %q unknown or given twice, expected %s", p, k, keys)
		}
	}
	if t.dir == "" {
		return t, fmt.Errorf("pipeline %q: no dir=, expected the folder of the .npy tensors (%s)", p, keys)
	}
	if st, err := os.Stat(t.dir); err != nil || !st.IsDir() {
		return t, fmt.Errorf("pipeline %q: dir=%s is not a folder", p, t.dir)
	}
	return t, nil
}

// tensorStage feeds the tensors of a folder: each image's .npy, checked
// against the model's input and converted to its layout and element type, with
// the unmapping of its sidecar STEM.json or of the unmap spec.
type tensorStage struct {
	ts    tensorsSpec
	unmap *specStage // nil without unmap=
	tgt   Target
}

func bindTensors(p string, sig *detect.Signature) (stage, error) {
	ts, err := parseTensorsSpec(p)
	if err != nil {
		return nil, err
	}
	tgt, err := fixedTarget(sig)
	if err != nil {
		return nil, err
	}
	st := &tensorStage{ts: ts, tgt: tgt}
	if ts.hasMap {
		// The unmap spec need not feed the model (its dtype or decoder do not
		// matter): only its geometry, adapted to the model's input, is used.
		s, err := ts.unmap.ForInput(st.tgt.W, st.tgt.H)
		if err != nil {
			return nil, fmt.Errorf("unmap: %w", err)
		}
		st.unmap = &specStage{spec: s, tensor: s, tgt: st.tgt, plans: map[[2]int]*letterbox.Plan{}}
	}
	return st, nil
}

func (t *tensorStage) decoder() string { return "" }
func (t *tensorStage) target() Target  { return t.tgt }

func (t *tensorStage) describe(pr *PipelineResult) {
	pr.Spec, pr.Size, pr.Decoder = t.ts.raw, fmt.Sprintf("%dx%d", t.tgt.W, t.tgt.H), "none"
}

// files returns the tensor and sidecar paths of an image: its name in the
// dataset with the extension replaced.
func (t *tensorStage) files(name string) (tensor, sidecar string) {
	stem := strings.TrimSuffix(name, path.Ext(name))
	base := filepath.Join(t.ts.dir, filepath.FromSlash(stem))
	return base + ".npy", base + ".json"
}

func (t *tensorStage) prepare(in Input, dst []float32) (int, int, Unmapper, error) {
	file, sidecar := t.files(in.Name)
	a, err := npy.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, 0, nil, fmt.Errorf("no tensor %s for this image (tensors are matched by the image's path with .npy for its extension)", file)
	}
	if err != nil {
		return 0, 0, nil, err
	}
	if err := t.fill(file, a, dst); err != nil {
		return 0, 0, nil, err
	}
	u, err := t.unmapper(sidecar, in)
	if err != nil {
		return 0, 0, nil, err
	}
	return t.tgt.W, t.tgt.H, u, nil
}

// fill checks a tensor against the model's input (size, layout, dtype) and
// writes it into dst in the model's layout.
func (t *tensorStage) fill(file string, a *npy.Array, dst []float32) error {
	first, w, h, err := npy.ImageShape(a.Shape)
	if err != nil {
		return fmt.Errorf("tensor %s: %w", file, err)
	}
	switch {
	case t.ts.layout == "nchw" && !first, t.ts.layout == "nhwc" && first:
		return fmt.Errorf("tensor %s: shape %s is not %s as the pipeline says", file, npy.ShapeString(a.Shape), t.ts.layout)
	case w != t.tgt.W || h != t.tgt.H:
		return fmt.Errorf("tensor %s: shape %s is a %dx%d image, the model takes %dx%d", file, npy.ShapeString(a.Shape), w, h, t.tgt.W, t.tgt.H)
	case t.tgt.Uint8 && a.DType != npy.Uint8:
		return fmt.Errorf("tensor %s: %s values, the model takes uint8 input: save the 0..255 bytes (dtype uint8)", file, a.DType)
	case a.DType == npy.Float64:
		return fmt.Errorf("tensor %s: float64 values, expected float32, float16 or uint8 (the dtypes models take): save with .astype(np.float32)", file)
	}
	v := a.Float32()
	n := w * h
	if first == (t.tgt.Layout == letterbox.NCHW) {
		copy(dst, v)
		return nil
	}
	for i := range n { // HWC -> CHW, or back
		for c := range 3 {
			if first {
				dst[3*i+c] = v[c*n+i]
			} else {
				dst[c*n+i] = v[3*i+c]
			}
		}
	}
	return nil
}

// sidecar is the geometry a pipeline in another language wrote beside a
// tensor: boxes map back as (x - pad_left) / scale_x, (y - pad_top) / scale_y.
// The other keys of `detparity preprocess --geometry-out` are accepted (and
// unused), so that its output is a sidecar as it is; any other key is refused
// (a misspelt key would otherwise pass unnoticed).
type sidecar struct {
	ScaleX  *float64 `json:"scale_x"`
	ScaleY  *float64 `json:"scale_y"`
	PadLeft *float64 `json:"pad_left"`
	PadTop  *float64 `json:"pad_top"`

	Pipeline  string `json:"pipeline"`
	Decoder   string `json:"decoder"`
	SrcW      int    `json:"src_w"`
	SrcH      int    `json:"src_h"`
	DstW      int    `json:"dst_w"`
	DstH      int    `json:"dst_h"`
	ResizedW  int    `json:"resized_w"`
	ResizedH  int    `json:"resized_h"`
	PadBottom int    `json:"pad_bottom"`
	PadRight  int    `json:"pad_right"`
	Order     string `json:"order"`
}

// unmapper is the sidecar's geometry when there is one, else the unmap spec's.
func (t *tensorStage) unmapper(file string, in Input) (Unmapper, error) {
	b, err := readSmall(file, 1<<16)
	switch {
	case errors.Is(err, fs.ErrNotExist) && t.unmap != nil:
		pl, err := t.unmap.plan(in.W, in.H)
		if err != nil {
			return nil, fmt.Errorf("unmap: %w", err)
		}
		return pl.Geometry(), nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("no sidecar %s and no unmap=SPEC in the pipeline: nothing says how boxes map back to the image", file)
	case err != nil:
		return nil, err
	}
	var sc sidecar
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sc); err != nil {
		return nil, fmt.Errorf("sidecar %s: %v; expected {\"scale_x\": …, \"scale_y\": …, \"pad_left\": …, \"pad_top\": …}", file, err)
	}
	if sc.ScaleX == nil || sc.ScaleY == nil || sc.PadLeft == nil || sc.PadTop == nil || !(*sc.ScaleX > 0) || !(*sc.ScaleY > 0) {
		return nil, fmt.Errorf("sidecar %s: expected scale_x > 0, scale_y > 0, pad_left and pad_top, all four", file)
	}
	sx, sy, l, tp := *sc.ScaleX, *sc.ScaleY, *sc.PadLeft, *sc.PadTop
	return UnmapFunc(func(b box.Box) box.Box {
		return box.Box{X1: (b.X1 - l) / sx, Y1: (b.Y1 - tp) / sy, X2: (b.X2 - l) / sx, Y2: (b.Y2 - tp) / sy}
	}), nil
}

// readSmall reads a regular file of at most limit bytes.
func readSmall(file string, limit int64) ([]byte, error) {
	st, err := os.Stat(file)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() || st.Size() > limit {
		return nil, fmt.Errorf("%s: expected a regular file of at most %d bytes", file, limit)
	}
	return os.ReadFile(file)
}
