#!/usr/bin/python3
"""Check `detparity preprocess` against an independent cv2 implementation of the upstream preprocessings.

For random images (random sizes incl. thin and odd ones, smooth content plus noise, saved as PNG
and as JPEG) and every letterbox preset (plus free-form specs using the other cv2 interpolations),
this script computes the resized + padded 8-bit image in the model's channel order with cv2 and
numpy only, written from the upstream formulas, and compares it byte for byte with the PNG that
`detparity preprocess` writes, and the geometry JSON with the reference geometry.

Where the formulas come from (read, not copied):
  super-gradients 3.7.1 (github.com/Deci-AI/super-gradients, tag 3.7.1):
    src/super_gradients/training/processing/processing.py: default_yolo_nas_coco_processing_params
    (DetectionLongestMaxSizeRescale to 636 with round(), DetectionCenterPadding to 640 with 114, RGB, /255) and
    DetectionBottomRightPadding; src/super_gradients/training/transforms/utils.py (_rescale_and_pad_to_size: int()
    sizes, bottom-right pad 114, as the custom-dataset train transforms use);
  Ultralytics: github.com/ultralytics/ultralytics@0005af52af705ebb03b6ed1a0be176d52d79241c:ultralytics/data/augment.py
    (LetterBox: round() sizes, centre pad round(d - 0.1) / round(d + 0.1) with 114, `auto` pads to the stride);
  YOLOX 0.3.0 (github.com/Megvii-BaseDetection/YOLOX, tag 0.3.0): yolox/data/data_augment.py (preproc: int() sizes,
    top-left pad 114, BGR 0..255; ValTransform(legacy=True): RGB, /255, ImageNet mean/std);
  stretch and seed-center: the ONNX loop and the fix proposed in super-gradients issue #1952
    (github.com/Deci-AI/super-gradients/issues/1952).

Run with Debian's interpreter (cv2 + numpy):
    /usr/bin/python3 scripts/check_presets.py [--n 12] [--seed 1] [--bin PATH]
Exit status 0 when every comparison is equal, 1 otherwise.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import cv2
import numpy as np


def to_model_order(img_bgr, order):
    return img_bgr[..., ::-1] if order == "rgb" else img_bgr


def stretch(img, size=640, interp=cv2.INTER_LINEAR, order="rgb"):
    h, w = img.shape[:2]
    out = cv2.resize(img, (size, size), interpolation=interp)
    geo = dict(scale_x=size / w, scale_y=size / h, resized_w=size, resized_h=size,
               pad_top=0, pad_left=0, pad_bottom=0, pad_right=0)
    return to_model_order(out, order), geo


def centre_letterbox(img, size, inner, rounding, pad, order, interp=cv2.INTER_LINEAR):
    """super-gradients DetectionLongestMaxSizeRescale + DetectionCenterPadding, and the seed fix."""
    h, w = img.shape[:2]
    r = min(inner / h, inner / w)
    nw, nh = rounding(w * r), rounding(h * r)
    res = cv2.resize(img, (nw, nh), interpolation=interp)
    pad_h, pad_w = size - nh, size - nw
    top, left = pad_h // 2, pad_w // 2
    bottom, right = pad_h - top, pad_w - left
    out = cv2.copyMakeBorder(res, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(pad, pad, pad))
    geo = dict(scale_x=r, scale_y=r, resized_w=nw, resized_h=nh,
               pad_top=top, pad_left=left, pad_bottom=bottom, pad_right=right)
    return to_model_order(out, order), geo


def topleft_letterbox(img, size, rounding, order, interp=cv2.INTER_LINEAR):
    """YOLOX preproc and super-gradients DetectionPaddedRescale / bottom-right padding."""
    h, w = img.shape[:2]
    r = min(size / h, size / w)
    nw, nh = rounding(w * r), rounding(h * r)
    padded = np.ones((size, size, 3), dtype=np.uint8) * 114
    padded[:nh, :nw] = cv2.resize(img, (nw, nh), interpolation=interp).astype(np.uint8)
    geo = dict(scale_x=r, scale_y=r, resized_w=nw, resized_h=nh,
               pad_top=0, pad_left=0, pad_bottom=size - nh, pad_right=size - nw)
    return to_model_order(padded, order), geo


def ultralytics(img, size=640, auto=False, stride=32):
    """ultralytics/data/augment.py LetterBox.__call__ (center=True, scaleup=True)."""
    shape = img.shape[:2]
    r = min(size / shape[0], size / shape[1])
    new_unpad = int(round(shape[1] * r)), int(round(shape[0] * r))
    dw, dh = size - new_unpad[0], size - new_unpad[1]
    if auto:
        dw, dh = np.mod(dw, stride), np.mod(dh, stride)
    dw /= 2
    dh /= 2
    if shape[::-1] != new_unpad:
        img = cv2.resize(img, new_unpad, interpolation=cv2.INTER_LINEAR)
    top, bottom = int(round(dh - 0.1)), int(round(dh + 0.1))
    left, right = int(round(dw - 0.1)), int(round(dw + 0.1))
    out = cv2.copyMakeBorder(img, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(114, 114, 114))
    geo = dict(scale_x=r, scale_y=r, resized_w=new_unpad[0], resized_h=new_unpad[1],
               pad_top=top, pad_left=left, pad_bottom=bottom, pad_right=right)
    return out[..., ::-1], geo


ROUND, INT = round, int

# spec string -> reference implementation on a BGR image (as cv2.imread returns it)
CASES = {
    "stretch": lambda im: stretch(im),
    "seed-center": lambda im: centre_letterbox(im, 640, 640, INT, 0, "rgb"),
    "letterbox": lambda im: centre_letterbox(im, 640, 640, ROUND, 114, "rgb"),
    "sg-coco": lambda im: centre_letterbox(im, 640, 636, ROUND, 114, "rgb"),
    "sg-custom": lambda im: topleft_letterbox(im, 640, ROUND, "bgr"),
    "sg-custom-train": lambda im: topleft_letterbox(im, 640, INT, "bgr"),
    "ultralytics": lambda im: ultralytics(im),
    "ultralytics-auto": lambda im: ultralytics(im, auto=True),
    "yolox": lambda im: topleft_letterbox(im, 640, INT, "bgr"),
    "yolox-legacy": lambda im: topleft_letterbox(im, 640, INT, "rgb"),
    # Free-form specs exercising the other interpolations and sizes.
    "sg-custom:interp=area": lambda im: topleft_letterbox(im, 640, ROUND, "bgr", cv2.INTER_AREA),
    "sg-coco:interp=cubic,order=bgr": lambda im: centre_letterbox(im, 640, 636, ROUND, 114, "bgr", cv2.INTER_CUBIC),
    "stretch:size=416,interp=nearest": lambda im: stretch(im, 416, cv2.INTER_NEAREST),
    "yolox:size=416,interp=nearest-exact": lambda im: topleft_letterbox(im, 416, INT, "bgr", cv2.INTER_NEAREST_EXACT),
    "letterbox:size=320,inner=300,round=int,pad=7,interp=area": lambda im: centre_letterbox(im, 320, 300, INT, 7, "rgb", cv2.INTER_AREA),
}


def random_image(rng):
    kind = rng.integers(0, 4)
    if kind == 0:
        w, h = int(rng.integers(1, 2000)), int(rng.integers(1, 2000))
    elif kind == 1:  # common camera sizes
        w, h = [(1920, 1080), (1280, 720), (640, 480), (1080, 1920), (1077, 500), (1232, 999)][rng.integers(0, 6)]
    elif kind == 2:  # thin
        w, h = int(rng.integers(3, 40)), int(rng.integers(200, 1500))
        if rng.integers(0, 2):
            w, h = h, w
    else:
        w, h = int(rng.integers(100, 700)), int(rng.integers(100, 700))
    small = rng.integers(0, 256, size=(max(h // 16, 2), max(w // 16, 2), 3)).astype(np.uint8)
    smooth = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC).astype(np.int16)
    noise = rng.integers(-40, 41, size=(h, w, 3))
    return np.clip(smooth + noise, 0, 255).astype(np.uint8)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=12, help="random images (each saved as PNG and JPEG)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bin", help="detparity binary (default: go build ./cmd/detparity into a temp dir)")
    args = ap.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rng = np.random.default_rng(args.seed)
    failures, checks = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        binary = args.bin
        if binary is None:
            binary = os.path.join(tmp, "detparity")
            subprocess.run(["go", "build", "-o", binary, "./cmd/detparity"], cwd=repo, check=True)
        for i in range(args.n):
            img = random_image(rng)
            for ext in ("png", "jpg"):
                path = os.path.join(tmp, f"img{i}.{ext}")
                assert cv2.imwrite(path, img)
                src = cv2.imread(path, cv2.IMREAD_COLOR)  # the opencv decoder's pixels
                for spec, ref in CASES.items():
                    h, w = src.shape[:2]
                    try:
                        want, want_geo = ref(src)
                    except cv2.error:
                        want = None  # a side resizes to 0 px: cv2.resize raises, detparity must fail too
                    out, geo = os.path.join(tmp, "out.png"), os.path.join(tmp, "g.json")
                    proc = subprocess.run([binary, "preprocess", "--pipeline", spec, "--in", path, "--out", out,
                                           "--geometry-out", geo], capture_output=True, text=True)
                    checks += 1
                    label = f"{spec} on {w}x{h} {ext}"
                    if want is None:
                        if proc.returncode == 0:
                            failures.append(f"{label}: cv2.resize raises but detparity succeeded")
                        continue
                    if proc.returncode != 0:
                        failures.append(f"{label}: detparity failed: {proc.stderr.strip()}")
                        continue
                    got = cv2.imread(out, cv2.IMREAD_UNCHANGED)[..., ::-1]  # PNG channels R,G,B = model channels 0,1,2
                    if got.shape != want.shape:
                        failures.append(f"{label}: shape {got.shape}, want {want.shape}")
                        continue
                    diff = np.count_nonzero(got != want)
                    if diff:
                        failures.append(f"{label}: {diff} of {want.size} bytes differ")
                    with open(geo) as f:
                        g = json.load(f)
                    for k, v in want_geo.items():
                        if g[k] != v:
                            failures.append(f"{label}: geometry {k} = {g[k]}, want {v}")
    for f in failures:
        print("FAIL", f)
    print(f"{checks} comparisons ({args.n} images x png/jpg x {len(CASES)} specs), {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
