package detect

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/detparity/detparity/box"
)

// fuzzModel is the model path the fuzzed signatures carry; every Decode error must name it.
const fuzzModel = "fz/model.onnx"

// fuzzSignatures are one small signature per output layout (64x64 input: 84 YOLOX grid cells), plus a
// dynamic-batch YOLO-NAS, in the shapes DetectLayout accepts; the layouts whose parameters come from output values
// get them set as a probe run would.
func fuzzSignatures(tb testing.TB) []*Signature {
	tb.Helper()
	in := func(b int64) []TensorInfo { return []TensorInfo{ti("images", "float32", b, 3, 64, 64)} }
	f32 := func(name string, shape ...int64) TensorInfo { return ti(name, "float32", shape...) }
	specs := []struct {
		l    Layout
		ins  []TensorInfo
		outs []TensorInfo
	}{
		{LayoutYOLONAS, in(1), []TensorInfo{f32("boxes", 1, 6, 4), f32("scores", 1, 6, 2)}},
		{LayoutYOLONASFlat, in(2), []TensorInfo{f32("flat", -1, 7)}},
		{LayoutYOLONASBatch, in(1), []TensorInfo{ti("num_predictions", "int64", 1, 1), f32("pred_boxes", 1, 5, 4),
			f32("pred_scores", 1, 5), ti("pred_classes", "int64", 1, 5)}},
		{LayoutYOLOv8, in(1), []TensorInfo{f32("output0", 1, 6, 84)}},
		{LayoutYOLOv5, in(1), []TensorInfo{f32("output0", 1, 252, 7)}},
		{LayoutYOLOX, in(1), []TensorInfo{f32("output", 1, 84, 6)}},
		{LayoutEndToEnd, in(1), []TensorInfo{f32("output0", 1, 4, 6)}},
		{LayoutYOLONAS, in(-1), []TensorInfo{f32("boxes", -1, 3, 4), f32("scores", -1, 3, 1)}},
		{LayoutYOLOv6, in(1), []TensorInfo{f32("outputs", 1, 84, 7)}},
		{LayoutUltralyticsNMS, in(1), []TensorInfo{f32("output0", 1, 4, 6)}},
		{LayoutRTDETRUltralytics, in(1), []TensorInfo{f32("output0", 1, 5, 7)}},
		{LayoutRTDETR, append(in(1), ti("orig_target_sizes", "int64", 1, 2)), []TensorInfo{
			ti("labels", "int64", 1, 5), f32("boxes", 1, 5, 4), f32("scores", 1, 5)}},
		{LayoutPaddleNMS, append(in(1), ti("scale_factor", "float32", 1, 2)), []TensorInfo{f32("rows", -1, 6),
			ti("count", "int32", 1)}},
		{LayoutSSD, in(1), []TensorInfo{f32("scores", 1, 6, 3), f32("boxes", 1, 6, 4)}},
		{LayoutSSDPriors, in(1), []TensorInfo{f32("scores", 1, 235, 2), f32("boxes", 1, 235, 4)}},
		{LayoutRetinaFace, in(1), []TensorInfo{f32("loc", 1, 168, 4), f32("conf", 1, 168, 2), f32("ldm", 1, 168, 10)}},
		{LayoutRetinaFace, in(1), []TensorInfo{f32("output0", 1, 168, 16)}},
		{LayoutNanoDetPlus, in(1), []TensorInfo{f32("output", 1, 84, 18)}},
		{LayoutNanoDet, in(1), []TensorInfo{f32("output", 1, 84, 18)}},
		{LayoutPicoDet, in(1), []TensorInfo{f32("c8", 1, 64, 2), f32("c16", 1, 16, 2), f32("c32", 1, 4, 2),
			f32("r8", 1, 64, 16), f32("r16", 1, 16, 16), f32("r32", 1, 4, 16)}},
		{LayoutFastestDet, in(1), []TensorInfo{f32("out", 1, 7, 4, 4)}},
		{LayoutSCRFD, in(1), []TensorInfo{f32("s8", 128, 1), f32("s16", 32, 1), f32("s32", 8, 1), f32("b8", 128, 4),
			f32("b16", 32, 4), f32("b32", 8, 4)}},
		{LayoutYuNet, in(1), yunetOutputs(64, 64)},
	}
	sigs := make([]*Signature, len(specs))
	for i, s := range specs {
		sig, err := fitWithValues(fuzzModel, s.ins, s.outs, s.l, 2, 3)
		if err != nil {
			tb.Fatalf("signature %d (%s): %v", i, s.l, err)
		}
		sigs[i] = sig
	}
	return sigs
}

