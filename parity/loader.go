package parity

import (
	"fmt"
	"slices"
	"sync"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/frame"
)

// Source is an in-memory stream of labelled images for RunSource (for example
// scenes generated on the fly): nothing is read from disk. Image is called from
// several goroutines at once (one per loader) and must be safe for that.
type Source interface {
	// Classes are the class names, index = class id.
	Classes() []string
	// Len is the number of images.
	Len() int
	// Image returns image i (0 <= i < Len): its name (unique in the source), its
	// pixels and its ground truth in source pixels. An error marks the image as
	// failed (stage "load"); the run goes on.
	Image(i int) (name string, img frame.Image, gt []box.Object, err error)
}

// loaded is one image as a loader gives it: its name, file, size, pixels per
// decoder (a zero Image for the size-only decoder ""), and ground truth.
type loaded struct {
	name, path string
	w, h       int
	imgs       []frame.Image // per engine decoder
	truth
	// pooled are the frame buffers of imgs taken from a frames pool, which
	// nothing else holds: the engine gives them back once every run has
	// preprocessed the image.
	pooled []*[]byte
}

// frames is an engine's pool of decoded frames' pixel buffers: a run decodes
// thousands of frames of a few MB each, and allocating each anew makes the
// garbage collector run every few images, on the cores ONNX Runtime needs. Its
// capacity is what can be in use at once (a frame per decoder per loader); it
// lives as long as its engine (a sync.Pool would be emptied by every other
// collection, which the command's GOGC=25 makes frequent).
type frames chan *[]byte

// recycle gives ld's pooled frame buffers back to fr; ld's images must not be
// used after.
func (ld *loaded) recycle(fr frames) {
	for _, b := range ld.pooled {
		select {
		case fr <- b:
		default: // full (cannot happen while the capacity covers every loader)
		}
	}
	ld.pooled = nil
}

// decodeInto decodes path with dec, into a buffer from fr when dec can, which
// it records in ld.pooled.
func (ld *loaded) decodeInto(dec dataset.Decoder, path string, fr frames) (frame.Image, error) {
	into, ok := dec.(dataset.IntoDecoder)
	if !ok || fr == nil {
		return dec.Decode(path)
	}
	var b *[]byte
	select {
	case b = <-fr:
	default:
		b = new([]byte)
	}
	img, err := into.DecodeInto(path, *b)
	if err != nil {
		ld.pooled = append(ld.pooled, b) // unchanged: back to the pool with the others
		return img, err
	}
	*b = img.Pix
	ld.pooled = append(ld.pooled, b)
	return img, nil
}

// truth is an image's ground truth: the objects, and for COCO datasets the
// crowd regions (pycocotools' iscrowd: they absorb detections and are never
// missed) and every annotation's "area" (what pycocotools' small, medium and
// large ranges test; nil: the box areas).
type truth struct {
	gts        []box.Object
	areas      []float64
	crowds     []box.Object
	crowdAreas []float64
}

// clone copies the slices (cached truths are handed to several runs).
func (t truth) clone() truth {
	return truth{slices.Clone(t.gts), slices.Clone(t.areas), slices.Clone(t.crowds), slices.Clone(t.crowdAreas)}
}

// loader is where the engine's images come from: a dataset or a Source.
type loader interface {
	classes() []string
	len() int
	// load returns image i decoded by each decoder (nil: the size only) and its
	// ground truth; on failure what it got so far, the stage and the error. The
	// frames come from fr when it is not nil and the decoder can write into them
	// (the caller gives them back with loaded.recycle).
	load(i int, decoders []dataset.Decoder, fr frames) (loaded, string, error)
	// name is image i's name when load could not tell it (it panicked), where
	// what its errors name (the file, or the name).
	name(i int) string
	where(i int) string
	// dataName and namesFile name the data and where its class names come from, in errors.
	dataName() string
	namesFile() string
}

type datasetLoader struct {
	ds       *dataset.Dataset
	data     string // the path the dataset was opened from
	noLabels bool   // the consumer needs no ground truth (CompareBackends)
}

func (l datasetLoader) dataName() string  { return l.data }
func (l datasetLoader) namesFile() string { return l.ds.NamesFile }

func (l datasetLoader) classes() []string  { return l.ds.Names }
func (l datasetLoader) len() int           { return len(l.ds.Items) }
func (l datasetLoader) name(i int) string  { return l.ds.Items[i].Name }
func (l datasetLoader) where(i int) string { return l.ds.Items[i].ImagePath }

func (l datasetLoader) load(i int, decoders []dataset.Decoder, fr frames) (loaded, string, error) {
	it := l.ds.Items[i]
	ld := loaded{name: it.Name, path: it.ImagePath, imgs: make([]frame.Image, len(decoders))}
	sized := false
	for k, dec := range decoders {
		var w, h int
		if dec == nil {
			var err error
			if w, h, err = dataset.CheckSize(it.ImagePath, 0); err != nil {
				return ld, "decode", err
			}
		} else {
			img, err := ld.decodeInto(dec, it.ImagePath, fr)
			if err != nil {
				return ld, "decode", err
			}
			ld.imgs[k], w, h = img, img.W, img.H
		}
		if sized && (w != ld.w || h != ld.h) {
			return ld, "decode", fmt.Errorf("%s: decoder %s gives %dx%d, another decoder %dx%d", it.ImagePath,
				decoderName(dec), w, h, ld.w, ld.h)
		}
		ld.w, ld.h, sized = w, h, true
	}
	if l.noLabels {
		return ld, "", nil
	}
	truths, err := l.ds.LabelsDetailed(it, ld.w, ld.h)
	if err != nil {
		return ld, "labels", err
	}
	ld.truth = splitTruths(truths, l.ds.Format == dataset.FormatCOCO)
	return ld, "", nil
}

