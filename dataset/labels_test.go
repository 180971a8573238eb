package dataset_test

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/dataset"
)

// pixTol: the inputs are decimal fractions (0.1 is not exact in binary), so pixel
// values are equal to the hand-computed ones only to a few ulps of a few hundred.
const pixTol = 1e-9

func assertObjects(t *testing.T, want, got []box.Object) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		assert.Equal(t, want[i].Class, got[i].Class, "object %d class", i)
		assert.InDelta(t, want[i].X1, got[i].X1, pixTol, "object %d x1", i)
		assert.InDelta(t, want[i].Y1, got[i].Y1, pixTol, "object %d y1", i)
		assert.InDelta(t, want[i].X2, got[i].X2, pixTol, "object %d x2", i)
		assert.InDelta(t, want[i].Y2, got[i].Y2, pixTol, "object %d y2", i)
	}
}

func TestParseLabelsPixels(t *testing.T) {
	// 640x480 image, 3 classes. Hand computation:
	//   0 0.5 0.5 0.25 0.5  -> x 0.375..0.625 * 640 = 240..400, y 0.25..0.75 * 480 = 120..360
	//   2 0.1 0.2 0.1 0.2   -> x 0.05..0.15 * 640 = 32..96,    y 0.1..0.3 * 480 = 48..144
	//   1.0 ... (integral float class accepted, as Ultralytics parses floats)
	//   segment 1 (0.1,0.2) (0.5,0.1) (0.3,0.6) (0.05,0.4) -> x 0.05..0.5, y 0.1..0.6
	//                                                       -> 32..320, 48..288
	//   w = 1.0000005 is within CoordTolerance: clipped to 1 -> x 0..640 around cx 0.5
	in := "0 0.5 0.5 0.25 0.5\r\n" +
		"\n" +
		"   \t\n" +
		"2\t0.1 0.2  0.1 0.2\n" +
		"1.0 0.5 0.5 0.5 0.5\n" +
		"1 0.1 0.2 0.5 0.1 0.3 0.6 0.05 0.4\n" +
		"0 0.5 0.5 1.0000005 0.2" // no final newline
	got, err := dataset.ParseLabels("l.txt", strings.NewReader(in), 640, 480, 3)
	require.NoError(t, err)
	assertObjects(t, []box.Object{
		{Box: box.Box{X1: 240, Y1: 120, X2: 400, Y2: 360}, Class: 0},
		{Box: box.Box{X1: 32, Y1: 48, X2: 96, Y2: 144}, Class: 2},
		{Box: box.Box{X1: 160, Y1: 120, X2: 480, Y2: 360}, Class: 1},
		{Box: box.Box{X1: 32, Y1: 48, X2: 320, Y2: 288}, Class: 1},
		{Box: box.Box{X1: 0, Y1: 192, X2: 640, Y2: 288}, Class: 0},
	}, got)
}

func TestParseLabelsEmpty(t *testing.T) {
	got, err := dataset.ParseLabels("l.txt", strings.NewReader("\n\n"), 10, 10, 1)
	require.NoError(t, err)
	assert.NotNil(t, got, "empty, not nil: stable JSON ([] not null)")
	assert.Empty(t, got)
}

func TestParseLabelsNotClippedToImage(t *testing.T) {
	// cx=0.1, w=0.4: every written value is in [0,1] (Ultralytics accepts it) but the box
	// starts at x = -0.1*W. Kept as is, not clipped.
	got, err := dataset.ParseLabels("l.txt", strings.NewReader("0 0.1 0.5 0.4 0.2\n"), 100, 100, 1)
	require.NoError(t, err)
	assertObjects(t, []box.Object{{Box: box.Box{X1: -10, Y1: 40, X2: 30, Y2: 60}}}, got)
}

