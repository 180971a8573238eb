#!/usr/bin/python3
"""Reference predictions from a plain Python ONNX loop: cv2.imread, your preprocessing, the ONNX model, NMS.

This is the loop many deployments run in Python; its COCO results file lets `detparity run --reference` check,
detection by detection, that the Go pipelines feed the model what this loop feeds it. Copy this file and
detparity_images.py, then replace preprocess() with your own code if it differs.

    python3 ort_loop.py --model model.onnx --data DATA --out ref.json            # onnxruntime (pip install onnxruntime)
    python3 ort_loop.py --model model.onnx --data DATA --out ref.json --runtime opencv   # cv2.dnn, no onnxruntime
    detparity run --model model.onnx --data DATA --pipeline sg-coco --reference ref.json --reference-floor 0.05

Runtimes: onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {input: x}) (the
onnxruntime Python API, 1.x); or OpenCV's cv2.dnn.readNetFromONNX + setInput + forward(getUnconnectedOutLayersNames())
(OpenCV 4.x), for machines without onnxruntime (Debian has no python3-onnxruntime; python3-opencv runs this).

Outputs understood: YOLO-NAS raw (boxes [1,N,4] x1y1x2y2 in input pixels, scores [1,N,C]) and YOLOv8/11 ([1,4+C,N]:
cx cy w h, then class scores). Post-processing: the best class of each box, score > --conf, class-aware greedy NMS
(a box is dropped when its IoU with a kept box of its class is > --iou, as torchvision.ops.batched_nms), at most
--max-det by score. Boxes back to source pixels: minus the padding, divided by the resize ratio.
Ids: --ids position (1-based, detparity's) or stem (Ultralytics'); --categories index or index1 (class index + 1).
"""
import argparse
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from detparity_images import ResultsWriter, image_id, list_images  # noqa: E402


def preprocess(bgr, size, mode):
    """The model input [1,3,size,size] float32 and how to map boxes back: (tensor, ratio_x, ratio_y, pad_left, pad_top).

    sg-coco: super-gradients 3.7.1 predict() for COCO weights (processing.py, default_yolo_nas_coco_processing_params):
    RGB, longest side to size-4 with round(), cv2.INTER_LINEAR, centred in size x size with 114 (odd pixel right and
    bottom), /255. stretch: cv2.resize to size x size, RGB, /255 (what detparity's stretch preset does)."""
    h, w = bgr.shape[:2]
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    if mode == "stretch":
        img = cv2.resize(rgb, (size, size), interpolation=cv2.INTER_LINEAR)
        rx, ry, left, top = size / w, size / h, 0, 0
    else:
        inner = size - 4
        r = min(inner / h, inner / w)
        nw, nh = round(w * r), round(h * r)
        resized = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_LINEAR)
        top, left = (size - nh) // 2, (size - nw) // 2
        img = np.full((size, size, 3), 114, np.uint8)
        img[top:top + nh, left:left + nw] = resized
        rx = ry = r
    x = (img.astype(np.float64) / 255.0).astype(np.float32).transpose(2, 0, 1)[None]
    return np.ascontiguousarray(x), rx, ry, left, top


class Runtime:
    """The model behind one call: run(x) -> list of output arrays."""

    def __init__(self, path, runtime):
        if runtime == "onnxruntime":
            import onnxruntime as ort
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = 1
            self.sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
            inp = self.sess.get_inputs()[0]
            self.input, self.size = inp.name, int(inp.shape[-1])
            self.run = lambda x: self.sess.run(None, {self.input: x})
        else:
            import onnx  # only to read the input size; cv2.dnn does not expose it before a forward pass
            shape = onnx.load(path).graph.input[0].type.tensor_type.shape.dim
            self.size = int(shape[-1].dim_value)
            self.net = cv2.dnn.readNetFromONNX(path)
            names = self.net.getUnconnectedOutLayersNames()

            def run(x):
                self.net.setInput(x)
                return list(self.net.forward(names))
            self.run = run


