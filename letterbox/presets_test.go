package letterbox

import (
	"math/rand"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/frame"
)

// TestPresetInfos: every preset carries its description and a public source
// naming a version, its Spec is what Preset and Parse return, and the names
// are those Presets lists.
func TestPresetInfos(t *testing.T) {
	infos := PresetInfos()
	var names []string
	// A framework's pipeline starts with its repository and version: "Deci-AI/super-gradients 3.7.1, ...".
	version := regexp.MustCompile(`^[\w.-]+/[\w.-]+ \d+\.\d+`)
	for _, p := range infos {
		names = append(names, p.Name)
		assert.NotEmpty(t, p.Description, p.Name)
		assert.NotEmpty(t, p.Source, p.Name)
		assert.Equal(t, p.Name, p.Spec.Name)
		require.NoError(t, p.Spec.validate(), p.Name)
		got, err := Preset(p.Name)
		require.NoError(t, err)
		assert.Equal(t, p.Spec, got)
		parsed, err := Parse(p.Name)
		require.NoError(t, err)
		assert.Equal(t, p.Spec, parsed)
		if !strings.HasPrefix(p.Source, "hand-written") && !strings.HasPrefix(p.Source, "no framework") {
			assert.Regexp(t, version, p.Source, "%s: the source names the repository and version it reproduces", p.Name)
		}
	}
	slices.Sort(names)
	assert.Equal(t, Presets(), names)
	// PresetInfos is a copy.
	infos[0].Name = "changed"
	infos[2].Aliases[0] = "changed"
	assert.NotEqual(t, "changed", PresetInfos()[0].Name)
	assert.Equal(t, []string{"seed-center"}, PresetInfos()[2].Aliases)
}

// TestSeedCenterAlias: the former name still parses everywhere and prints the
// new one.
func TestSeedCenterAlias(t *testing.T) {
	assert.Equal(t, "center-int-pad0", PresetName("seed-center"))
	assert.Equal(t, "center-int-pad0", PresetName("center-int-pad0"))
	assert.Equal(t, "", PresetName("seed"))
	old, err := Parse("seed-center")
	require.NoError(t, err)
	assert.Equal(t, "center-int-pad0", old.Name)
	assert.Equal(t, preset(t, "center-int-pad0"), old)
	s, err := Parse("seed-center:pad=114")
	require.NoError(t, err)
	assert.Equal(t, "center-int-pad0:pad=114", s.Name)
	s2, err := Parse(s.Name)
	require.NoError(t, err)
	assert.Equal(t, s, s2)
	p, err := Preset("seed-center")
	require.NoError(t, err)
	assert.Equal(t, "center-int-pad0", p.Name)
	// A hand-made Spec named after the alias prints the new name.
	p.Name = "seed-center"
	assert.Equal(t, "center-int-pad0", p.String())
	p.Inner = 600
	assert.Equal(t, "center-int-pad0:inner=600", p.String())
	assert.NotContains(t, Presets(), "seed-center")
}

func TestExpandSGCoco(t *testing.T) {
	s := preset(t, "sg-coco")
	assert.Equal(t, "letterbox:size=640,inner=636,anchor=center,round=round,stride=0,scaleup=true,interp=linear,pad=114,"+
		"order=rgb,scale=1/255,mean=0,std=1,layout=nchw,dtype=float32,unmap=super-gradients,decoder=opencv", s.Expand())
	assert.Equal(t, "stretch:size=640,interp=linear,order=rgb,scale=1/255,mean=0,std=1,layout=nchw,dtype=float32,unmap=per-axis,decoder=opencv",
		preset(t, "stretch").Expand())
	var keys []string
	for _, p := range s.Params() {
		keys = append(keys, p.Key)
		assert.NotEmpty(t, p.Meaning, p.Key)
	}
	assert.Equal(t, []string{"mode", "size", "inner", "anchor", "round", "stride", "scaleup", "interp", "pad", "order",
		"scale", "mean", "std", "layout", "dtype", "unmap", "decoder"}, keys)
	assert.Contains(t, s.Params()[2].Meaning, "636x636")
	yl := preset(t, "yolox-legacy").Params()
	assert.Equal(t, Param{Key: "mean", Value: "0.485/0.456/0.406", Meaning: "subtracted after scaling, per channel"}, yl[11])
	assert.Equal(t, "tensor channel 0 is blue (OpenCV's order, as cv2.imread loads)", preset(t, "yolox").Params()[9].Meaning)
}

// TestExpandRoundTrip: Parse(s.Expand()) makes the same tensor and geometry as
// s, for every preset and for random specs, and is the same Spec but for the
// name (and, for stretch, the letterbox-only fields it ignores).
func TestExpandRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	var specs []Spec
	for _, n := range Presets() {
		specs = append(specs, preset(t, n))
	}
	for range 40 {
		specs = append(specs, randomSpec(rng))
	}
	src := randImage(rng, 97, 61, frame.BGR)
	for _, s := range specs {
		if s.validate() != nil {
			continue
		}
		back, err := Parse(s.Expand())
		require.NoError(t, err, s.Expand())
		want, got := s, back
		want.Name, got.Name = "", ""
		want.Decoder, got.Decoder = want.DecoderName(), got.DecoderName()
		if s.Mode == Stretch {
			for _, x := range []*Spec{&want, &got} {
				x.Inner, x.Anchor, x.Round, x.Stride, x.NoScaleUp, x.Pad = 0, 0, 0, 0, false, [3]uint8{}
			}
		}
		require.Equal(t, want, got, "%s -> %s", s.Name, s.Expand())
		p1, err1 := s.Plan(src.W, src.H)
		p2, err2 := back.Plan(src.W, src.H)
		require.Equal(t, err1 == nil, err2 == nil, s.Expand())
		if err1 != nil {
			continue
		}
		assert.Equal(t, p1.Geometry(), p2.Geometry())
		i1, err := p1.Image(src)
		require.NoError(t, err)
		i2, err := p2.Image(src)
		require.NoError(t, err)
		assert.Equal(t, i1.Pix, i2.Pix, s.Expand())
	}
}
