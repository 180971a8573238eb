package detect

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/detparity/detparity/box"
)

// family is one layout: how its outputs are recognised (fit, evidence, metadata), checked (sanity) and decoded
// (raw: boxes and per-class scores that the common post-processing turns into detections; rows: final
// detections of NMS-baked and NMS-free layouts).
type family struct {
	layout   Layout
	describe string
	// fit checks the outputs' count, types and every dimension it can against the input and fills roles,
	// NumClasses, Anchors, Strides and params. Errors are s.bad(...).
	fit func(s *Signature) error
	// evidence reports whether something beyond a fit singles the layout out (a grid or prior count, names,
	// auxiliary inputs, metadata), with a note for Evidence.
	evidence func(s *Signature) (bool, string)
	// requireEvidence: auto-detection never picks this layout without evidence (ultralytics-nms decodes exactly
	// like end2end; only the metadata tells them apart).
	requireEvidence bool
	// autoNeedsValues: auto-detection picks this layout only when output values confirm it (a decoded SSD has
	// YOLO-NAS's shapes; only values tell them apart).
	autoNeedsValues bool
	// values fills parameters only output values tell (GFL class/distribution split, retinaface conf logits) from
	// a probe run; nil when the shapes say everything.
	values func(s *Signature, outs []Output) error
	// sanity checks image b of a run's raw outputs against the layout; the error says what looked wrong.
	sanity func(s *Signature, outs []Output, b int) error
	// raw decodes image b to boxes [a*4] x1y1x2y2 in input pixels and scores [a*c] (raw layouts).
	raw func(s *Signature, outs []Output, b int) (boxes, scores []float32, a, c int)
	// rows decodes n images to final detections (baked layouts), before the Conf/MaxDet cut.
	rows func(s *Signature, outs []Output, n int, opts Options) ([][]box.Detection, error)
}

// families lists every layout in detection order (Layouts returns their names).
var families = []*family{
	famYOLONAS, famYOLONASFlat, famYOLONASBatch, famYOLOv8, famYOLOv5, famYOLOX, famYOLOv6, famEndToEnd,
	famUltralyticsNMS, famRTDETRUltralytics, famRTDETR, famPaddleNMS, famSSD, famSSDPriors, famRetinaFace,
	famNanoDetPlus, famNanoDet, famPicoDet, famFastestDet, famSCRFD, famYuNet,
}

// check runs f's fit after checking the auxiliary inputs: only rtdetr and paddle-nms take any.
func (f *family) check(s *Signature) error {
	if len(s.Aux) > 0 && f.layout != LayoutRTDETR && f.layout != LayoutPaddleNMS {
		names := make([]string, len(s.Aux))
		for i, a := range s.Aux {
			names[i] = a.Name
		}
		return s.bad("the model has inputs besides the image (%s), which only layouts rtdetr and paddle-nms take",
			strings.Join(names, ", "))
	}
	return f.fit(s)
}

func familyOf(l Layout) *family {
	for _, f := range families {
		if f.layout == l {
			return f
		}
	}
	return nil
}

// detector finds or checks the layout of one model.
type detector struct {
	base *Signature
	// probe runs the model once on a zero input at s's size (nil: DetectLayout, no model to run).
	probe func(s *Signature) ([]Output, error)
	// probed caches the probe's outputs by input size: one run per size per Inspect.
	probed map[[2]int][]Output
}

// run is the probe at s's size, run once.
func (d *detector) run(s *Signature) ([]Output, error) {
	k := [2]int{s.Width, s.Height}
	if outs, ok := d.probed[k]; ok {
		return outs, nil
	}
	outs, err := d.probe(s)
	if err != nil {
		return nil, err
	}
	if d.probed == nil {
		d.probed = map[[2]int][]Output{}
	}
	d.probed[k] = outs
	return outs, nil
}

// probeSize is the size a model with a symbolic input size is probed at: the metadata's imgsz, else 640x640
// (with any fixed dimension kept).
func (d *detector) probeSize() (w, h int) {
	w, h = 640, 640
	if m := d.base.Metadata; m != nil && len(m.ImgSz) == 2 {
		h, w = m.ImgSz[0], m.ImgSz[1]
	}
	fw, fh := d.base.fixedSize()
	if fw > 0 {
		w = fw
	}
	if fh > 0 {
		h = fh
	}
	return w, h
}

// fillUnknownDims reads output dimensions (other than the first, which may be the batch or a detection count)
// that a fixed-size graph leaves unknown, as torch.onnx does for some dynamic-batch exports, from one zero run.
func (d *detector) fillUnknownDims() error {
	s := d.base
	if s.DynamicSize {
		return nil // the dimensions depend on the size; the probe in detect reads them at a size
	}
	need := false
	for _, o := range s.Outputs {
		for _, dim := range o.Shape[min(1, len(o.Shape)):] {
			need = need || dim < 0
		}
	}
	if !need {
		return nil
	}
	outs, err := d.run(s)
	if err != nil {
		return err
	}
	for i, o := range outs {
		for k := 1; k < len(o.Shape); k++ {
			if s.Outputs[i].Shape[k] < 0 {
				s.Outputs[i].Shape[k] = o.Shape[k]
			}
		}
	}
	s.Probed = true
	return nil
}

