#!/usr/bin/env bash
# Writes dataset/testdata/jpeg/: JPEG files of every chroma subsampling, coding mode and
# colour model libjpeg-turbo reads, made here from one synthetic image (no third-party
# content), for dataset/opencv's test that its direct libjpeg road gives cv::imdecode's
# bytes and declines the files OpenCV treats specially. Needs Debian's
# libjpeg-turbo-progs (cjpeg, jpegtran) and /usr/bin/python3 with numpy and PIL; only for
# regenerating the files, never for go test.
set -euo pipefail
cd "$(dirname "$0")/.."
out=dataset/testdata/jpeg
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# 83x61 (no side a multiple of any MCU size): a colour ramp, hard edges and seeded noise.
/usr/bin/python3 - "$tmp" <<'PY'
import sys
import numpy as np
from PIL import Image
d = sys.argv[1]
def img(w, h, seed):
    r = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    a = np.stack([x * 255 // max(1, w - 1), y * 255 // max(1, h - 1), 255 * (((x // 7) + (y // 5)) % 2)], -1)
    a = a.astype(np.int32) + r.integers(-40, 41, size=(h, w, 3))
    return np.clip(a, 0, 255).astype(np.uint8)
for name, (w, h, seed) in {"src": (83, 61, 1), "tiny": (1, 1, 2), "tall": (3, 250, 3)}.items():
    Image.fromarray(img(w, h, seed)).save(f"{d}/{name}.ppm")
# 4 components: Adobe CMYK, which OpenCV converts to BGR with its own code.
Image.fromarray(img(83, 61, 1)).convert("CMYK").save(f"{d}/cmyk.jpg", quality=90)
PY

cjpeg -quality 90 -sample 1x1 -outfile "$out/s444.jpg" "$tmp/src.ppm"
cjpeg -quality 90 -sample 2x1 -outfile "$out/s422.jpg" "$tmp/src.ppm"
cjpeg -quality 90 -sample 1x2 -outfile "$out/s440.jpg" "$tmp/src.ppm"
cjpeg -quality 90 -sample 2x2 -outfile "$out/s420.jpg" "$tmp/src.ppm"
cjpeg -quality 90 -sample 4x1 -outfile "$out/s411.jpg" "$tmp/src.ppm"
cjpeg -quality 90 -sample 4x2 -outfile "$out/s410.jpg" "$tmp/src.ppm"
cjpeg -quality 100 -sample 1x1 -outfile "$out/s444-q100.jpg" "$tmp/src.ppm"
cjpeg -quality 20 -sample 2x2 -outfile "$out/s420-q20.jpg" "$tmp/src.ppm"
cjpeg -quality 90 -progressive -outfile "$out/s420-progressive.jpg" "$tmp/src.ppm"
cjpeg -quality 90 -sample 1x1 -progressive -outfile "$out/s444-progressive.jpg" "$tmp/src.ppm"
cjpeg -quality 90 -restart 1B -outfile "$out/s420-restart.jpg" "$tmp/src.ppm"
cjpeg -quality 90 -optimize -outfile "$out/s420-optimize.jpg" "$tmp/src.ppm"
cjpeg -quality 90 -grayscale -outfile "$out/gray.jpg" "$tmp/src.ppm"
cjpeg -quality 90 -grayscale -progressive -outfile "$out/gray-progressive.jpg" "$tmp/src.ppm"
cjpeg -quality 90 -rgb -outfile "$out/rgb.jpg" "$tmp/src.ppm"
cjpeg -quality 90 -outfile "$out/tiny-1x1.jpg" "$tmp/tiny.ppm"
cjpeg -quality 90 -sample 2x2 -outfile "$out/tall-3x250.jpg" "$tmp/tall.ppm"
jpegtran -arithmetic -outfile "$out/s420-arith.jpg" "$out/s420.jpg"
cp "$tmp/cmyk.jpg" "$out/cmyk.jpg"
ls -l "$out"
