package letterbox

import (
	"fmt"
	"strings"

	"github.com/detparity/detparity/frame"
)

// Param is one parameter of a Spec as the spec string spells it ("inner",
// "636"), with what that value does.
type Param struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	// Meaning says what the value does to the tensor or the boxes, e.g.
	// "the image is fitted into 636x636, then padded to the input size".
	Meaning string `json:"meaning"`
}

// letterboxOnly are the keys a Stretch spec ignores.
var letterboxOnly = map[string]bool{"inner": true, "anchor": true, "round": true, "stride": true, "scaleup": true, "pad": true}

// Params returns every parameter that shapes s's tensor and boxes, in the
// spec string's key order, mode first; a stretch spec leaves out the keys
// only a letterbox uses (inner, anchor, round, stride, scaleup, pad).
func (s Spec) Params() []Param {
	out := make([]Param, 0, len(keys))
	for _, k := range keys {
		if s.Mode == Stretch && letterboxOnly[k.name] {
			continue
		}
		out = append(out, Param{Key: k.name, Value: k.get(s), Meaning: s.meaning(k.name)})
	}
	return out
}

// Expand spells s out with every parameter, from the "letterbox" or "stretch"
// base: "letterbox:size=640,inner=636,anchor=center,round=round,stride=0,
// scaleup=true,interp=linear,pad=114,order=rgb,scale=1/255,mean=0,std=1,
// layout=nchw,dtype=float32,unmap=super-gradients,decoder=opencv" for sg-coco.
// Parse reads it back to a Spec that makes the same tensors and boxes as s.
func (s Spec) Expand() string {
	var b strings.Builder
	b.WriteString(s.Mode.String())
	sep := ":"
	for _, p := range s.Params() {
		if p.Key == "mode" {
			continue
		}
		b.WriteString(sep + p.Key + "=" + p.Value)
		sep = ","
	}
	return b.String()
}

// meaning says in words what s's value of key does.
func (s Spec) meaning(key string) string {
	w, h := s.Dims()
	switch key {
	case "mode":
		if s.Mode == Stretch {
			return "resized to the input size, x and y scaled independently (aspect ratio not kept), no padding"
		}
		return "resized with one ratio so the image fits, then padded (aspect ratio kept)"
	case "size":
		return fmt.Sprintf("model input %dx%d", w, h)
	case "inner":
		if s.Inner > 0 {
			return fmt.Sprintf("the image is fitted into %dx%d, then padded to the input size", s.Inner, s.Inner)
		}
		return "the image is fitted into the whole input"
	case "anchor":
		switch s.Anchor {
		case TopLeft:
			return "image at the top-left, padding bottom and right"
		case BottomRight:
			return "image at the bottom-right, padding top and left"
		}
		return "image centred, the odd pixel of padding at the bottom or right"
	case "round":
		switch s.Round {
		case Truncate:
			return "resized side = int(side × ratio), fraction dropped (Python int())"
		case Ceil:
			return "resized side = ceil(side × ratio)"
		}
		return "resized side = round(side × ratio), ties to even (Python round())"
	case "stride":
		if s.Stride > 0 {
			return fmt.Sprintf("padded only up to a multiple of %d: the tensor size depends on the image", s.Stride)
		}
		return "padded to the full input size"
	case "scaleup":
		if s.NoScaleUp {
			return "small images are padded, never enlarged"
		}
		return "small images are enlarged to fit"
	case "interp":
		return "cv2.resize with cv2.INTER_" + strings.ToUpper(strings.ReplaceAll(s.Interp.String(), "-", "_"))
	case "pad":
		return "padding value of each channel (in the tensor's channel order)"
	case "order":
		if s.Order == frame.BGR {
			return "tensor channel 0 is blue (OpenCV's order, as cv2.imread loads)"
		}
		return "tensor channel 0 is red"
	case "scale":
		if s.Scale == 1 {
			return "pixel values 0..255 as they are"
		}
		if v := keyValue("scale", s); strings.HasPrefix(v, "1/") {
			return "pixel value / " + v[2:] + " (as numpy's img / " + v[2:] + ".0)"
		}
		return "pixel value × " + fmtFloat(s.Scale)
	case "mean":
		if s.Mean == [3]float64{} {
			return "nothing subtracted"
		}
		return "subtracted after scaling, per channel"
	case "std":
		if s.Std == [3]float64{1, 1, 1} {
			return "no division"
		}
		return "divided by after subtracting the mean, per channel (1: no division)"
	case "layout":
		if s.Layout == NHWC {
			return fmt.Sprintf("interleaved [1,%d,%d,3]", h, w)
		}
		return fmt.Sprintf("planar [1,3,%d,%d]", h, w)
	case "dtype":
		if s.DType == Uint8 {
			return "uint8: the padded bytes as they are (the model normalises inside)"
		}
		return "float32: the scaled (and normalised) values"
	case "unmap":
		switch s.Unmap {
		case SuperGradients:
			return "boxes back to the image: minus the padding, times float32(1/ratio), not clipped (super-gradients)"
		case Ultralytics:
			return "boxes back to the image: Ultralytics scale_boxes (padding recomputed from the sizes), clipped"
		case YOLOX:
			return "boxes back to the image: divided by the ratio only (YOLOX), not clipped"
		}
		return "boxes back to the image: minus the padding, divided by the x and y scales (exact inverse), not clipped"
	case "decoder":
		if s.DecoderName() == DecoderGo {
			return "images decoded by Go's image/jpeg, image/png, x/image/bmp"
		}
		return "images decoded by OpenCV (cv2.imread, libjpeg)"
	}
	return ""
}

// keyValue returns s's value of key as the spec string spells it.
func keyValue(key string, s Spec) string {
	for _, k := range keys {
		if k.name == key {
			return k.get(s)
		}
	}
	return ""
}
