#!/usr/bin/python3
"""Write letterbox/testdata/pil/: two small RGB PNG sources and Pillow's
Image.resize(size, Image.BILINEAR) of each to several sizes (up, down, odd,
one axis only, extreme ratios) as uint8 HxWx3 .npy files, the oracle of
letterbox's PILLinear interpolation (letterbox/pil_test.go).

Pillow is Debian bookworm's python3-pil (9.4.0); the script refuses another
version, because the test claims bit-exactness with that one.
Run from the repository root: /usr/bin/python3 scripts/make_pil_testdata.py
Deterministic: fixed seeds, same bytes every run.
"""
import os

import numpy as np
import PIL
from PIL import Image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "letterbox", "testdata", "pil")

SIZES = {
    "noise": [(30, 23), (17, 9), (61, 100), (120, 47), (97, 71), (13, 40), (1, 1), (122, 94), (7, 5), (60, 47)],
    "smooth": [(64, 48), (33, 101), (640, 3), (96, 72), (5, 99), (170, 110)],
}


def sources():
    rng = np.random.default_rng(7)
    noise = rng.integers(0, 256, size=(47, 61, 3), dtype=np.uint8)
    y, x = np.mgrid[0:99, 0:151].astype(np.float64)
    smooth = np.stack([
        127.5 + 127.5 * np.sin(x / 17.0 + y / 29.0),
        255.0 * x / 150.0,
        255.0 * (y % 40) / 39.0,
    ], axis=-1)
    smooth = np.clip(np.rint(smooth + rng.normal(0, 6, smooth.shape)), 0, 255).astype(np.uint8)
    return {"noise": noise, "smooth": smooth}


def main():
    if PIL.__version__ != "9.4.0":
        raise SystemExit(f"Pillow {PIL.__version__}: expected 9.4.0 (Debian bookworm python3-pil)")
    os.makedirs(OUT, exist_ok=True)
    for name, arr in sources().items():
        im = Image.fromarray(arr, "RGB")
        im.save(os.path.join(OUT, name + ".png"), optimize=False)
        for w, h in SIZES[name]:
            out = np.asarray(im.resize((w, h), Image.BILINEAR))
            assert out.shape == (h, w, 3) and out.dtype == np.uint8
            np.save(os.path.join(OUT, f"{name}_{w}x{h}.npy"), out)


if __name__ == "__main__":
    main()
