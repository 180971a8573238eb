package suggest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestClosest(t *testing.T) {
	presets := []string{"center-int-pad0", "letterbox", "sg-coco", "sg-custom", "sg-custom-train", "stretch", "ultralytics", "ultralytics-auto", "yolox", "yolox-legacy"}
	for _, c := range []struct{ word, want string }{
		{"sg_coco", "sg-coco"},
		{"SG-COCO", "sg-coco"},
		{"sgcoco", "sg-coco"},
		{"sg-cocco", "sg-coco"},
		{"strech", "stretch"},
		{"ultralytic", "ultralytics"},
		{"yolo", "yolox"},
		{"letterbx", "letterbox"},
		{"resnet", ""}, // nothing close
		{"x", ""},      // too short to guess
		{"sg-custom-tran", "sg-custom-train"},
	} {
		assert.Equal(t, c.want, Closest(c.word, presets), c.word)
	}
	assert.Equal(t, "conf", Closest("cnof", []string{"conf", "iou", "floor"}), "a swap is one edit")
	assert.Equal(t, "conf", Closest("confidence", []string{"conf", "iou", "floor"}), "a prefix")
	assert.Equal(t, "shard", Closest("shar", []string{"shard", "shards"}), "the nearer of two prefixes")
	assert.Equal(t, "ultralytics", Closest("ultralytic", []string{"ultralytics", "ultralytics-auto"}), "an edit beats a prefix")
	assert.Equal(t, "", Closest("ab", []string{"ac", "ad"}), "a tie suggests nothing")
	assert.Equal(t, "", Closest("run", []string{"run"}), "the word itself is not a suggestion")
	assert.Equal(t, 3, distance("kitten", "sitting"))
	assert.Equal(t, 1, distance("ab", "ba"))
	assert.Equal(t, 0, distance("", ""))
	assert.Equal(t, 2, distance("", "ab"))
}

func TestDidYouMean(t *testing.T) {
	assert.Equal(t, "; did you mean --conf?", DidYouMean("conff", "--", []string{"conf", "iou"}))
	assert.Equal(t, "", DidYouMean("zzzzzz", "--", []string{"conf", "iou"}))
}

func ExampleClosest() {
	fmt.Println(Closest("sg_coco", []string{"sg-coco", "stretch", "letterbox"}))
	fmt.Println(Closest("diagnsoe", []string{"run", "diagnose", "diff"}))
	fmt.Printf("%q\n", Closest("quantise", []string{"run", "diagnose", "diff"}))
	// Output:
	// sg-coco
	// diagnose
	// ""
}