func TestParseLabelsErrors(t *testing.T) {
	const fields = "expected 5 (class cx cy w h) or a segment (class x1 y1 x2 y2 x3 y3 ..., 3 or more points)"
	cases := []struct{ line, want string }{
		{"0 0.5 0.5 0.2", "4 fields, " + fields},
		{"0 0.5 0.5 0.2 0.2 0.1", "6 fields, " + fields},
		{"0 0.1 0.1 0.2 0.2 0.3 0.3 0.4", "8 fields, " + fields},
		{"0 0.5 abc 0.2 0.2", `field 3 "abc" is not a number`},
		{"0 0.5 0x1p-1 0.2 0.2", `field 3 "0x1p-1" is not a number`},
		{"0 0.5 nan 0.2 0.2", `field 3 "nan" is not finite, expected a number`},
		{"0 0.5 0.5 0.2 -Inf", `field 5 "-Inf" is not finite, expected a number`},
		{"0 0.5 0.5 1e999 0.2", `field 4 "1e999" is not finite, expected a number`},
		{"1.5 0.5 0.5 0.2 0.2", `class "1.5" is not an integer`},
		{"3 0.5 0.5 0.2 0.2", "class 3 out of range [0,3) (3 class names)"},
		{"-1 0.5 0.5 0.2 0.2", "class -1 out of range [0,3) (3 class names)"},
		{"0 0.5 0.5 0 0.2", "w = 0, h = 0.2, expected a positive width and height"},
		{"0 0.5 0.5 0.2 -0.0000001", "w = 0.2, h = -0.0000001, expected a positive width and height"}, // clipped to 0 first
		{"0 0.5 0.5 0.2 -0.1", "h = -0.1 outside [0,1], expected normalised coordinates (tolerance 1e-06)"},
		{"0 1.2 0.5 0.2 0.2", "cx = 1.2 outside [0,1], expected normalised coordinates (tolerance 1e-06)"},
		{"0 0.5 1.00001 0.2 0.2", "cy = 1.00001 outside [0,1], expected normalised coordinates (tolerance 1e-06)"},
		{"0 0.5 0.5 0.2 0.2 # person", "'#' comment at field 6, expected only label values (YOLO label files have no comments; Ultralytics rejects them)"},
		{"# class cx cy w h", "'#' comment at field 1, expected only label values (YOLO label files have no comments; Ultralytics rejects them)"},
		{"2 0.1 0.1 0.2 1.5 0.3 0.3", "y2 = 1.5 outside [0,1], expected normalised coordinates (tolerance 1e-06)"},
		{"2 0.1 0.1 0.1 0.5 0.1 0.9", "segment bounding box 0x0.8 (normalised), expected a positive width and height"},
	}
	for _, c := range cases {
		// The bad line is line 3, after a good line and a blank one.
		in := "0 0.5 0.5 0.1 0.1\n\n" + c.line + "\n0 0.5 0.5 0.1 0.1\n"
		_, err := dataset.ParseLabels("dir/l.txt", strings.NewReader(in), 640, 480, 3)
		assert.EqualError(t, err, "dataset: dir/l.txt:3: "+c.want, c.line)
	}
}

func TestParseLabelsBadArguments(t *testing.T) {
	_, err := dataset.ParseLabels("l.txt", strings.NewReader(""), 0, 10, 1)
	assert.EqualError(t, err, "dataset: l.txt: image size 0x10, expected positive width and height")
	_, err = dataset.ParseLabels("l.txt", strings.NewReader(""), 10, 10, 0)
	assert.EqualError(t, err, "dataset: l.txt: 0 classes, expected at least 1")
}

func TestParseLabelsLongSegmentLine(t *testing.T) {
	// 20000 points (~200 kB on one line): no line-length limit (bufio.Scanner's default
	// 64 kB would fail).
	var sb strings.Builder
	sb.WriteString("0")
	const n = 20000
	for i := 0; i < n; i++ {
		// A square outline traversed point by point: x and y in [0.25, 0.75].
		f := float64(i) / n * 4
		var x, y float64
		switch {
		case f < 1:
			x, y = 0.25+0.5*f, 0.25
		case f < 2:
			x, y = 0.75, 0.25+0.5*(f-1)
		case f < 3:
			x, y = 0.75-0.5*(f-2), 0.75
		default:
			x, y = 0.25, 0.75-0.5*(f-3)
		}
		sb.WriteString(" ")
		sb.WriteString(strconv.FormatFloat(x, 'f', -1, 64))
		sb.WriteString(" ")
		sb.WriteString(strconv.FormatFloat(y, 'f', -1, 64))
	}
	got, err := dataset.ParseLabels("l.txt", strings.NewReader(sb.String()), 200, 100, 1)
	require.NoError(t, err)
	assertObjects(t, []box.Object{{Box: box.Box{X1: 50, Y1: 25, X2: 150, Y2: 75}}}, got)
}

// TestDuplicateLabelsMatchUltralytics: the lines ParseLabels keeps, and the count of
// dropped duplicates, equal what Ultralytics' verify_image_label keeps (np.unique over
// the float32 rows, segments compared by their float32 bounding boxes), as computed
// with numpy by scripts/ultralytics_dedup.py into testdata/dedup_cases.json.
func TestDuplicateLabelsMatchUltralytics(t *testing.T) {
	b, err := os.ReadFile("testdata/dedup_cases.json")
	require.NoError(t, err)
	var file struct {
		Cases []struct {
			Text    string `json:"text"`
			Kept    []int  `json:"kept_lines"`
			Removed int    `json:"removed"`
		} `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(b, &file))
	require.NotEmpty(t, file.Cases)
	for _, c := range file.Cases {
		got, dups, err := dataset.ParseLabelFile("l.txt", strings.NewReader(c.Text), 4)
		require.NoError(t, err, c.Text)
		assert.Equal(t, c.Removed, dups, c.Text)
		var lines []string
		for _, l := range strings.Split(c.Text, "\n") {
			if strings.TrimSpace(l) != "" {
				lines = append(lines, l)
			}
		}
		var want []box.Object
		for _, k := range c.Kept {
			one, _, err := dataset.ParseLabelFile("l.txt", strings.NewReader(lines[k]), 4)
			require.NoError(t, err)
			want = append(want, one...)
		}
		assert.Equal(t, want, got, c.Text)
		px, err := dataset.ParseLabels("l.txt", strings.NewReader(c.Text), 64, 48, 4)
		require.NoError(t, err)
		assert.Len(t, px, len(c.Kept), "ParseLabels drops the same lines")
	}
}
