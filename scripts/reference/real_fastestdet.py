#!/usr/bin/python3
"""Reference detections of FastestDet (one [1,85,H,W] grid map), reimplemented from the author's ONNX Runtime demo.

Source: dog-qiuqiu/FastestDet@50473cd155cb088aa4a99e64ff6a4b3c24fa07e1 (BSD-3-Clause),
example/onnx-runtime/runtime.py:
  preprocess  cv2.imread (BGR); cv2.resize straight to 352x352 with INTER_AREA; HWC->CHW; / 255; float32
  detection   per cell (h, w) of the map transposed to HWC: obj = data[0], cls = max(data[5:]),
              score = obj**0.6 * cls**0.4 (the graph already applied sigmoid/softmax); score > thresh;
              class = argmax(data[5:]); cx = (w + tanh(data[1])) / W, cy = (h + tanh(data[2])) / H,
              bw = sigmoid(data[3]), bh = sigmoid(data[4]) (normalised); x1 = int((cx - bw/2) * img_w), ...
              (int() truncates box corners to whole source pixels)
  nms         class-agnostic over all kept cells, areas with +1, keep ovr <= 0.45
The ONNX model runs through OpenCV DNN. detparity spec of this preprocessing:
  "stretch:size=352,interp=area,order=bgr,scale=1/255" (boxes back by per-axis scaling).
"""
import argparse
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import real_common as rc  # noqa: E402


def sigmoid(x):
    return 1. / (1 + np.exp(-x))


def tanh(x):
    return 2. / (1 + np.exp(-2 * x)) - 1


def preprocess(src, size):
    out = cv2.resize(src, (size[0], size[1]), interpolation=cv2.INTER_AREA)
    out = out.transpose(2, 0, 1)
    return (out.reshape((1, 3, size[1], size[0])) / 255).astype("float32")


def nms(dets, thresh=0.45):
    x1, y1, x2, y2, scores = dets[:, 0], dets[:, 1], dets[:, 2], dets[:, 3], dets[:, 4]
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
        order = order[np.where(ovr <= thresh)[0] + 1]
    return [dets[i].tolist() for i in keep]


def detection(net, img, iw, ih, thresh):
    H, W, _ = img.shape
    fm = net.run(preprocess(img, [iw, ih]))[0][0].transpose(1, 2, 0)
    fh, fw = fm.shape[0], fm.shape[1]
    pred = []
    for h in range(fh):
        for w in range(fw):
            d = fm[h][w]
            obj, cls = d[0], d[5:].max()
            score = (obj ** 0.6) * (cls ** 0.4)
            if score > thresh:
                c = np.argmax(d[5:])
                cx, cy = (w + tanh(d[1])) / fw, (h + tanh(d[2])) / fh
                bw, bh = sigmoid(d[3]), sigmoid(d[4])
                x1, y1 = cx - 0.5 * bw, cy - 0.5 * bh
                x2, y2 = cx + 0.5 * bw, cy + 0.5 * bh
                pred.append([int(x1 * W), int(y1 * H), int(x2 * W), int(y2 * H), score, c])
    return nms(np.array(pred)) if pred else []


def detection_engine(net, img, iw, ih, thresh, nms_thr=0.45):
    """The same map decoded for every cell and class (score_c = obj**0.6 * cls_c**0.4, corners not truncated),
    post-processed by real_common.engine_post."""
    H, W, _ = img.shape
    fm = net.run(preprocess(img, [iw, ih]))[0][0].transpose(1, 2, 0)
    fh, fw = fm.shape[0], fm.shape[1]
    d = fm.reshape(fh * fw, -1)
    gy, gx = np.mgrid[:fh, :fw]
    cx, cy = (gx.reshape(-1) + tanh(d[:, 1])) / fw, (gy.reshape(-1) + tanh(d[:, 2])) / fh
    bw, bh = sigmoid(d[:, 3]), sigmoid(d[:, 4])
    boxes = np.stack([(cx - 0.5 * bw) * W, (cy - 0.5 * bh) * H, (cx + 0.5 * bw) * W, (cy + 0.5 * bh) * H], 1)
    scores = (d[:, :1] ** 0.6) * (d[:, 5:] ** 0.4)
    return [(x1, y1, x2, y2, s, c) for c, x1, y1, x2, y2, s in rc.engine_post(boxes, scores, thresh, nms_thr)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--images", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--thresh", type=float, default=0.65, help="runtime.py's score threshold")
    ap.add_argument("--post", choices=("authors", "engine"), default="authors",
                    help="authors: runtime.py's detection (above); engine: detection_engine, the post-processing "
                         "of detparity's engine on the same decoded map")
    a = ap.parse_args()
    run = detection if a.post == "authors" else detection_engine
    net = rc.Net(a.model)
    rows = []
    for i, name in enumerate(rc.list_images(a.images), 1):
        img = cv2.imread(os.path.join(a.images, name))
        for x1, y1, x2, y2, s, c in run(net, img, 352, 352, a.thresh):
            rows.append(rc.results_entry(i, c, x1, y1, x2, y2, s))
    rc.write_results(a.out, rows)
    print(f"{a.out}: {len(rows)} detections")


if __name__ == "__main__":
    main()
