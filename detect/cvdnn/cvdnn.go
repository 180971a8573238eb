// Package cvdnn is the second inference runtime of the detparity data path:
//
//	letterbox (tensor) ──▶ detect (ONNX Runtime)  ──▶ detect.Signature.Decode ──▶ NMS
//	                   └─▶ cvdnn  (OpenCV DNN)    ──┘
//
// It runs the same ONNX file through OpenCV's DNN module (gocv v0.31.0 ReadNetFromONNX, OpenCV 4.6, CPU backend)
// on the same tensors, and returns the raw outputs in the form detect.Output, so both runtimes' outputs are
// compared value by value and decoded by the same detect code. It lives in its own package so that the core detect
// package needs no OpenCV; it is cgo (gocv) by nature.
//
// OpenCV's ONNX importer does not implement every operator (OpenCV 4.6 fails on NonMaxSuppression, NonZero and
// TopK graphs, i.e. NMS-baked and end-to-end exports, and on the 5-D reshapes of a YOLOv5 head), and gocv v0.31.0
// does not catch the C++ exception it throws: the process aborts. So Open first loads the model and runs one
// forward pass on a zero blob in a child process (the running executable re-started with DETPARITY_CVDNN_PROBE
// set; this package's init function serves that request and exits), and returns OpenCV's message as an error when
// the child dies. Any binary that links this package therefore answers the probe.
package cvdnn

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"gocv.io/x/gocv"

	"github.com/detparity/detparity/detect"
)

// Net is an ONNX detector loaded in OpenCV DNN. Runs are serialised (one gocv.Net is not safe for concurrent use).
type Net struct {
	sig  *detect.Signature
	mu   sync.Mutex
	net  gocv.Net
	open bool
}

// Open loads the model of sig (as detect.Inspect or detect.Model.Signature gave it) into OpenCV DNN with the
// OpenCV backend on the CPU, after a probe in a child process has shown that OpenCV can import it and run it on a
// zero blob of the model's input size (see the package comment). It fails for uint8-input models (OpenCV DNN is
// compared on float blobs), for models with a symbolic input size, channels-last input or inputs besides the image
// (it feeds one fixed-size NCHW blob), and when OpenCV cannot import or run the graph, with OpenCV's own message.
func Open(sig *detect.Signature) (*Net, error) {
	if sig.InputType != "float32" {
		return nil, fmt.Errorf("cvdnn: model %s: input is %s; OpenCV DNN is compared on float32-input models only",
			sig.Path, sig.InputType)
	}
	switch {
	case sig.DynamicSize:
		return nil, fmt.Errorf("cvdnn: model %s: the input size is symbolic; OpenCV DNN is compared on fixed-size "+
			"models only", sig.Path)
	case sig.InputLayout != "nchw":
		return nil, fmt.Errorf("cvdnn: model %s: input layout %s; OpenCV DNN is fed NCHW blobs only", sig.Path,
			sig.InputLayout)
	case len(sig.Aux) > 0:
		return nil, fmt.Errorf("cvdnn: model %s: it has inputs besides the image (%s, ...), which this backend "+
			"does not feed", sig.Path, sig.Aux[0].Name)
	}
	if err := probe(sig); err != nil {
		return nil, err
	}
	net, err := load(sig.Path)
	if err != nil {
		return nil, err
	}
	return &Net{sig: sig, net: net, open: true}, nil
}

func load(path string) (gocv.Net, error) {
	net := gocv.ReadNetFromONNX(path)
	if net.Empty() {
		net.Close()
		return net, fmt.Errorf("cvdnn: model %s: OpenCV DNN (ReadNetFromONNX) cannot import it", path)
	}
	if err := net.SetPreferableBackend(gocv.NetBackendOpenCV); err != nil {
		net.Close()
		return net, fmt.Errorf("cvdnn: model %s: backend: %w", path, err)
	}
	if err := net.SetPreferableTarget(gocv.NetTargetCPU); err != nil {
		net.Close()
		return net, fmt.Errorf("cvdnn: model %s: target: %w", path, err)
	}
	return net, nil
}

// probeEnv carries a probeRequest (JSON) to the child process.
const probeEnv = "DETPARITY_CVDNN_PROBE"

// probeRequest is what the child loads and runs.
type probeRequest struct {
	Path    string   `json:"path"`
	Input   string   `json:"input"`
	Outputs []string `json:"outputs"`
	Shape   []int    `json:"shape"`
}

// init serves the probe when this process is one (see the package comment), and registers the package as the
// detect backend "opencv-dnn" (detect.BackendByName).
func init() {
	if req, ok := os.LookupEnv(probeEnv); ok {
		os.Exit(serveProbe(req))
	}
	detect.RegisterBackend(BackendName, "OpenCV DNN "+Version()+" (CPU)", func(sig *detect.Signature, _ detect.Options) (detect.Runner, error) { return Open(sig) })
}

