#!/usr/bin/python3
"""Reference detections of the Ultra-Light-Fast-Generic-Face-Detector (SSD-style: scores [1,N,2] softmax with
the background in column 0, boxes [1,N,4] x1y1x2y2 normalised to 0..1), reimplemented from the authors' demo.

Source: Linzaer/Ultra-Light-Fast-Generic-Face-Detector-1MB@dffdddda9794a50607cba8f318507a28c1c27cab (MIT):
  detect_imgs_onnx.py            cv2.imread; BGR->RGB; cv2.resize to (320, 240) (INTER_LINEAR); (x - 127) / 128;
                                 CHW float32; predict(width, height, confidences, boxes, threshold=0.7)
  predict() (same file)          for class 1 (face): probs > prob_threshold; hard_nms(iou_threshold=0.3,
                                 top_k=-1); corners * (width, height) of the source; .astype(np.int32)
  vision/utils/box_utils_numpy.py hard_nms: the candidate_size=200 best by score, greedy, keep iou <= 0.3;
                                 iou_of = overlap / (area0 + area1 - overlap + 1e-5)
Class id 0 here is the face (the model's column 1). The ONNX model runs through OpenCV DNN.
detparity spec: "stretch:size=320x240,order=rgb,scale=1,mean=127,std=128".
"""
import argparse
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import real_common as rc  # noqa: E402


def area_of(lt, rb):
    hw = np.clip(rb - lt, 0.0, None)
    return hw[..., 0] * hw[..., 1]


def iou_of(b0, b1, eps=1e-5):
    lt = np.maximum(b0[..., :2], b1[..., :2])
    rb = np.minimum(b0[..., 2:], b1[..., 2:])
    ov = area_of(lt, rb)
    return ov / (area_of(b0[..., :2], b0[..., 2:]) + area_of(b1[..., :2], b1[..., 2:]) - ov + eps)


def hard_nms(box_scores, iou_threshold, top_k=-1, candidate_size=200):
    scores, boxes = box_scores[:, -1], box_scores[:, :-1]
    picked = []
    idx = np.argsort(scores)[-candidate_size:]
    while len(idx) > 0:
        cur = idx[-1]
        picked.append(cur)
        if 0 < top_k == len(picked) or len(idx) == 1:
            break
        cb = boxes[cur, :]
        idx = idx[:-1]
        idx = idx[iou_of(boxes[idx, :], np.expand_dims(cb, axis=0)) <= iou_threshold]
    return box_scores[picked, :]


def predict(width, height, confidences, boxes, prob_threshold, iou_threshold=0.3, top_k=-1):
    boxes, confidences = boxes[0], confidences[0]
    picked, labels = [], []
    for ci in range(1, confidences.shape[1]):
        probs = confidences[:, ci]
        mask = probs > prob_threshold
        probs = probs[mask]
        if probs.shape[0] == 0:
            continue
        bp = hard_nms(np.concatenate([boxes[mask, :], probs.reshape(-1, 1)], axis=1), iou_threshold, top_k)
        picked.append(bp)
        labels.extend([ci] * bp.shape[0])
    if not picked:
        return np.array([]), np.array([]), np.array([])
    p = np.concatenate(picked)
    p[:, 0] *= width
    p[:, 1] *= height
    p[:, 2] *= width
    p[:, 3] *= height
    return p[:, :4].astype(np.int32), np.array(labels), p[:, 4]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--images", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threshold", type=float, default=0.7, help="detect_imgs_onnx.py's threshold")
    a = ap.parse_args()
    net = rc.Net(a.model)
    rows = []
    for i, name in enumerate(rc.list_images(a.images), 1):
        orig = cv2.imread(os.path.join(a.images, name))
        img = cv2.resize(cv2.cvtColor(orig, cv2.COLOR_BGR2RGB), (320, 240))
        img = (img - np.array([127, 127, 127])) / 128
        blob = np.expand_dims(np.transpose(img, [2, 0, 1]), axis=0).astype(np.float32)
        conf, boxes = net.run(blob, ["scores", "boxes"])
        b, labels, probs = predict(orig.shape[1], orig.shape[0], conf, boxes, a.threshold)
        for k in range(b.shape[0]):
            rows.append(rc.results_entry(i, labels[k] - 1, *b[k], probs[k]))
    rc.write_results(a.out, rows)
    print(f"{a.out}: {len(rows)} detections")


if __name__ == "__main__":
    main()