// detect runs auto-detection (want == LayoutAuto) or checks want.
func (d *detector) detect(want Layout) (*Signature, error) {
	if want != LayoutAuto {
		if _, err := ParseLayout(string(want)); err != nil {
			return nil, err
		}
	}
	view, outs, err := d.view()
	if err != nil {
		return nil, err
	}
	var s *Signature
	if want != LayoutAuto {
		s, err = d.explicit(view, outs, want)
	} else {
		s, err = d.auto(view, outs)
	}
	if err != nil {
		return nil, err
	}
	if d.base.DynamicSize {
		s = d.lift(s)
	}
	return s, nil
}

// view is what detection fits against: the base signature, or for a symbolic input size (when the model can
// run) the signature at the probe size with the output shapes of a zero run there. outs are the probe's outputs
// when it ran.
func (d *detector) view() (*Signature, []Output, error) {
	if !d.base.DynamicSize || d.probe == nil {
		return d.base, nil, nil
	}
	w, h := d.probeSize()
	v := d.base.clone()
	v.Width, v.Height = w, h
	outs, err := d.run(v)
	if err != nil {
		return nil, nil, err
	}
	v.Outputs = slices.Clone(v.Outputs)
	for i, o := range outs {
		t := v.Outputs[i]
		t.Shape = slices.Clone(o.Shape)
		if d.base.Outputs[i].Shape[0] < 0 {
			t.Shape[0] = -1
		}
		v.Outputs[i] = t
	}
	v.Probed = true
	return v, outs, nil
}

// lift turns a signature found on the probe-size view back into the model's: symbolic size, declared output
// shapes; size-dependent counts are dropped (At recomputes them).
func (d *detector) lift(s *Signature) *Signature {
	t := s.clone()
	t.Width, t.Height = d.base.Width, d.base.Height
	t.Outputs = d.base.Outputs
	t.Anchors = 0
	w, h := d.probeSize()
	t.Evidence += fmt.Sprintf("; the input size is symbolic: detected on a run at %dx%d, decoded at each run's size", w, h)
	return t
}

// values returns the probe outputs, running the model when that has not happened yet.
func (d *detector) values(v *Signature, outs []Output) ([]Output, error) {
	if outs != nil {
		return outs, nil
	}
	if d.probe == nil {
		return nil, nil
	}
	return d.run(v)
}

func (d *detector) explicit(v *Signature, outs []Output, want Layout) (*Signature, error) {
	f := familyOf(want)
	s := v.fresh()
	s.Layout, s.Explicit, s.Evidence = want, true, "requested"
	if err := f.check(s); err != nil {
		return nil, err
	}
	if err := s.metaAgrees(); err != nil {
		return nil, err
	}
	if s.p.needValues {
		outs, err := d.values(v, outs)
		if err != nil {
			return nil, err
		}
		if outs == nil {
			return nil, s.bad("the layout's parameters are read from output values; run Inspect on the model file")
		}
		s.Probed = true
		if err := f.values(s, outs); err != nil {
			return nil, err
		}
		s.p.needValues = false
	}
	return s, nil
}

// layoutCandidate is one layout that fits, with the note evidence gave.
type layoutCandidate struct {
	s      *Signature
	strong bool
	note   string
}

func (d *detector) auto(v *Signature, outs []Output) (*Signature, error) {
	var cands []layoutCandidate
	var refused []string
	for _, f := range families {
		s := v.fresh()
		s.Layout = f.layout
		err := f.check(s)
		if err == nil {
			err = s.metaAgrees()
		}
		var fe *fitError
		if err != nil {
			if !errors.As(err, &fe) {
				return nil, err
			}
			refused = append(refused, fmt.Sprintf("%s: %s", f.layout, fe.reason))
			continue
		}
		c := layoutCandidate{s: s}
		if f.evidence != nil {
			c.strong, c.note = f.evidence(s)
		}
		if f.requireEvidence && !c.strong {
			refused = append(refused, fmt.Sprintf("%s: %s", f.layout, c.note))
			continue
		}
		cands = append(cands, c)
	}
	cands, refused, err := d.byValues(v, outs, cands, refused)
	if err != nil {
		return nil, err
	}
	if len(cands) == 0 {
		return nil, fmt.Errorf("detect: model %s: %w: it has %s; no known layout fits (%s)", v.Path, ErrLayout,
			v.seen(), strings.Join(refused, "; "))
	}
	var notes []string
	for _, c := range cands {
		if c.note != "" {
			notes = append(notes, c.note)
		}
	}
	var strong []layoutCandidate
	for _, c := range cands {
		if c.strong {
			strong = append(strong, c)
		}
	}
	if p := v.Metadata.Producer(); p != "" {
		notes = append(notes, "metadata of "+p)
	}
	why := strings.Join(notes, "; ")
	only := "the only layout the output shapes fit"
	if cands[0].s.Probed {
		only = "the only layout whose shapes, metadata and output values (on a zero input) fit"
	}
	switch {
	case len(cands) == 1:
		return finishAuto(cands[0], only, why), nil
	case len(strong) == 1:
		return finishAuto(strong[0], "", why), nil
	case len(strong) > 1:
		cands = strong
	}
	ls := make([]Layout, len(cands))
	for i, c := range cands {
		ls[i] = c.s.Layout
	}
	if why == "" {
		why = "shapes, names, metadata and output values fit each of them equally"
	}
	return nil, &AmbiguousError{Path: v.Path, Seen: v.seen(), Inputs: v.Inputs, Outputs: v.Outputs, Candidates: ls,
		Why: why}
}