def decode(outputs):
    """(boxes [N,4] x1y1x2y2 in input pixels, scores [N,C]) from the model's outputs."""
    outs = [np.asarray(o, np.float32) for o in outputs]
    if len(outs) == 2:  # YOLO-NAS raw: boxes and scores, in either order
        boxes, scores = (outs[0], outs[1]) if outs[0].shape[-1] == 4 else (outs[1], outs[0])
        return boxes.reshape(-1, 4), scores.reshape(boxes.reshape(-1, 4).shape[0], -1)
    if len(outs) == 1 and outs[0].ndim == 3 and outs[0].shape[1] < outs[0].shape[2]:  # YOLOv8/11 [1,4+C,N]
        p = outs[0][0].T
        cx, cy, w, h = p[:, 0], p[:, 1], p[:, 2], p[:, 3]
        return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1), p[:, 4:]
    raise SystemExit(f"outputs {[o.shape for o in outs]}: expected YOLO-NAS raw ([1,N,4] and [1,N,C]) or YOLOv8 [1,4+C,N]")


def nms(boxes, scores, classes, iou, max_det):
    """Class-aware greedy NMS: indices kept, by descending score."""
    order = np.argsort(-scores, kind="stable")
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep = []
    while order.size and len(keep) < max_det:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        xx1 = np.maximum(boxes[i, 0], boxes[rest, 0])
        yy1 = np.maximum(boxes[i, 1], boxes[rest, 1])
        xx2 = np.minimum(boxes[i, 2], boxes[rest, 2])
        yy2 = np.minimum(boxes[i, 3], boxes[rest, 3])
        inter = np.clip(xx2 - xx1, 0, None) * np.clip(yy2 - yy1, 0, None)
        ov = inter / (area[i] + area[rest] - inter)
        order = rest[(ov <= iou) | (classes[rest] != classes[i])]
    return np.array(keep, dtype=np.int64)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True, help="YOLO dataset dir with images/")
    ap.add_argument("--out", required=True)
    ap.add_argument("--runtime", choices=["onnxruntime", "opencv"], default="onnxruntime")
    ap.add_argument("--preprocess", choices=["sg-coco", "stretch"], default="sg-coco")
    ap.add_argument("--conf", type=float, default=0.05, help="score floor; give detparity the same --reference-floor")
    ap.add_argument("--iou", type=float, default=0.7)
    ap.add_argument("--max-det", type=int, default=300)
    ap.add_argument("--ids", choices=["position", "stem"], default="position")
    ap.add_argument("--categories", choices=["index", "index1"], default="index")
    a = ap.parse_args()

    rt = Runtime(a.model, a.runtime)
    out = ResultsWriter()
    names = list_images(a.data)
    for pos, name in enumerate(names, 1):
        path = os.path.join(a.data, "images", name)
        bgr = cv2.imread(path, cv2.IMREAD_COLOR)
        if bgr is None:
            sys.exit(f"{path}: cv2.imread cannot decode it")
        x, rx, ry, left, top = preprocess(bgr, rt.size, a.preprocess)
        boxes, scores = decode(rt.run(x))
        cls = scores.argmax(1)
        best = scores[np.arange(len(cls)), cls]
        m = best > a.conf
        boxes, best, cls = boxes[m], best[m], cls[m]
        k = nms(boxes, best, cls, a.iou, a.max_det)
        b = (boxes[k] - np.array([left, top, left, top], np.float32)) / np.array([rx, ry, rx, ry], np.float32)
        out.add_image(image_id(pos, name, a.ids), b, best[k], cls[k] + (1 if a.categories == "index1" else 0))
    out.write(a.out)
    print(f"{a.out}: {len(out.lines)} detections on {len(names)} images ({a.runtime})", file=sys.stderr)


if __name__ == "__main__":
    main()
