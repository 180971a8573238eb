package dataset

import (
	"bufio"
	"encoding/binary"
	"io"

	"github.com/detparity/detparity/frame"
)

// jpegOrientation returns the EXIF orientation (1..8) of the JPEG read from r, walking
// the marker segments up to the first SOS. A missing, malformed or out-of-range tag
// gives 1 (no change), which is what OpenCV's ExifReader falls back to.
func jpegOrientation(r *bufio.Reader) int {
	var soi [2]byte
	if _, err := io.ReadFull(r, soi[:]); err != nil || soi != [2]byte{0xFF, 0xD8} {
		return 1
	}
	for {
		c, err := r.ReadByte()
		if err != nil || c != 0xFF {
			return 1
		}
		m, err := r.ReadByte()
		for err == nil && m == 0xFF { // fill bytes
			m, err = r.ReadByte()
		}
		if err != nil {
			return 1
		}
		switch {
		case m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7):
			continue // no length field
		case m == 0xDA || m == 0xD9: // start of scan / end of image: no EXIF before it
			return 1
		}
		var lb [2]byte
		if _, err := io.ReadFull(r, lb[:]); err != nil {
			return 1
		}
		n := int(binary.BigEndian.Uint16(lb[:])) - 2
		if n < 0 {
			return 1
		}
		if m != 0xE1 {
			if _, err := r.Discard(n); err != nil {
				return 1
			}
			continue
		}
		seg := make([]byte, n)
		if _, err := io.ReadFull(r, seg); err != nil {
			return 1
		}
		if len(seg) < 6 || string(seg[:6]) != "Exif\x00\x00" {
			continue // an XMP APP1, look further
		}
		return tiffOrientation(seg[6:])
	}
}

// tiffOrientation reads tag 0x0112 of IFD0 of a TIFF-structured EXIF block.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(t[2:]) != 42 {
		return 1
	}
	off := int(bo.Uint32(t[4:]))
	if off < 8 || off+2 > len(t) {
		return 1
	}
	n := int(bo.Uint16(t[off:]))
	for i := 0; i < n; i++ {
		e := off + 2 + 12*i
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		if bo.Uint16(t[e+2:]) != 3 { // SHORT
			return 1
		}
		if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 1
	}
	return 1
}

// orient applies EXIF orientation o to im, as OpenCV's ApplyExifOrientation:
// 2 mirror left-right, 3 rotate 180, 4 mirror top-bottom, 5 transpose, 6 rotate 90
// clockwise, 7 transverse, 8 rotate 90 counter-clockwise.
func orient(im frame.Image, o int) frame.Image {
	if o <= 1 || o > 8 {
		return im
	}
	W, H := im.W, im.H
	ow, oh := W, H
	if o >= 5 {
		ow, oh = H, W
	}
	out := frame.New(ow, oh, im.Order)
	i := 0
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			var sx, sy int
			switch o {
			case 2:
				sx, sy = W-1-ox, oy
			case 3:
				sx, sy = W-1-ox, H-1-oy
			case 4:
				sx, sy = ox, H-1-oy
			case 5:
				sx, sy = oy, ox
			case 6:
				sx, sy = oy, H-1-ox
			case 7:
				sx, sy = W-1-oy, H-1-ox
			case 8:
				sx, sy = W-1-oy, ox
			}
			s := (sy*W + sx) * 3
			copy(out.Pix[i:i+3], im.Pix[s:s+3])
			i += 3
		}
	}
	return out
}

// Orientation returns the EXIF orientation (1..8) that Decode applies to the file at
// path, as cv2.imread does: the tag of a JPEG, 1 for other formats and when the tag is
// absent or malformed. It reads the header only.
func Orientation(path string) (int, error) {
	hdr, err := headerOf(path)
	if err != nil {
		return 0, err
	}
	return hdr.orientation, nil
}

// Unorient undoes EXIF orientation o on an image a decoder returned: the result is the
// pixels as stored in the file, what a pipeline that ignores the tag sees (PIL's
// Image.open without ImageOps.exif_transpose, cv2.imread with
// IMREAD_IGNORE_ORIENTATION). Orientations 6 and 8 are each other's inverse; the others
// are their own. o outside 2..8 returns im unchanged.
func Unorient(im frame.Image, o int) frame.Image {
	switch o {
	case 6:
		o = 8
	case 8:
		o = 6
	}
	return orient(im, o)
}
