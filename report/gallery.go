package report

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"slices"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/frame"
	"github.com/detparity/detparity/metrics"
)

// GalleryImage is one dataset image drawn once per pipeline.
type GalleryImage struct {
	// Name is the image's path relative to the dataset's images/.
	Name string
	// W and H are the source size; Scale the factor the panels were drawn at.
	W, H  int
	Scale float64
	// Why says why the image was picked, e.g. "TP differs by 3, FP by 1".
	Why string
	// Panels has one drawing per pipeline, in run order.
	Panels []Panel
}

// Panel is one pipeline's view of a gallery image.
type Panel struct {
	Pipeline   string
	TP, FP, FN int
	// JPEG is the drawn image (ground truth and the pipeline's detections above the
	// threshold, in source pixels scaled by the image's Scale).
	JPEG []byte
	// W and H are the drawn size in pixels.
	W, H int
	// Alt describes the panel for screen readers.
	Alt string
	// Input is the tensor the model received (Options.Inputs), scaled to at most
	// half the panel size, as JPEG; InputW and InputH its drawn size, InputSize the
	// tensor's ("640×640"). When it is missing, InputNote says why.
	Input          []byte
	InputW, InputH int
	InputSize      string
	InputNote      string
}

// Box colours, chosen from the Okabe–Ito colour-blind-safe palette; each kind also
// differs in stroke (GT thick, TP thin solid, FP dashed) so colour is not the only cue.
var (
	colGT     = color.RGBA{0x00, 0x9e, 0x73, 0xff} // bluish green: ground truth found
	colMissed = color.RGBA{0xcc, 0x79, 0xa7, 0xff} // reddish purple: ground truth missed (FN)
	colTP     = color.RGBA{0x56, 0xb4, 0xe9, 0xff} // sky blue: true positive
	colFP     = color.RGBA{0xe6, 0x9f, 0x00, 0xff} // orange: false positive
)

type galleryKey struct {
	idx      int
	name     string
	dTP, dFP int
	errors   int
}

// gallery picks the images where the pipelines disagree most and draws them.
func gallery(r *Report) ([]GalleryImage, error) {
	n := r.Options.Gallery
	if n <= 0 {
		return nil, nil
	}
	recs := r.Result.Records()
	var keys []galleryKey
	for k, rec := range recs {
		key := galleryKey{idx: k, name: rec.Name}
		for i, p := range r.Pipelines {
			a := p.Result.PerImage[k]
			key.errors = max(key.errors, a.FP+a.FN)
			for _, q := range r.Pipelines[i+1:] {
				b := q.Result.PerImage[k]
				key.dTP = max(key.dTP, abs(a.TP-b.TP))
				key.dFP = max(key.dFP, abs(a.FP-b.FP))
			}
		}
		if key.dTP > 0 || key.dFP > 0 || key.errors > 0 {
			keys = append(keys, key)
		}
	}
	slices.SortFunc(keys, byDisagreement)
	if len(keys) > n {
		keys = keys[:n]
	}
	dec := dataset.GoDecoder{}
	var out []GalleryImage
	for _, key := range keys {
		rec := recs[key.idx]
		img, err := dec.Decode(rec.Path)
		if err != nil {
			return nil, fmt.Errorf("report: gallery: %w", err)
		}
		if img.W != rec.W || img.H != rec.H {
			return nil, fmt.Errorf("report: gallery: %s decodes to %dx%d, the run saw %dx%d", rec.Path, img.W, img.H, rec.W, rec.H)
		}
		scale := math.Min(1, float64(r.Options.PanelSize)/float64(max(img.W, img.H)))
		small := downscale(img, scale)
		g := GalleryImage{Name: rec.Name, W: img.W, H: img.H, Scale: scale}
		if len(r.Pipelines) > 1 {
			g.Why = fmt.Sprintf("TP differs by up to %d, FP by up to %d between pipelines", key.dTP, key.dFP)
		} else {
			g.Why = fmt.Sprintf("%d errors (FP + FN)", key.errors)
		}
		for i, p := range r.Pipelines {
			m := metrics.MatchImage(rec.GT, rec.Dets[i], r.Result.Conf, r.Result.MatchIoU)
			canvas := image.NewRGBA(small.Bounds())
			copy(canvas.Pix, small.Pix)
			drawMatched(canvas, rec.GT, rec.Dets[i], m, scale)
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, canvas, &jpeg.Options{Quality: 88}); err != nil {
				return nil, fmt.Errorf("report: gallery: encoding %s: %w", rec.Name, err)
			}
			b := canvas.Bounds()
			panel := Panel{Pipeline: p.Label, TP: m.TP, FP: m.FP, FN: m.FN, JPEG: buf.Bytes(), W: b.Dx(), H: b.Dy(),
				Alt: fmt.Sprintf("%s through %s: %d ground-truth objects, %d found (TP), %d false detections (FP), %d missed (FN) at conf > %g",
					rec.Name, p.Label, len(rec.GT), m.TP, m.FP, m.FN, r.Result.Conf)}
			if err := modelInput(&panel, r.Options, rec.Name, max(1, r.Options.PanelSize/2)); err != nil {
				return nil, err
			}
			g.Panels = append(g.Panels, panel)
		}
		out = append(out, g)
	}
	return out, nil
}

