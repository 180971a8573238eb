package opencv

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/dataset/internal/imgtest"
)

// bothRoads decodes data (a w x h image) with libjpeg directly and with
// cv::imdecode, and returns both buffers and the direct road's answer.
func bothRoads(t *testing.T, name string, data []byte) (direct, viaCV []byte, ok bool, rc int) {
	t.Helper()
	w, h, err := dataset.CheckSizeBytes(name, data, 0)
	require.NoError(t, err, name)
	direct, viaCV = make([]byte, w*h*3), make([]byte, w*h*3)
	ok, rc = decodeJPEG(data, direct, w, h)
	_, err = imdecode(name, data, viaCV, w, h)
	require.NoError(t, err, name)
	return direct, viaCV, ok, rc
}

// TestDirectJPEG: on every JPEG of the repository — the 160 fixture images, the
// explain catalogue's, the subsampling / coding / colour-model variants of
// testdata/jpeg and the arithmetic-coded files — libjpeg called directly gives
// exactly cv::imdecode's bytes, and it declines, for cv::imdecode to decode, the
// files OpenCV 4.6 treats itself: an APP1 (EXIF) segment, arithmetic coding (no
// Huffman tables: OpenCV would install the MJPEG ones), four components.
func TestDirectJPEG(t *testing.T) {
	require.True(t, directJPEGAgrees(), "the probe finds libjpeg and cv::imdecode differ on this machine")
	declined := map[string]int{
		"cmyk.jpg":              jpegComponents,
		"s420-arith.jpg":        jpegNoTables,
		"arith.jpg":             jpegNoTables,
		"arith-progressive.jpg": jpegNoTables,
		"arith-exif6.jpg":       jpegAPP1,
		"baseline-exif6.jpg":    jpegAPP1,
	}
	var files []string
	for _, g := range []string{"../testdata/jpeg/*.jpg", "../testdata/arith/*.jpg", "../../fixtures/explain/*.jpg", "../../fixtures/eval/images/*.jpg"} {
		m, err := filepath.Glob(g)
		require.NoError(t, err)
		require.NotEmpty(t, m, g)
		files = append(files, m...)
	}
	taken := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		direct, viaCV, ok, rc := bothRoads(t, f, data)
		want, special := declined[filepath.Base(f)]
		if !special && bytes.Contains(data[:min(len(data), 1<<16)], []byte("Exif\x00\x00")) {
			want, special = jpegAPP1, true // the explain catalogue's photo carries EXIF
		}
		if special {
			assert.False(t, ok, f)
			assert.Equal(t, want, rc, f)
			continue
		}
		if assert.True(t, ok, "%s: declined (%d)", f, rc) {
			taken++
			assert.True(t, bytes.Equal(direct, viaCV), "%s: libjpeg's bytes differ from cv::imdecode's", f)
		}
	}
	assert.Greater(t, taken, 170)
}

// TestDirectJPEGDeclines: files made in the test that the direct road must leave
// to cv::imdecode, each decoded by Decoder to cv::imdecode's answer: EXIF and
// XMP (APP1), a motion-JPEG frame without its Huffman tables, and corrupt
// entropy-coded data (libjpeg warns or fails). A plain 4:2:0 file from Go's
// encoder at many sizes and qualities takes the direct road and equals it.
func TestDirectJPEGDeclines(t *testing.T) {
	dir := t.TempDir()
	base := imgtest.JPEG(t, imgtest.Patterned(53, 37), 90)
	cases := map[string]struct {
		data []byte
		rc   int
	}{
		"exif6.jpg": {imgtest.WithOrientation(base, 6, false), jpegAPP1},
		"exif1.jpg": {imgtest.WithOrientation(base, 1, true), jpegAPP1},
		"xmp.jpg":   {imgtest.WithXMP(base), jpegAPP1},
		"mjpeg.jpg": {withoutDHT(t, base), jpegNoTables},
	}
	for name, c := range cases {
		_, viaCV, ok, rc := bothRoads(t, name, c.data)
		assert.False(t, ok, name)
		assert.Equal(t, c.rc, rc, name)
		got, err := Decoder{}.Decode(imgtest.Write(t, filepath.Join(dir, name), c.data))
		require.NoError(t, err, name)
		assert.True(t, bytes.Equal(viaCV, got.Pix), "%s: Decoder differs from cv::imdecode", name)
	}

	// A caller expecting another size, and a file that is not a JPEG.
	ok, rc := decodeJPEG(base, make([]byte, 54*37*3), 54, 37)
	assert.False(t, ok)
	assert.Equal(t, jpegSize, rc)
	png := imgtest.PNG(t, imgtest.Patterned(53, 37))
	ok, rc = decodeJPEG(png, make([]byte, 53*37*3), 53, 37)
	assert.False(t, ok)
	assert.Equal(t, jpegNotTried, rc)

	// Corrupt scans: flip one byte of the entropy-coded data at several places.
	sos := bytes.Index(base, []byte{0xFF, 0xDA})
	require.Positive(t, sos)
	scan := sos + 2 + int(binary.BigEndian.Uint16(base[sos+2:]))
	warned := 0
	for k := 0; k < 12; k++ {
		data := bytes.Clone(base)
		i := scan + 5 + k*(len(data)-scan-10)/12
		if data[i] == 0xFF || data[i-1] == 0xFF {
			continue
		}
		data[i] ^= 0x5A
		if data[i] == 0xFF {
			data[i] = 0x7F
		}
		name := fmt.Sprintf("flip%02d.jpg", k)
		w, h, err := dataset.CheckSizeBytes(name, data, 0)
		require.NoError(t, err)
		viaCV := make([]byte, w*h*3)
		_, cvErr := imdecode(name, data, viaCV, w, h)
		ok, rc := decodeJPEG(data, make([]byte, w*h*3), w, h)
		if !ok {
			warned++
			assert.Contains(t, []int{jpegWarning, jpegError}, rc, name)
		}
		got, err := Decoder{}.Decode(imgtest.Write(t, filepath.Join(dir, name), data))
		if cvErr != nil {
			require.Error(t, err, name)
			continue
		}
		require.NoError(t, err, name)
		assert.True(t, bytes.Equal(viaCV, got.Pix), "%s: Decoder differs from cv::imdecode", name)
	}
	assert.Positive(t, warned, "no flipped file made libjpeg warn: the test no longer covers the warning road")

	// Go's encoder (4:2:0 or gray) at sizes around the MCU and qualities from 1 to 100.
	for _, sz := range [][2]int{{1, 1}, {2, 3}, {15, 17}, {16, 16}, {33, 8}, {640, 2}, {1, 121}} {
		for _, q := range []int{1, 50, 100} {
			for _, gray := range []bool{false, true} {
				var data []byte
				if gray {
					data = imgtest.JPEG(t, imgtest.GrayRamp(sz[0], sz[1]), q)
				} else {
					data = imgtest.JPEG(t, imgtest.Patterned(sz[0], sz[1]), q)
				}
				name := fmt.Sprintf("%dx%d q%d gray=%v", sz[0], sz[1], q, gray)
				direct, viaCV, ok, rc := bothRoads(t, name, data)
				if assert.True(t, ok, "%s: declined (%d)", name, rc) {
					assert.True(t, bytes.Equal(direct, viaCV), "%s differs", name)
				}
			}
		}
	}
}

