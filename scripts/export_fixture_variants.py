#!/usr/bin/python3
"""Re-export the trained fixture detector (fixtures/model/detector.pt, class Detector of train_fixture_model.py) in
other forms, for `detparity inspect` / `compare-backends` / `run` demos. Run from the repository root:

    /usr/bin/python3 scripts/export_fixture_variants.py --out out/fixture_variants

Each file is ~4.9 MB (the detector's weights), too large to commit next to detect/testdata's small layout models:
they are written to --out (out/ is git-ignored) and rebuilt in seconds. Same weights, same arithmetic:

  detector_opencv.onnx     the YOLO-NAS raw layout at ONNX opset 10. OpenCV 4.6's ONNX importer reads Clip only with
                           min/max attributes (opset <= 10), so it cannot import fixtures/model/detector.onnx (opset 13,
                           Clip with 3 inputs); this file is what compare-backends compares on. ONNX Runtime gives
                           bit-identical outputs for both files.
  detector_u8.onnx         uint8 NCHW input with the Cast and /255 inside (super-gradients export(preprocessing=True)).
  detector_dynbatch.onnx   dynamic batch axis on the input and both outputs.
  detector_yolov8.onnx     the Ultralytics YOLOv8 head layout [B, 4+1, 1600] (cx, cy, w, h, score).

Also writes variants.json: the PyTorch outputs' max boxes / scores for a zero image per file, as a smoke check.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_fixture_model import Detector, TENSOR  # noqa: E402


class U8(torch.nn.Module):
    def __init__(self, det):
        super().__init__()
        self.det = det

    def forward(self, x):
        return self.det(x.float() / 255.0)


class V8Head(torch.nn.Module):
    def __init__(self, det):
        super().__init__()
        self.det = det

    def forward(self, x):
        b, s = self.det(x)
        cxcy, wh = (b[..., :2] + b[..., 2:]) / 2.0, b[..., 2:] - b[..., :2]
        return torch.cat([cxcy, wh, s], -1).permute(0, 2, 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", default="fixtures/model/detector.pt")
    ap.add_argument("--out", default="out/fixture_variants")
    a = ap.parse_args()
    def det():
        # A fresh module per export. With one module object exported four times in a row (opset 10, then 13
        # wrapped, dynamic-axes, wrapped), the third and fourth files got different Conv weights than
        # fixtures/model/detector.onnx (torch 1.13; not reproduced in isolation, cause unknown). Fresh modules give
        # files whose ONNX Runtime outputs equal detector.onnx's bit for bit, so never reuse one.
        d = Detector()
        d.load_state_dict(torch.load(a.weights, map_location="cpu"))
        return d.eval()

    os.makedirs(a.out, exist_ok=True)
    x = torch.zeros(1, 3, TENSOR, TENSOR)
    jobs = [
        ("detector_opencv.onnx", det, x, 10, ["boxes", "scores"], None),
        ("detector_u8.onnx", lambda: U8(det()), x.to(torch.uint8), 13, ["boxes", "scores"], None),
        ("detector_dynbatch.onnx", det, x, 13, ["boxes", "scores"],
         {"images": {0: "batch"}, "boxes": {0: "batch"}, "scores": {0: "batch"}}),
        ("detector_yolov8.onnx", lambda: V8Head(det()), x, 13, ["output0"], None),
    ]
    summary = {}
    with torch.no_grad():
        for name, make, inp, opset, outs, dyn in jobs:
            model = make()
            path = os.path.join(a.out, name)
            torch.onnx.export(model, inp, path, opset_version=opset, input_names=["images"], output_names=outs,
                              do_constant_folding=True, dynamic_axes=dyn)
            res = model(inp)
            res = res if isinstance(res, tuple) else (res,)
            summary[name] = {"opset": opset, "outputs": {n: list(r.shape) for n, r in zip(outs, res)},
                             "max": {n: float(r.max()) for n, r in zip(outs, res)}}
            print(name, summary[name]["outputs"], file=sys.stderr)
    with open(os.path.join(a.out, "variants.json"), "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