// fitWithValues is DetectLayout with an explicit layout, setting the parameters a probe run would read from values
// (GFL: c classes, reg_max r; concatenated RetinaFace: logits) for the layouts that need them.
func fitWithValues(path string, ins, outs []TensorInfo, l Layout, c, r int) (*Signature, error) {
	s := &Signature{Path: path, Inputs: ins, Outputs: outs, role: map[string]int{}}
	if err := s.checkInput(); err != nil {
		return nil, err
	}
	s.Layout, s.Explicit = l, true
	if err := familyOf(l).check(s); err != nil {
		return nil, err
	}
	if s.p.needValues {
		s.p.needValues = false
		switch l {
		case LayoutRetinaFace:
			s.p.logits = true
		default:
			s.NumClasses, s.RegMax = c, r
		}
	}
	return s, nil
}

// yunetOutputs are YuNet's 12 named outputs for a w x h input.
func yunetOutputs(w, h int64) []TensorInfo {
	var outs []TensorInfo
	for _, role := range []struct {
		name string
		k    int64
	}{{"cls", 1}, {"obj", 1}, {"bbox", 4}, {"kps", 10}} {
		for _, st := range []int64{8, 16, 32} {
			outs = append(outs, ti(role.name+"_"+strconv.Itoa(int(st)), "float32", 1, (h/st)*(w/st), role.k))
		}
	}
	return outs
}

// fuzzDims are the replacement dimensions the shape jitter picks from: the dimensions a broken runtime or a
// caller building Outputs by hand could report (negative, zero, huge, overflowing a product).
var fuzzDims = []int64{-1, 0, 1, 2, 3, 5, 7, 1 << 31, 1<<62 + 1, -(1 << 62), math.MaxInt64}

// fuzzValue turns byte b into a tensor value: mostly plausible numbers (boxes 0..64 px, scores 0..1), with the
// special values a broken model emits (NaN, +-Inf, float32 max, negative) on a few byte values.
func fuzzValue(b byte, score bool) float32 {
	switch b {
	case 0xFF:
		return float32(math.NaN())
	case 0xFE:
		return float32(math.Inf(1))
	case 0xFD:
		return float32(math.Inf(-1))
	case 0xFC:
		return math.MaxFloat32
	case 0xFB:
		return -math.MaxFloat32
	case 0xFA:
		return -1
	}
	if score {
		return float32(b) / 250
	}
	return float32(b) / 4
}

// buildOutputs fills sig's outputs for n images from data: in raw mode every 4 bytes are one float32 bit pattern,
// otherwise each byte is one value (fuzzValue). Integer outputs take int8(byte). jitter != 0 replaces one
// dimension of one output with a fuzzDims value (and resizes the data when the new product is small).
func buildOutputs(sig *Signature, data []byte, n int, raw bool, jitter uint16) []Output {
	outs := make([]Output, len(sig.Outputs))
	pos := 0
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[pos%len(data)]
		pos++
		return b
	}
	for i, t := range sig.Outputs {
		shape := append([]int64(nil), t.Shape...)
		if shape[0] < 0 {
			if sig.rowsNotImages(i) {
				shape[0] = int64(next() % 9) // K rows
			} else {
				shape[0] = int64(n)
			}
		}
		if jitter != 0 && int(jitter)%len(sig.Outputs) == i {
			k := int(jitter/8) % len(shape)
			shape[k] = fuzzDims[int(jitter/64)%len(fuzzDims)]
		}
		size := int64(1)
		for _, d := range shape {
			size *= d
		}
		if size < 0 || size > 1<<12 {
			size = int64(next()) // a length that cannot match the shape (or, rarely, one that overflowed into it)
		}
		o := Output{Name: t.Name, Shape: shape}
		if t.Type == "float32" {
			o.Float = make([]float32, size)
			score := strings.Contains(t.Name, "score")
			for k := range o.Float {
				if raw {
					o.Float[k] = math.Float32frombits(binary.LittleEndian.Uint32([]byte{next(), next(), next(), next()}))
				} else {
					o.Float[k] = fuzzValue(next(), score)
				}
			}
		} else {
			o.Int = make([]int64, size)
			for k := range o.Int {
				o.Int[k] = int64(int8(next()))
			}
		}
		outs[i] = o
	}
	return outs
}

