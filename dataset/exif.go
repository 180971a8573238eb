package dataset

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/detparity/detparity/frame"
)

// jpegInfo is what the marker segments of a JPEG before its first scan say.
type jpegInfo struct {
	w, h        int
	sof         byte // the frame header's marker: 0xC0..0xCF except 0xC4, 0xC8, 0xCC
	orientation int  // EXIF orientation 1..8 (1 when absent or unreadable)
}

// sofNames names the JPEG coding processes by their frame marker (ITU-T T.81 Table B.1).
var sofNames = map[byte]string{
	0xC0: "baseline", 0xC1: "extended sequential Huffman-coded", 0xC2: "progressive Huffman-coded",
	0xC3: "lossless Huffman-coded", 0xC5: "differential sequential Huffman-coded",
	0xC6: "differential progressive Huffman-coded", 0xC7: "differential lossless Huffman-coded",
	0xC9: "arithmetic-coded (extended sequential)", 0xCA: "arithmetic-coded (progressive)",
	0xCB: "arithmetic-coded (lossless)", 0xCD: "arithmetic-coded (differential sequential)",
	0xCE: "arithmetic-coded (differential progressive)", 0xCF: "arithmetic-coded (differential lossless)",
}

// readJPEGHeader walks the marker segments of the JPEG read from r up to its first
// start of scan, as libjpeg (jdmarker.c) and Go's image/jpeg do: bytes between
// segments that are not a marker are skipped, fill 0xFF bytes allowed. The first frame
// header (any SOFn, so arithmetic-coded, lossless and hierarchical files too) gives the
// size and the coding process; the first APP1 segment gives the EXIF orientation, as
// OpenCV 4.6 reads it (grfmt_jpeg.cpp parses the TIFF block 6 bytes into the first
// APP1 marker libjpeg saved, whatever that marker holds: an XMP APP1 before the EXIF
// one leaves the image unrotated). Truncation before the frame header is an error
// wrapping io.ErrUnexpectedEOF; after it, the walk stops with what it has.
func readJPEGHeader(r *bufio.Reader) (jpegInfo, error) {
	info := jpegInfo{orientation: 1}
	var soi [2]byte
	if _, err := io.ReadFull(r, soi[:]); err != nil {
		return info, io.ErrUnexpectedEOF
	}
	if soi != [2]byte{0xFF, 0xD8} {
		return info, errors.New("missing SOI marker")
	}
	fail := func(err error) (jpegInfo, error) {
		if info.sof != 0 {
			return info, nil // the frame header was read: the decoder reports what follows
		}
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return info, err
	}
	app1 := false
	for {
		m, err := nextMarker(r)
		if err != nil {
			return fail(err)
		}
		switch {
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7):
			continue // no length field
		case m == 0xD8:
			return fail(errors.New("a second SOI marker"))
		case m == 0xD9 || m == 0xDA:
			if info.sof == 0 {
				return info, errors.New("no frame header (SOF marker) before the first scan")
			}
			return info, nil
		}
		var lb [2]byte
		if _, err := io.ReadFull(r, lb[:]); err != nil {
			return fail(err)
		}
		n := int(binary.BigEndian.Uint16(lb[:])) - 2
		if n < 0 {
			return fail(errors.New("short segment length"))
		}
		_, isSOF := sofNames[m]
		switch {
		case isSOF && info.sof == 0:
			if n < 6 {
				return fail(fmt.Errorf("frame header (SOF%d) of %d bytes, expected at least 6", m-0xC0, n))
			}
			var f [6]byte
			if _, err := io.ReadFull(r, f[:]); err != nil {
				return fail(err)
			}
			info.sof = m
			info.h, info.w = int(binary.BigEndian.Uint16(f[1:])), int(binary.BigEndian.Uint16(f[3:]))
			n -= 6
		case m == 0xE1 && !app1:
			app1 = true
			seg := make([]byte, n)
			if _, err := io.ReadFull(r, seg); err != nil {
				return fail(err)
			}
			if len(seg) > 6 {
				info.orientation = tiffOrientation(seg[6:])
			}
			n = 0
		}
		if _, err := r.Discard(n); err != nil {
			return fail(err)
		}
	}
}

// nextMarker reads up to the next marker and returns its code, skipping non-marker
// bytes, "FF 00" pairs and fill bytes (Go's image/jpeg decoder loop, libjpeg's
// next_marker).
func nextMarker(r *bufio.Reader) (byte, error) {
	for {
		c, err := r.ReadByte()
		if err != nil {
			return 0, err
		}
		if c != 0xFF {
			continue
		}
		m, err := r.ReadByte()
		for err == nil && m == 0xFF {
			m, err = r.ReadByte()
		}
		if err != nil {
			return 0, err
		}
		if m != 0 {
			return m, nil
		}
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