func finishAuto(c layoutCandidate, lead, why string) *Signature {
	s := c.s
	s.Evidence = strings.Join(slices.DeleteFunc([]string{lead, why}, func(x string) bool { return x == "" }), "; ")
	return s
}

// byValues drops the candidates whose values on a probe run are implausible for them (when more than one
// remains, or a layoutCandidate's parameters need values), and fills value-derived parameters.
func (d *detector) byValues(v *Signature, outs []Output, cands []layoutCandidate, refused []string) ([]layoutCandidate,
	[]string, error) {
	if len(cands) == 0 {
		return cands, refused, nil
	}
	outs, err := d.values(v, outs)
	if err != nil {
		return nil, nil, err
	}
	var keep []layoutCandidate
	for _, c := range cands {
		f := familyOf(c.s.Layout)
		if outs == nil {
			if c.s.p.needValues || f.autoNeedsValues {
				refused = append(refused, fmt.Sprintf("%s: told apart by output values, which shapes alone do not "+
					"give (Inspect runs the model once)", f.layout))
				continue
			}
			keep = append(keep, c)
			continue
		}
		c.s.Probed = true
		var err error
		if f.values != nil {
			err = f.values(c.s, outs)
			c.s.p.needValues = false
		}
		if err == nil {
			err = f.sanity(c.s, outs, 0)
		}
		if err != nil {
			refused = append(refused, fmt.Sprintf("%s: on a zero input: %s", f.layout, reasonOf(err)))
			continue
		}
		keep = append(keep, c)
	}
	return keep, refused, nil
}

// reasonOf is the reason part of a fit or value error.
func reasonOf(err error) string {
	var fe *fitError
	if errors.As(err, &fe) {
		return fe.reason
	}
	var ve *valueError
	if errors.As(err, &ve) {
		return ve.what
	}
	return err.Error()
}

// metaAgrees refuses a layout the model's metadata contradicts.
func (s *Signature) metaAgrees() error {
	m := s.Metadata
	if m == nil {
		return nil
	}
	if m.Names != nil && s.NumClasses > 0 && len(m.Names) != s.NumClasses {
		return s.bad("the outputs give %d classes, the metadata names %d", s.NumClasses, len(m.Names))
	}
	if m.Family != "ultralytics" {
		return nil
	}
	if m.Task != "" && m.Task != "detect" {
		return s.bad("the metadata says task %q; detect decodes detection heads only", m.Task)
	}
	desc := strings.ToLower(m.Props["description"])
	allowed, why := []Layout{LayoutYOLOv8}, "an Ultralytics Detect head without end2end or nms"
	switch {
	case m.EndToEnd != nil && *m.EndToEnd:
		allowed, why = []Layout{LayoutEndToEnd}, "end2end True"
	case m.NMS != nil && *m.NMS:
		allowed, why = []Layout{LayoutUltralyticsNMS}, "args nms True"
	case m.Head == "RTDETRDecoder" || strings.Contains(desc, "rtdetr") || strings.Contains(desc, "rt-detr"):
		allowed, why = []Layout{LayoutRTDETRUltralytics}, "an RT-DETR decoder"
	case m.Head == "v10Detect":
		allowed, why = []Layout{LayoutEndToEnd}, "a v10Detect head"
	case m.EndToEnd == nil:
		// Versions before the end2end key (8.2) exported YOLOv10 heads without saying so.
		allowed, why = []Layout{LayoutYOLOv8, LayoutEndToEnd}, "a Detect head (no end2end key)"
	}
	if !slices.Contains(allowed, s.Layout) {
		return s.bad("the Ultralytics metadata says %s, i.e. layout %s", why, layoutList(allowed))
	}
	return nil
}