// modelInput fills the panel's model-input thumbnail from opt.Inputs, scaled so its
// longest side is at most size, or says why there is none. Only encoding can fail.
func modelInput(p *Panel, opt Options, name string, size int) error {
	if opt.Inputs == nil {
		p.InputNote = "model input not shown: the report was made without a way to rebuild it (Options.Inputs)"
		return nil
	}
	img, err := opt.Inputs(name, p.Pipeline)
	switch {
	case err != nil:
		p.InputNote = "model input not shown: " + err.Error()
		return nil
	case img == nil || img.Bounds().Empty():
		p.InputNote = "model input not shown: the pipeline gave an empty image"
		return nil
	}
	b := img.Bounds()
	p.InputSize = fmt.Sprintf("%d×%d", b.Dx(), b.Dy())
	scale := math.Min(1, float64(size)/float64(max(b.Dx(), b.Dy())))
	w := max(1, int(math.Round(float64(b.Dx())*scale)))
	h := max(1, int(math.Round(float64(b.Dy())*scale)))
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	xdraw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, b, xdraw.Src, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 88}); err != nil {
		return fmt.Errorf("report: gallery: encoding the model input of %s through %s: %w", name, p.Pipeline, err)
	}
	p.Input, p.InputW, p.InputH = buf.Bytes(), w, h
	return nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// downscale converts a frame to RGBA at scale (<= 1) with bilinear filtering.
func downscale(img frame.Image, scale float64) *image.RGBA {
	src := image.NewRGBA(image.Rect(0, 0, img.W, img.H))
	ri, bi := 0, 2
	if img.Order == frame.BGR {
		ri, bi = 2, 0
	}
	for i, j := 0, 0; i < len(img.Pix); i, j = i+3, j+4 {
		src.Pix[j], src.Pix[j+1], src.Pix[j+2], src.Pix[j+3] = img.Pix[i+ri], img.Pix[i+1], img.Pix[i+bi], 0xff
	}
	if scale >= 1 {
		return src
	}
	w := max(1, int(math.Round(float64(img.W)*scale)))
	h := max(1, int(math.Round(float64(img.H)*scale)))
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	xdraw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, src.Bounds(), xdraw.Src, nil)
	return dst
}

// drawMatched draws ground truths (found: green, thick; missed: purple, thick) and the
// detections above the match's conf (TP: blue solid; FP: orange dashed) with their
// scores, all boxes in source pixels scaled by scale.
func drawMatched(dst *image.RGBA, gts []box.Object, dets []box.Detection, m metrics.ImageResult, scale float64) {
	for g, o := range gts {
		c := colGT
		if m.GTMatch[g] == metrics.Unmatched {
			c = colMissed
		}
		strokeRect(dst, o.Box, scale, 3, 0, c)
	}
	// Lowest scores first so the best detection's label is drawn on top.
	order := make([]int, 0, len(dets))
	for j := range dets {
		if m.DetMatch[j] != metrics.BelowConf {
			order = append(order, j)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case dets[a].Score < dets[b].Score:
			return -1
		case dets[a].Score > dets[b].Score:
			return 1
		}
		return 0
	})
	for _, j := range order {
		d := dets[j]
		c, dash := colTP, 0
		if m.DetMatch[j] == metrics.Unmatched {
			c, dash = colFP, 4
		}
		strokeRect(dst, d.Box, scale, 1, dash, c)
		label(dst, int(math.Floor(d.Box.X1*scale)), int(math.Floor(d.Box.Y1*scale)), fmt.Sprintf("%.2f", d.Score), c)
	}
}

// strokeRect draws the outline of b (source pixels, scaled) with the given width in
// pixels, growing inwards and outwards, dashed with dash-pixel segments when dash > 0.
func strokeRect(dst *image.RGBA, b box.Box, scale float64, width, dash int, c color.RGBA) {
	x1 := int(math.Floor(b.X1 * scale))
	y1 := int(math.Floor(b.Y1 * scale))
	x2 := int(math.Ceil(b.X2*scale)) - 1
	y2 := int(math.Ceil(b.Y2*scale)) - 1
	if x2 < x1 {
		x2 = x1
	}
	if y2 < y1 {
		y2 = y1
	}
	half := (width - 1) / 2
	for t := -half; t < width-half; t++ {
		hline(dst, x1-t, x2+t, y1-t, dash, c)
		hline(dst, x1-t, x2+t, y2+t, dash, c)
		vline(dst, x1-t, y1-t, y2+t, dash, c)
		vline(dst, x2+t, y1-t, y2+t, dash, c)
	}
}

func on(i, dash int) bool { return dash == 0 || (i/dash)%2 == 0 }

func hline(dst *image.RGBA, x1, x2, y, dash int, c color.RGBA) {
	for x := x1; x <= x2; x++ {
		if on(x-x1, dash) && image.Pt(x, y).In(dst.Rect) {
			dst.SetRGBA(x, y, c)
		}
	}
}

func vline(dst *image.RGBA, x, y1, y2, dash int, c color.RGBA) {
	for y := y1; y <= y2; y++ {
		if on(y-y1, dash) && image.Pt(x, y).In(dst.Rect) {
			dst.SetRGBA(x, y, c)
		}
	}
}

// label writes s in black on a c-coloured tag just above (x, y), or just inside the
// top edge when there is no room above.
func label(dst *image.RGBA, x, y int, s string, c color.RGBA) {
	face := basicfont.Face7x13
	w := font.MeasureString(face, s).Ceil() + 2
	h := 12
	top := y - h
	if top < 0 {
		top = y
	}
	r := image.Rect(x, top, x+w, top+h).Intersect(dst.Rect)
	if r.Empty() {
		return
	}
	xdraw.Draw(dst, r, image.NewUniform(c), image.Point{}, xdraw.Src)
	d := font.Drawer{Dst: dst, Src: image.NewUniform(color.Black), Face: face, Dot: fixed.P(x+1, top+h-2)}
	d.DrawString(s)
}
