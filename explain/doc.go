// Package explain says why a preprocessed tensor differs from the tensor the
// training pipeline makes of the same image. It works one step into the
// detparity data path, on tensors, before any model runs:
//
//	image file -> dataset (decode) -> letterbox (Plan.Apply) -> tensor -> detect -> metrics
//	                                                  \-> explain: the user's tensor vs the spec's
//
// Given an image, the tensor a user's pipeline made of it (in any language:
// a Go function, or a .npy file read with package npy) and the spec it should
// equal (letterbox.Spec, e.g. "sg-coco"), Explain searches the preprocessing
// that reproduces the tensor — layout, content box and padding, stretch or
// letterbox with its inner size, rounding and anchor, interpolation (OpenCV
// linear, area, cubic, nearest, nearest-exact; Pillow bilinear), JPEG decoder
// (libjpeg via the "opencv" decoder, Go's image/jpeg), EXIF orientation,
// channel order, and the value transform fitted by least squares — and
// reports each difference from the spec in words, with the maximum and mean
// absolute error, the share of differing values and the PSNR, ending with
// "identical to SPEC" when the tensor is the spec's. Explanation.WriteHeatmap
// draws where the values differ.
//
// The package is pure Go and needs no OpenCV; the libjpeg hypothesis needs
// the "opencv" decoder registered (import _
// "github.com/detparity/detparity/dataset/opencv"), and says so when it is
// not. paritytest's tensor check calls Compare; the CLI's
// `detparity explain` calls Explain.
package explain
