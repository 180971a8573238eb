#!/usr/bin/python3
"""Reference detections of a YOLOX ONNX export, reimplemented from Megvii's own ONNX Runtime demo.

Sources (Megvii-BaseDetection/YOLOX@6ddff4824372906469a7fae2dc3206c7aa4bbaee, Apache-2.0):
  demo/ONNXRuntime/onnx_inference.py  cv2.imread (BGR); preprocess; demo_postprocess; scores = obj * cls;
                                       cxcywh -> xyxy; boxes /= ratio; multiclass_nms(nms_thr=0.45, score_thr=0.1)
  yolox/data/data_augment.py preproc   r = min(H/h, W/w); cv2.resize to (int(w*r), int(h*r)) INTER_LINEAR;
                                       placed top-left on a 114 canvas; CHW float32, 0..255, BGR, no mean/std
                                       (ValTransform(legacy=False), the default since YOLOX 0.1.1)
  yolox/utils/demo_utils.py            demo_postprocess (grids over strides 8/16/32, xy = (xy+grid)*stride,
                                       wh = exp(wh)*stride); multiclass_nms default class_agnostic=True:
                                       arg-max class, score > score_thr, nms() with +1 areas, keep ovr <= nms_thr
The ONNX model runs through OpenCV DNN (cv2.dnn.readNetFromONNX), not the ONNX Runtime detparity uses.

Usage (from the repository root):
  /usr/bin/python3 scripts/reference/real_yolox.py --model DATA/models/yolox_nano.onnx --images DATA/coco/images \
      --out detect/testdata/real/yolox_nano/reference.json
detparity spec of this preprocessing: "yolox" (ForInput sets the model's 416x416).
"""
import argparse
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import real_common as rc  # noqa: E402


def preproc(img, input_size):
    padded = np.ones((input_size[0], input_size[1], 3), dtype=np.uint8) * 114
    r = min(input_size[0] / img.shape[0], input_size[1] / img.shape[1])
    resized = cv2.resize(img, (int(img.shape[1] * r), int(img.shape[0] * r)),
                         interpolation=cv2.INTER_LINEAR).astype(np.uint8)
    padded[: int(img.shape[0] * r), : int(img.shape[1] * r)] = resized
    return np.ascontiguousarray(padded.transpose(2, 0, 1), dtype=np.float32), r


def demo_postprocess(outputs, img_size):
    grids, strides = [], []
    for s in (8, 16, 32):
        hs, ws = img_size[0] // s, img_size[1] // s
        xv, yv = np.meshgrid(np.arange(ws), np.arange(hs))
        g = np.stack((xv, yv), 2).reshape(1, -1, 2)
        grids.append(g)
        strides.append(np.full((*g.shape[:2], 1), s))
    grids, strides = np.concatenate(grids, 1), np.concatenate(strides, 1)
    outputs[..., :2] = (outputs[..., :2] + grids) * strides
    outputs[..., 2:4] = np.exp(outputs[..., 2:4]) * strides
    return outputs


def nms(boxes, scores, thr):
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    areas = (x2 - x1 + 1) * (y2 - y1 + 1)
    order = scores.argsort()[::-1]
    keep = []
    while order.size > 0:
        i = order[0]
        keep.append(i)
        xx1, yy1 = np.maximum(x1[i], x1[order[1:]]), np.maximum(y1[i], y1[order[1:]])
        xx2, yy2 = np.minimum(x2[i], x2[order[1:]]), np.minimum(y2[i], y2[order[1:]])
        inter = np.maximum(0.0, xx2 - xx1 + 1) * np.maximum(0.0, yy2 - yy1 + 1)
        ovr = inter / (areas[i] + areas[order[1:]] - inter)
        order = order[np.where(ovr <= thr)[0] + 1]
    return keep


def detect(net, img, size, score_thr, nms_thr, post="authors"):
    blob, ratio = preproc(img, size)
    out = net.run(blob[None])[0].copy()
    pred = demo_postprocess(out, size)[0]
    boxes, scores = pred[:, :4], pred[:, 4:5] * pred[:, 5:]
    xyxy = np.ones_like(boxes)
    xyxy[:, 0] = boxes[:, 0] - boxes[:, 2] / 2.
    xyxy[:, 1] = boxes[:, 1] - boxes[:, 3] / 2.
    xyxy[:, 2] = boxes[:, 0] + boxes[:, 2] / 2.
    xyxy[:, 3] = boxes[:, 1] + boxes[:, 3] / 2.
    xyxy /= ratio
    if post == "engine":
        return rc.engine_post(xyxy, scores, score_thr, nms_thr)
    cls = scores.argmax(1)
    cs = scores[np.arange(len(cls)), cls]
    m = cs > score_thr
    if not m.any():
        return []
    b, s, c = xyxy[m], cs[m], cls[m]
    return [(int(c[k]), *b[k], float(s[k])) for k in nms(b, s, nms_thr)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--images", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--size", default="416,416", help="H,W of the model input")
    ap.add_argument("--score-thr", type=float, default=0.1, help="the demo's multiclass_nms score_thr")
    ap.add_argument("--nms-thr", type=float, default=0.45)
    ap.add_argument("--post", choices=("authors", "engine"), default="authors",
                    help="authors: the demo's multiclass_nms (above); engine: real_common.engine_post, the "
                         "post-processing of detparity's engine, on the same decoded outputs")
    a = ap.parse_args()
    size = tuple(int(v) for v in a.size.split(","))
    net = rc.Net(a.model)
    rows = []
    for i, name in enumerate(rc.list_images(a.images), 1):
        img = cv2.imread(os.path.join(a.images, name))
        for c, x1, y1, x2, y2, s in detect(net, img, size, a.score_thr, a.nms_thr, a.post):
            rows.append(rc.results_entry(i, c, x1, y1, x2, y2, s))
    rc.write_results(a.out, rows)
    print(f"{a.out}: {len(rows)} detections")


if __name__ == "__main__":
    main()