// BackendName is the name this package registers as a detect backend.
const BackendName = "opencv-dnn"

// serveProbe runs in the child: import, one forward on zeros; an OpenCV exception aborts the child.
func serveProbe(req string) int {
	var r probeRequest
	if err := json.Unmarshal([]byte(req), &r); err != nil {
		fmt.Fprintln(os.Stderr, "cvdnn probe:", err)
		return 3
	}
	net, err := load(r.Path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer net.Close()
	blob := gocv.NewMatWithSizes(r.Shape, gocv.MatTypeCV32F)
	defer blob.Close()
	blob.SetTo(gocv.NewScalar(0, 0, 0, 0))
	net.SetInput(blob, r.Input)
	for _, m := range net.ForwardLayers(r.Outputs) {
		m.Close()
	}
	return 0
}

// probe runs serveProbe in a child process and turns its death into an error carrying OpenCV's message.
func probe(sig *detect.Signature) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("cvdnn: model %s: cannot start the OpenCV probe: %w", sig.Path, err)
	}
	r := probeRequest{Path: sig.Path, Input: sig.InputName, Shape: []int{max(1, sig.Batch), 3, sig.Height,
		sig.Width}}
	for _, o := range sig.Outputs {
		r.Outputs = append(r.Outputs, o.Name)
	}
	req, _ := json.Marshal(r)
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), probeEnv+"="+string(req))
	out, err := cmd.CombinedOutput()
	if err == nil {
		return nil
	}
	msg := openCVMessage(string(out))
	if len(msg) > 800 {
		msg = msg[:800] + "..."
	}
	hint := ""
	if strings.Contains(msg, "parseClip") {
		hint = "; OpenCV 4.6 reads Clip only with min/max attributes (ONNX opset <= 10): re-export with " +
			"opset_version=10 (scripts/export_fixture_variants.py does this for the fixture detector)"
	}
	return fmt.Errorf("cvdnn: model %s: OpenCV DNN cannot import or run it (probe: %v): %s%s", sig.Path, err, msg, hint)
}

// Signature is the model description Open was given.
func (n *Net) Signature() *detect.Signature { return n.sig }

// RunBatch feeds the tensors (each NCHW float32, 3*h*w values; w x h the model's input size) as one blob, a fixed-batch model's missing images
// zero-padded as detect.Model.RunBatch does, and returns the outputs in the order of Signature().Outputs. OpenCV
// computes everything in float32; integer outputs (BATCH num_predictions, classes) are rounded back to integers.
//
// A dynamic-batch model runs one image per forward pass and the outputs are stacked along the batch axis: OpenCV
// 4.6 aborts on some graphs with a batch > 1 that ONNX Runtime runs (an Add broadcasting [1,A,2] anchors over
// [B,A,2] fails its channel check), and the probe in Open checks batch 1 only.
func (n *Net) RunBatch(w, h int, tensors [][]float32) ([]detect.Output, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if w != n.sig.Width || h != n.sig.Height {
		return nil, fmt.Errorf("cvdnn: model %s: run of %dx%d tensors, the model takes %dx%d", n.sig.Path, w, h,
			n.sig.Width, n.sig.Height)
	}
	if n.sig.Batch > 0 || len(tensors) == 1 {
		return n.forward(tensors)
	}
	if n.sig.Layout == detect.LayoutYOLONASFlat {
		return nil, fmt.Errorf("cvdnn: model %s: a dynamic-batch FLAT model cannot be run image by image (its rows "+
			"carry the image index)", n.sig.Path)
	}
	var stacked []detect.Output
	for _, t := range tensors {
		outs, err := n.forward([][]float32{t})
		if err != nil {
			return nil, err
		}
		if stacked == nil {
			stacked = outs
			continue
		}
		for i, o := range outs {
			st := &stacked[i]
			st.Shape[0] += o.Shape[0]
			st.Float = append(st.Float, o.Float...)
			st.Int = append(st.Int, o.Int...)
		}
	}
	return stacked, nil
}