// FuzzDecode: random tensors of each layout's shape (and, with the jitter, of wrong shapes) through
// Signature.Decode. Invariants: no panic; an error names the model (or, for invalid options, is the options
// error); a success has one result per image, each at most MaxDet detections sorted by score descending, with
// finite boxes and scores above Conf (float32) and class ids in range, and Warnings counting exactly the inverted
// boxes. Seeds: the f.Add calls and testdata/fuzz/FuzzDecode. Run with
// `go test ./detect -run '^$' -fuzz '^FuzzDecode$' -fuzztime 60s` or scripts/fuzz.sh.
func FuzzDecode(f *testing.F) {
	sigs := fuzzSignatures(f)
	plain := make([]byte, 600)
	for i := range plain {
		plain[i] = byte(i*37 + i/7)
	}
	for l := range sigs {
		f.Add(uint8(l), plain, false, uint16(0), 0.25, 0.7, int16(1024), int16(300), true, false, uint8(0), uint8(1))
		f.Add(uint8(l), plain[:40], false, uint16(0), 0.0, 0.7, int16(0), int16(0), true, false, uint8(0), uint8(1))
		f.Add(uint8(l), plain[l:], false, uint16(0), 0.0, 0.5, int16(3), int16(2), false, true, uint8(2), uint8(2))
	}
	f.Add(uint8(0), []byte{1, 2, 0xFF, 4}, false, uint16(0), 0.1, 0.7, int16(0), int16(0), true, false, uint8(0), uint8(1))
	f.Add(uint8(1), []byte{1, 2, 3, 4, 5}, true, uint16(0), -1.0, 1.0, int16(-1), int16(-1), true, false, uint8(3), uint8(1))
	f.Add(uint8(6), plain, false, uint16(3*64+8+1), 0.5, 0.7, int16(10), int16(10), true, false, uint8(0), uint8(1))
	f.Fuzz(func(t *testing.T, which uint8, data []byte, raw bool, jitter uint16, conf, iou float64, topk, maxDet int16,
		multi, agnostic bool, numClasses, images uint8) {
		sig := sigs[int(which)%len(sigs)]
		n := 1
		if sig.Batch == 0 {
			n = 1 + int(images)%3
		} else if sig.Batch > 1 {
			n = 1 + int(images)%sig.Batch
		}
		opts := Options{Conf: conf, IoU: iou, PreNMSTopK: int(topk), MaxDet: int(maxDet), MultiLabel: multi,
			ClassAgnostic: agnostic, NumClasses: int(numClasses % 4)}
		outs := buildOutputs(sig, data, n, raw, jitter)
		res, w, err := sig.Decode(outs, n, opts)
		if err != nil {
			if verr := opts.Validate(); verr != nil {
				if err.Error() != verr.Error() {
					t.Fatalf("invalid options: got %v, want the options error %v", err, verr)
				}
				return
			}
			if !strings.Contains(err.Error(), fuzzModel) {
				t.Fatalf("error does not name the model: %v", err)
			}
			return
		}
		if len(res) != n {
			t.Fatalf("%d results for %d images", len(res), n)
		}
		maxClass := sig.NumClasses
		if sig.Layout.Baked() {
			maxClass = opts.NumClasses
		}
		inverted := 0
		for b, dets := range res {
			if opts.MaxDet > 0 && len(dets) > opts.MaxDet {
				t.Fatalf("image %d: %d detections, MaxDet %d", b, len(dets), opts.MaxDet)
			}
			for i, d := range dets {
				if !finiteBox(d.Box) || math.IsNaN(d.Score) || math.IsInf(d.Score, 0) {
					t.Fatalf("image %d detection %d not finite: %+v", b, i, d)
				}
				s32, c32 := float32(d.Score), float32(opts.Conf)
				if s32 < c32 || (s32 == c32 && (multi || sig.Layout.Baked())) {
					t.Fatalf("image %d detection %d: score %v not above Conf %v", b, i, d.Score, opts.Conf)
				}
				if d.Class < 0 || (maxClass > 0 && d.Class >= maxClass) {
					t.Fatalf("image %d detection %d: class %d outside [0, %d)", b, i, d.Class, maxClass)
				}
				if i > 0 && d.Score > dets[i-1].Score {
					t.Fatalf("image %d: detection %d score %v above its predecessor's %v", b, i, d.Score, dets[i-1].Score)
				}
				if d.X2 < d.X1 || d.Y2 < d.Y1 {
					inverted++
				}
			}
		}
		if w.InvertedBoxes != inverted {
			t.Fatalf("Warnings counted %d inverted boxes, there are %d", w.InvertedBoxes, inverted)
		}
	})
}

func finiteBox(b box.Box) bool {
	for _, v := range [4]float64{b.X1, b.Y1, b.X2, b.Y2} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
