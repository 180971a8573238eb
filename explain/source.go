package explain

import (
	"fmt"
	"slices"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/frame"
	"github.com/detparity/detparity/letterbox"
)

// source is one way of decoding the image: a registered decoder, with or
// without the EXIF orientation cv2.imread applies. img is in RGB order.
type source struct {
	decoder     string
	exifIgnored bool
	orientation int
	img         frame.Image
}

// decoderWords says what a decoder name means.
func decoderWords(name string) string {
	switch name {
	case letterbox.DecoderOpenCV:
		return "libjpeg via OpenCV (cv2.imread)"
	case letterbox.DecoderGo:
		return "Go's image/jpeg"
	}
	return name
}

// sources decodes the image the ways worth trying: the first registered of
// opencv and go (the primary), the other when the file is a JPEG (PNG and
// BMP decode identically), and the primary without EXIF orientation when
// the file has one. notes says which hypotheses could not be checked.
func sources(path string) (srcs []*source, notes []string, err error) {
	orientation, err := dataset.Orientation(path)
	if err != nil {
		return nil, nil, err
	}
	jpeg, err := isJPEG(path)
	if err != nil {
		return nil, nil, err
	}
	names := []string{letterbox.DecoderOpenCV, letterbox.DecoderGo}
	registered := dataset.Registered()
	for _, name := range names {
		if !slices.Contains(registered, name) {
			if jpeg {
				_, why := dataset.DecoderByName(name)
				notes = append(notes, fmt.Sprintf("the JPEG decoder could not be checked: %s is not available here (%v)", decoderWords(name), why))
			}
			continue
		}
		if len(srcs) > 0 && !jpeg {
			break
		}
		d, err := dataset.DecoderByName(name)
		if err != nil {
			return nil, nil, err
		}
		im, err := d.Decode(path)
		if err != nil {
			return nil, nil, err
		}
		srcs = append(srcs, &source{decoder: name, orientation: orientation, img: im.In(frame.RGB)})
	}
	if len(srcs) == 0 {
		return nil, notes, fmt.Errorf("explain: %s: no image decoder registered, expected %s or %s", path, letterbox.DecoderOpenCV, letterbox.DecoderGo)
	}
	if orientation > 1 {
		p := srcs[0]
		srcs = append(srcs, &source{decoder: p.decoder, exifIgnored: true, orientation: orientation,
			img: dataset.Unorient(p.img, orientation)})
	}
	return srcs, notes, nil
}

// isJPEG reports whether the file is a JPEG (by content, as the decoders sniff it).
func isJPEG(path string) (bool, error) {
	f, err := openRegular(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	var b [3]byte
	n, _ := f.Read(b[:])
	return n == 3 && b == [3]byte{0xFF, 0xD8, 0xFF}, nil
}