// withoutDHT removes every DHT segment before the first scan, as motion-JPEG
// frames are stored.
func withoutDHT(t *testing.T, jpg []byte) []byte {
	t.Helper()
	out := bytes.Clone(jpg[:2])
	i := 2
	for i+4 <= len(jpg) && jpg[i] == 0xFF {
		m := jpg[i+1]
		n := int(binary.BigEndian.Uint16(jpg[i+2:]))
		if m == 0xDA {
			break
		}
		if m != 0xC4 {
			out = append(out, jpg[i:i+2+n]...)
		}
		i += 2 + n
	}
	require.True(t, strings.HasPrefix(string(jpg[i:i+2]), "\xFF\xDA"))
	return append(out, jpg[i:]...)
}

// BenchmarkDecodeFixtures decodes the 160 fixture JPEGs (640x480 to 1920x1080)
// from memory into a reused buffer, by the road Decoder takes (direct: libjpeg
// writing BGR) and by cv::imdecode (libjpeg writing RGB, swapped by OpenCV);
// one op is one image:
//
//	go test ./dataset/opencv -run '^$' -bench DecodeFixtures -benchmem -benchtime 160x
func BenchmarkDecodeFixtures(b *testing.B) {
	files, err := filepath.Glob("../../fixtures/eval/images/*.jpg")
	require.NoError(b, err)
	type file struct {
		data []byte
		w, h int
	}
	var all []file
	biggest := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(b, err)
		w, h, err := dataset.CheckSizeBytes(f, data, 0)
		require.NoError(b, err)
		all = append(all, file{data, w, h})
		biggest = max(biggest, w*h*3)
	}
	buf := make([]byte, biggest)
	roads := []struct {
		name string
		dec  func(f file) error
	}{
		{"direct", func(f file) error {
			if ok, rc := decodeJPEG(f.data, buf[:f.w*f.h*3], f.w, f.h); !ok {
				return fmt.Errorf("declined (%d)", rc)
			}
			return nil
		}},
		{"imdecode", func(f file) error {
			_, err := imdecode("bench", f.data, buf[:f.w*f.h*3], f.w, f.h)
			return err
		}},
	}
	for _, r := range roads {
		b.Run(r.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				if err := r.dec(all[i%len(all)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// FuzzDirectJPEG: on any bytes, whenever the direct libjpeg road takes a file,
// cv::imdecode decodes it too, to the same bytes.
func FuzzDirectJPEG(f *testing.F) {
	for _, name := range []string{"s420.jpg", "s422.jpg", "gray-progressive.jpg", "s420-restart.jpg", "tiny-1x1.jpg"} {
		data, err := os.ReadFile(filepath.Join("../testdata/jpeg", name))
		require.NoError(f, err)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		w, h, err := dataset.CheckSizeBytes("fuzz.jpg", data, 1<<14)
		if err != nil || checkJPEGComplete("fuzz.jpg", data) != nil {
			return
		}
		direct := make([]byte, w*h*3)
		if ok, _ := decodeJPEG(data, direct, w, h); !ok {
			return
		}
		viaCV := make([]byte, w*h*3)
		_, err = imdecode("fuzz.jpg", data, viaCV, w, h)
		require.NoError(t, err, "the direct road decoded a file cv::imdecode refuses")
		require.True(t, bytes.Equal(direct, viaCV), "the direct road's bytes differ from cv::imdecode's")
	})
}
