#!/usr/bin/python3
"""Reference detections of YuNet (per-stride cls/obj/bbox/kps outputs), reimplemented from the authors' own
ONNX inference code.

Source: ShiqiYu/libfacedetection.train@0047ac24afb1a50a0c6105001c89d1b5b805dbf1 (Apache-2.0),
tools/compare_inference.py:
  resize_img(img, "320,320")  x = y = 320; im_ratio = h / w; new_height = 320, new_width = int(320 / im_ratio)
                              when im_ratio > 1, else new_width = 320, new_height = int(320 * im_ratio);
                              det_scale = new_height / h; cv2.resize (INTER_LINEAR); placed top-left on zeros
  YUNET.forward               blob = CHW float32 of the BGR uint8 image (0..255, no mean/std); outputs in graph
                              order cls_8/16/32, obj_*, bbox_*, kps_*; per stride s: anchor centres (x*s, y*s)
                              row-major; cxy = reg[:2]*s + centre, wh = exp(reg[2:])*s; score = cls * obj;
                              score > score_thresh
  YUNET.detect                boxes /= det_scale; nms(): cv2.dnn.NMSBoxes on (x, y, w, h), score_threshold 0,
                              nms_thresh, eta 1, top_k 5000 (opencv_mode=True)
  defaults                    nms_thresh 0.45 (parse_args); score_thresh 0.5 (detect()'s default; the WIDER FACE
                              evaluation uses 0.02)
Class id 0 is the face. The ONNX model runs through OpenCV DNN.
detparity spec: "yolox:size=320,pad=0" (top-left, int() sizes, BGR, 0..255; boxes divided by the ratio).
"""
import argparse
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import real_common as rc  # noqa: E402

OUTS = [f"{k}_{s}" for k in ("cls", "obj", "bbox", "kps") for s in (8, 16, 32)]


def resize_img(img, size):
    x, y = max(size), min(size)
    input_size = (x, y) if img.shape[1] > img.shape[0] else (y, x)
    im_ratio = float(img.shape[0]) / img.shape[1]
    model_ratio = float(input_size[1]) / input_size[0]
    if im_ratio > model_ratio:
        new_height = input_size[1]
        new_width = int(new_height / im_ratio)
    else:
        new_width = input_size[0]
        new_height = int(new_width * im_ratio)
    det_scale = float(new_height) / img.shape[0]
    resized = cv2.resize(img, (new_width, new_height))
    det = np.zeros((input_size[1], input_size[0], 3), dtype=np.uint8)
    det[:new_height, :new_width, :] = resized
    return det, det_scale


def forward(net, img, score_thresh):
    input_size = tuple(img.shape[0:2][::-1])
    blob = np.transpose(img, [2, 0, 1]).astype(np.float32)[np.newaxis, ...].copy()
    outs = net.run(blob, OUTS)
    scores, bboxes = [], []
    for idx, s in enumerate((8, 16, 32)):
        cls_pred = outs[idx].reshape(-1, 1)
        obj_pred = outs[idx + 3].reshape(-1, 1)
        reg = outs[idx + 6].reshape(-1, 4)
        centers = np.stack(np.mgrid[:(input_size[1] // s), :(input_size[0] // s)][::-1], axis=-1)
        centers = (centers * s).astype(np.float32).reshape(-1, 2)
        cxy = reg[:, :2] * s + centers
        wh = np.exp(reg[:, 2:]) * s
        bboxes.append(np.stack([cxy[:, 0] - wh[:, 0] / 2., cxy[:, 1] - wh[:, 1] / 2.,
                                cxy[:, 0] + wh[:, 0] / 2., cxy[:, 1] + wh[:, 1] / 2.], -1))
        scores.append(cls_pred * obj_pred)
    scores = np.concatenate(scores, axis=0).reshape(-1)
    bboxes = np.concatenate(bboxes, axis=0)
    m = scores > score_thresh
    return bboxes[m], scores[m]


def nms(dets, thresh):
    b = dets[:, :4].copy()
    b[:, 2] -= b[:, 0]
    b[:, 3] -= b[:, 1]
    keep = cv2.dnn.NMSBoxes(bboxes=b.tolist(), scores=dets[:, -1].tolist(), score_threshold=0.,
                            nms_threshold=thresh, eta=1, top_k=5000)
    return np.asarray(keep).flatten() if len(keep) > 0 else []


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--images", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--score-thresh", type=float, default=0.5)
    ap.add_argument("--nms-thresh", type=float, default=0.45)
    a = ap.parse_args()
    net = rc.Net(a.model)
    rows = []
    for i, name in enumerate(rc.list_images(a.images), 1):
        img = cv2.imread(os.path.join(a.images, name))
        det, scale = resize_img(img, (320, 320))
        bboxes, scores = forward(net, det, a.score_thresh)
        bboxes /= scale
        pre = np.hstack((bboxes, scores[:, None]))
        for k in nms(pre, a.nms_thresh):
            rows.append(rc.results_entry(i, 0, *pre[k, :4], pre[k, 4]))
    rc.write_results(a.out, rows)
    print(f"{a.out}: {len(rows)} detections")


if __name__ == "__main__":
    main()
