#!/usr/bin/python3
"""Dump the Python reference predictions of the fixture detector as a COCO results file.

Run with Debian's interpreter (python3-torch, python3-opencv, python3-numpy; torchvision for NMS), from the
repository root:

    /usr/bin/python3 scripts/dump_reference.py --weights fixtures/model/detector.pt --data fixtures/eval \
        --out fixtures/model/reference_sg_coco.json

What it does, per image of DATA/images (sorted by path relative to images/, byte order, as detparity does):
1. cv2.imread (BGR) and the super-gradients YOLO-NAS predict() preprocessing for COCO weights (super-gradients 3.7.1,
   src/super_gradients/training/processing/processing.py, default_yolo_nas_coco_processing_params),
   taken from scripts/train_fixture_model.py (`sg_coco_letterbox`, the function the model was trained with):
   BGR -> RGB, r = min(636/h, 636/w), cv2.resize to round(w*r) x round(h*r) with INTER_LINEAR, centre pad to 640x640
   with 114 (odd pixel bottom/right); then float32(x / 255.0 computed in float64), NCHW.
2. The PyTorch weights (detector.pt) in the `Detector` class of that script, fp32, one CPU thread: boxes [1,N,4]
   x1y1x2y2 in input pixels and sigmoid scores [1,N,C].
3. super-gradients predict() post-processing (super-gradients 3.7.1: the defaults in
   src/super_gradients/training/models/detection_models/customizable_detector.py — top-k 1024, 300 kept, multi-label,
   class-aware — applied by pp_yolo_e/post_prediction_callback.py): every (box, class) pair with score > --conf
   (multi-label), the --top-k best of them, class-aware torchvision.ops.batched_nms at --iou, at most --max-det kept
   by score.
4. Boxes back to source pixels as super-gradients does: subtract the padding (left, top), multiply by float32(1/r),
   in float32, no clipping.

Output: a COCO results array [{image_id, category_id, bbox: [x, y, w, h] source px, score}], image_id = 1-based
position of the image in the sorted list (detparity's convention for YOLO directories), category_id = class index.
Sorted by image_id, then descending score (stable). Numbers are the shortest decimals that read back as the same
float32. Deterministic: the same inputs give the same bytes.
"""
import argparse
import os
import sys

import cv2
import numpy as np
import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference"))
from train_fixture_model import Detector, sg_coco_letterbox  # noqa: E402  (the training-time code, not a copy)
from detparity_images import ResultsWriter, list_images  # noqa: E402  (detparity's image order, the writer)


def postprocess(boxes, scores, conf, iou, top_k, max_det):
    """super-gradients predict() NMS for one image: boxes [N,4], scores [N,C] -> (boxes, scores, classes)."""
    i, j = (scores > conf).nonzero(as_tuple=True)
    b, s, c = boxes[i], scores[i, j], j
    if s.numel() > top_k:
        k = torch.topk(s, top_k, largest=True, sorted=True).indices
        b, s, c = b[k], s[k], c[k]
    keep = torchvision.ops.batched_nms(b, s, c, iou)
    b, s, c = b[keep], s[keep], c[keep]
    if s.numel() > max_det:
        k = torch.topk(s, max_det, largest=True, sorted=True).indices
        b, s, c = b[k], s[k], c[k]
    return b, s, c


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", default="fixtures/model/detector.pt")
    ap.add_argument("--data", default="fixtures/eval", help="dataset dir with images/")
    ap.add_argument("--out", default="fixtures/model/reference_sg_coco.json")
    ap.add_argument("--conf", type=float, default=0.05,
                    help="score floor; give the same number to detparity's --reference-floor (default 0.05)")
    ap.add_argument("--iou", type=float, default=0.7, help="NMS IoU (super-gradients COCO default)")
    ap.add_argument("--top-k", type=int, default=1024)
    ap.add_argument("--max-det", type=int, default=300)
    a = ap.parse_args()

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    model = Detector()
    model.load_state_dict(torch.load(a.weights, map_location="cpu"))
    model.eval()

    out = ResultsWriter()
    names = list_images(a.data)
    with torch.no_grad():
        for pos, name in enumerate(names, 1):
            path = os.path.join(a.data, "images", name)
            bgr = cv2.imread(path, cv2.IMREAD_COLOR)
            if bgr is None:
                sys.exit(f"{path}: cv2.imread cannot decode it")
            rgb, (r, _, top, left) = sg_coco_letterbox(bgr)
            x = (rgb.astype(np.float64) / 255.0).astype(np.float32)
            x = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))[None]
            boxes, scores = model(x)
            b, s, c = postprocess(boxes[0], scores[0], a.conf, a.iou, a.top_k, a.max_det)
            b = b.numpy().astype(np.float32)
            inv = np.float32(1.0 / r)
            b = (b - np.array([left, top, left, top], np.float32)) * inv
            out.add_image(pos, b, s.numpy().astype(np.float32), c.numpy())
    out.write(a.out)
    print(f"{a.out}: {len(out.lines)} detections on {len(names)} images", file=sys.stderr)


if __name__ == "__main__":
    main()