// splitTruths separates the objects from the crowd regions and keeps COCO's
// areas; VOC difficult objects are left out, as dataset.Labels leaves them.
func splitTruths(ts []dataset.Truth, coco bool) truth {
	var t truth
	for _, x := range ts {
		switch {
		case x.Crowd:
			t.crowds = append(t.crowds, x.Object)
			t.crowdAreas = append(t.crowdAreas, x.Area)
		case !x.Difficult:
			t.gts = append(t.gts, x.Object)
			t.areas = append(t.areas, x.Area)
		}
	}
	if !coco {
		t.areas, t.crowdAreas = nil, nil
	}
	return t
}

// decoderName names a decoder in errors ("size only" for nil).
func decoderName(d dataset.Decoder) string {
	if d == nil {
		return "size only"
	}
	return d.Name()
}

type sourceLoader struct {
	src  Source
	data string // Config.Data: only a label
}

func (l sourceLoader) dataName() string  { return l.data }
func (l sourceLoader) namesFile() string { return "the source's class list" }

func (l sourceLoader) classes() []string  { return l.src.Classes() }
func (l sourceLoader) len() int           { return l.src.Len() }
func (l sourceLoader) name(i int) string  { return fmt.Sprintf("image %d", i+1) }
func (l sourceLoader) where(i int) string { return l.name(i) }

// load gives every decoder the source's own pixels.
func (l sourceLoader) load(i int, decoders []dataset.Decoder, _ frames) (loaded, string, error) {
	name, img, gts, err := l.src.Image(i)
	if name == "" {
		name = l.name(i)
	}
	ld := loaded{name: name}
	if err != nil {
		return ld, "load", fmt.Errorf("%s: %w", name, err)
	}
	if err := img.Validate(); err != nil {
		return ld, "load", fmt.Errorf("%s: %w", name, err)
	}
	nc := len(l.src.Classes())
	for g, o := range gts {
		if o.Class < 0 || o.Class >= nc {
			return ld, "load", fmt.Errorf("%s: ground truth %d has class %d, expected 0..%d", name, g, o.Class, nc-1)
		}
		if !(o.W() > 0 && o.H() > 0) {
			return ld, "load", fmt.Errorf("%s: ground truth %d box %v, expected a positive width and height", name, g, o.Box)
		}
	}
	ld.w, ld.h, ld.gts = img.W, img.H, slices.Clone(gts)
	ld.imgs = make([]frame.Image, len(decoders))
	for k := range ld.imgs {
		ld.imgs[k] = img
	}
	return ld, "", nil
}

// cachedLoader keeps the images of some positions decoded (Diagnose's
// screening set, run through batch after batch of candidate specs) and loads
// the others each time. A failure of a kept position is kept too.
type cachedLoader struct {
	loader
	keep map[int]bool
	mu   sync.Mutex
	info map[int]loaded                 // name, path, size and ground truth
	pix  map[int]map[string]frame.Image // decoded pixels by decoder name ("" size only)
	fail map[int]cachedFailure
}

type cachedFailure struct {
	ld    loaded
	stage string
	err   error
}

func newCachedLoader(l loader, keep []int) *cachedLoader {
	c := &cachedLoader{loader: l, keep: map[int]bool{}, info: map[int]loaded{}, pix: map[int]map[string]frame.Image{},
		fail: map[int]cachedFailure{}}
	for _, i := range keep {
		c.keep[i] = true
	}
	return c
}

func (c *cachedLoader) load(i int, decoders []dataset.Decoder, fr frames) (loaded, string, error) {
	if !c.keep[i] {
		return c.loader.load(i, decoders, fr)
	}
	c.mu.Lock()
	f, failed := c.fail[i]
	info, known := c.info[i]
	var missing []dataset.Decoder
	for _, d := range decoders {
		if _, ok := c.pix[i][decoderKey(d)]; !ok || !known {
			missing = append(missing, d)
		}
	}
	c.mu.Unlock()
	if failed {
		return f.ld, f.stage, f.err
	}
	if len(missing) > 0 || !known {
		ld, stage, err := c.loader.load(i, missing, nil) // kept: no pooled frames
		c.mu.Lock()
		if err != nil {
			c.fail[i] = cachedFailure{ld, stage, err}
			c.mu.Unlock()
			return ld, stage, err
		}
		if c.pix[i] == nil {
			c.pix[i] = map[string]frame.Image{}
		}
		for k, d := range missing {
			c.pix[i][decoderKey(d)] = ld.imgs[k]
		}
		info = ld
		c.info[i] = ld
		c.mu.Unlock()
	}
	out := info
	out.truth = info.truth.clone()
	out.imgs = make([]frame.Image, len(decoders))
	c.mu.Lock()
	for k, d := range decoders {
		out.imgs[k] = c.pix[i][decoderKey(d)]
	}
	c.mu.Unlock()
	return out, "", nil
}

func decoderKey(d dataset.Decoder) string {
	if d == nil {
		return ""
	}
	return d.Name()
}