// forward runs one blob of the tensors (zero-padded to a fixed batch); n.mu must be held.
func (n *Net) forward(tensors [][]float32) ([]detect.Output, error) {
	s := n.sig
	if !n.open {
		return nil, fmt.Errorf("cvdnn: model %s: used after Close", s.Path)
	}
	feed := len(tensors)
	if s.Batch > 0 {
		feed = s.Batch
	}
	if len(tensors) < 1 || len(tensors) > feed {
		return nil, fmt.Errorf("cvdnn: model %s: run of %d images, want 1..%d", s.Path, len(tensors), feed)
	}
	per := 3 * s.Width * s.Height
	buf := make([]float32, feed*per)
	for i, t := range tensors {
		if len(t) != per {
			return nil, fmt.Errorf("cvdnn: model %s: image %d: input tensor has %d values, want 1x3x%dx%d = %d",
				s.Path, i, len(t), s.Height, s.Width, per)
		}
		copy(buf[i*per:], t)
	}
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&buf[0])), 4*len(buf))
	// The Mat below wraps buf's memory without copying it, and only OpenCV reads it
	// from here on: keep buf alive until OpenCV is done, or the garbage collector
	// may reuse it mid-forward (seen: random images differing by tens of pixels).
	defer runtime.KeepAlive(buf)
	blob, err := gocv.NewMatWithSizesFromBytes([]int{feed, 3, s.Height, s.Width}, gocv.MatTypeCV32F, raw)
	if err != nil {
		return nil, fmt.Errorf("cvdnn: model %s: input blob: %w", s.Path, err)
	}
	defer blob.Close()
	names := make([]string, len(s.Outputs))
	for i, o := range s.Outputs {
		names[i] = o.Name
	}
	n.net.SetInput(blob, s.InputName)
	mats := n.net.ForwardLayers(names)
	defer func() {
		for i := range mats {
			mats[i].Close()
		}
	}()
	if len(mats) != len(names) {
		return nil, fmt.Errorf("cvdnn: model %s: OpenCV DNN returned %d outputs for %v", s.Path, len(mats), names)
	}
	outs := make([]detect.Output, len(mats))
	for i := range mats {
		m := &mats[i]
		if m.Empty() {
			return nil, fmt.Errorf("cvdnn: model %s: OpenCV DNN gave no output %q", s.Path, names[i])
		}
		shape := make([]int64, 0, 4)
		for _, d := range m.Size() {
			shape = append(shape, int64(d))
		}
		data, err := m.DataPtrFloat32()
		if err != nil {
			return nil, fmt.Errorf("cvdnn: model %s: output %q (OpenCV type %v): %w", s.Path, names[i], m.Type(), err)
		}
		o := detect.Output{Name: names[i], Shape: fitRank(shape, len(s.Outputs[i].Shape), len(data))}
		if s.Outputs[i].Type == "float32" {
			o.Float = append([]float32{}, data...)
		} else {
			o.Int = make([]int64, len(data))
			for k, v := range data {
				o.Int[k] = int64(math.Round(float64(v)))
			}
		}
		outs[i] = o
	}
	return outs, nil
}

// fitRank reconciles OpenCV's Mat dimensions with the ONNX rank: OpenCV stores a 1-D or 2-D blob as a 2-D Mat,
// so a rank-2 [1,K] may come back as [1,K] or a rank-1 as [K,1]. Leading or trailing 1s are dropped or added until
// the rank matches; the element count is kept.
func fitRank(shape []int64, rank, count int) []int64 {
	for len(shape) > rank && len(shape) > 0 && shape[len(shape)-1] == 1 {
		shape = shape[:len(shape)-1]
	}
	for len(shape) > rank && len(shape) > 0 && shape[0] == 1 {
		shape = shape[1:]
	}
	for len(shape) < rank {
		shape = append([]int64{1}, shape...)
	}
	if len(shape) == 0 {
		return []int64{int64(count)}
	}
	return shape
}

// Close releases the OpenCV network. It is safe to call more than once.
func (n *Net) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.open {
		n.open = false
		return n.net.Close()
	}
	return nil
}

// openCVMessage keeps what OpenCV said about the failure from the child's output: its "[ERROR" log lines (which
// name the node), the exception's what() line and the "> " detail lines, joined with " | "; the Go traceback of the
// abort is dropped. Without any of those it returns the whole output, trimmed.
func openCVMessage(out string) string {
	var keep []string
	for _, line := range strings.Split(out, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "[ERROR"):
			if i := strings.Index(t, "DNN/ONNX:"); i >= 0 {
				t = t[i:]
			}
			keep = append(keep, t)
		case strings.HasPrefix(t, "what():"):
			keep = append(keep, strings.TrimSpace(strings.TrimPrefix(t, "what():")))
		case strings.HasPrefix(t, ">") && strings.Trim(t, "> ") != "":
			keep = append(keep, strings.Trim(t, "> "))
		}
	}
	if len(keep) == 0 {
		return strings.TrimSpace(out)
	}
	return strings.Join(keep, " | ")
}

// Version is the OpenCV version gocv is linked against ("4.6.0").
func Version() string { return gocv.OpenCVVersion() }
