#!/usr/bin/python3
"""Shared helpers of the real-model references (scripts/reference/real_*.py): image listing, ONNX runs through
OpenCV DNN, COCO results output, and the reference's own metrics (pycocotools AP, P/R/F1 at a stated conf).

Only plumbing lives here; each family's pre- and post-processing is in its own script, reimplemented from the
authors' code it cites. Run with Debian's /usr/bin/python3 (cv2, numpy). pycocotools is imported from the folder
named by the COCOAPI environment variable (a local build of cocodataset/cocoapi PythonAPI; see
detect/testdata/real/README.md), never from this repository.
"""
import json
import os
import sys

import cv2
import numpy as np

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp")


def list_images(folder):
    """Image file names in folder, sorted by their UTF-8 bytes (Go's sort order, detparity's image ids)."""
    names = [f for f in os.listdir(folder) if os.path.splitext(f)[1].lower() in IMAGE_EXTS]
    names.sort(key=lambda n: n.encode("utf-8"))
    return names


def f32(v):
    """The shortest decimal that reads back as the same float32."""
    return float(np.format_float_positional(np.float32(v), unique=True, trim="-"))


class Net:
    """An OpenCV DNN network loaded once and run per image."""

    def __init__(self, model):
        self.net = cv2.dnn.readNetFromONNX(model)
        self.names = list(self.net.getUnconnectedOutLayersNames())

    def run(self, blob, out_names=None):
        self.net.setInput(np.ascontiguousarray(blob, dtype=np.float32))
        return [np.asarray(o) for o in self.net.forward(list(out_names or self.names))]


def results_entry(image_id, cls, x1, y1, x2, y2, score):
    """One COCO results row: bbox x, y, w, h in source pixels (float32 arithmetic), category_id = class index."""
    x1, y1, x2, y2 = (np.float32(v) for v in (x1, y1, x2, y2))
    return {"image_id": int(image_id), "category_id": int(cls),
            "bbox": [f32(x1), f32(y1), f32(x2 - x1), f32(y2 - y1)], "score": f32(score)}


def write_results(path, rows):
    """Sorted by image_id then descending score (stable), one row per line, deterministic bytes."""
    rows = sorted(rows, key=lambda r: (r["image_id"], -r["score"]))
    with open(path, "w") as f:
        f.write("[\n" + ",\n".join(json.dumps(r, sort_keys=True) for r in rows) + "\n]\n")


def engine_post(boxes, scores, floor, iou, top_k=1024, max_det=300):
    """The post-processing detparity's engine (parity.Run, parity.Diagnose) applies, from the semantics it documents
    (parity.Settings: Floor, NMSIoU; detect.DefaultOptions: super-gradients' PPYoloEPostPredictionCallback with
    torchvision's class-aware batched_nms), for a reference whose authors post-process otherwise:
      every (anchor, class) whose float32 score is > floor (multi-label), in anchor-major order; if more than
      top_k, the top_k highest (stable); per class, greedy NMS by descending score (stable): a box is suppressed
      when inter / (area_i + area_j - inter) > iou with a kept box, areas (x2-x1)*(y2-y1) without +1; the kept
      boxes by descending score, at most max_det.
    boxes [N,4] x1y1x2y2 (any pixel frame: IoU does not change under the scaling that maps boxes back), scores
    [N,C]. Returns (class, x1, y1, x2, y2, score) tuples."""
    s32 = np.asarray(scores, dtype=np.float32)
    a, c = np.nonzero(s32 > np.float32(floor))
    sc = s32[a, c]
    if len(sc) > top_k:
        top = np.argsort(-sc, kind="stable")[:top_k]
        a, c, sc = a[top], c[top], sc[top]
    b = np.asarray(boxes, dtype=np.float32)[a]
    area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    keep = []
    for k in np.unique(c):
        idx = np.nonzero(c == k)[0]
        idx = idx[np.argsort(-sc[idx], kind="stable")]
        while idx.size:
            i, rest = idx[0], idx[1:]
            keep.append(i)
            w = np.maximum(np.float32(0), np.minimum(b[i, 2], b[rest, 2]) - np.maximum(b[i, 0], b[rest, 0]))
            h = np.maximum(np.float32(0), np.minimum(b[i, 3], b[rest, 3]) - np.maximum(b[i, 1], b[rest, 1]))
            inter = w * h
            idx = rest[~(inter / (area[i] + area[rest] - inter) > iou)]
    keep = sorted(keep, key=lambda i: -sc[i])[:max_det]
    return [(int(c[i]), *b[i].tolist(), float(sc[i])) for i in keep]


def yolo_ground_truth(images_dir, labels_dir, names):
    """The YOLO labels as a COCO ground-truth dict (image id = 1-based sorted position, category id = class index).
    Boxes: cx, cy, w, h normalised -> x1 = (cx - w/2) * W ..., as Ultralytics' xywhn2xyxy, in float64."""
    imgs, anns = [], []
    for i, name in enumerate(list_images(images_dir), 1):
        h, w = cv2.imread(os.path.join(images_dir, name)).shape[:2]
        imgs.append({"id": i, "file_name": name, "width": w, "height": h})
        path = os.path.join(labels_dir, os.path.splitext(name)[0] + ".txt")
        for line in open(path).read().split("\n"):
            if not line.strip():
                continue
            c, cx, cy, bw, bh = line.split()[:5]
            cx, cy, bw, bh = float(cx) * w, float(cy) * h, float(bw) * w, float(bh) * h
            x1, y1 = cx - bw / 2, cy - bh / 2
            anns.append({"id": len(anns) + 1, "image_id": i, "category_id": int(c), "bbox": [x1, y1, bw, bh],
                         "area": bw * bh, "iscrowd": 0})
    cats = [{"id": k, "name": n} for k, n in enumerate(names)]
    return {"images": imgs, "annotations": anns, "categories": cats}


def iou_xywh(a, b):
    ax2, ay2, bx2, by2 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    iw = max(0.0, min(ax2, bx2) - max(a[0], b[0]))
    ih = max(0.0, min(ay2, by2) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def prf(gt, rows, conf, iou_thr=0.5):
    """P/R/F1 at conf, matched as detparity's metrics.MatchImage documents it: per image, detections with
    score > conf in descending score order (stable) each take the unmatched same-class ground truth of highest
    IoU >= iou_thr (ties: lowest index); the rest are false positives, unmatched ground truths false negatives."""
    by_img = {}
    for a in gt["annotations"]:
        by_img.setdefault(a["image_id"], []).append(a)
    dets = {}
    for r in rows:
        dets.setdefault(r["image_id"], []).append(r)
    tp = fp = 0
    for im in gt["images"]:
        g = by_img.get(im["id"], [])
        used = [False] * len(g)
        ds = sorted((d for d in dets.get(im["id"], []) if d["score"] > conf), key=lambda d: -d["score"])
        for d in ds:
            best, bi = -1.0, -1
            for k, a in enumerate(g):
                if used[k] or a["category_id"] != d["category_id"]:
                    continue
                v = iou_xywh(d["bbox"], a["bbox"])
                if v >= iou_thr and v > best:
                    best, bi = v, k
            if bi >= 0:
                used[bi] = True
                tp += 1
            else:
                fp += 1
    n = len(gt["annotations"])
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / n if n else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"conf": conf, "iou": iou_thr, "gt": n, "tp": tp, "fp": fp, "fn": n - tp, "precision": p, "recall": r,
            "f1": f1}


def coco_ap(gt, rows):
    """pycocotools COCOeval (bbox) of the rows against gt: AP50-95, AP50, AP75 as floats."""
    api = os.environ.get("COCOAPI")
    if not api:
        sys.exit("set COCOAPI to a built cocodataset/cocoapi PythonAPI folder (see detect/testdata/real/README.md)")
    sys.path.insert(0, api)
    from pycocotools.coco import COCO  # noqa: E402
    from pycocotools.cocoeval import COCOeval  # noqa: E402
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()):
        c = COCO()
        c.dataset = gt
        c.createIndex()
        if not rows:
            return {"ap50_95": 0.0, "ap50": 0.0, "ap75": 0.0}
        d = c.loadRes([dict(r) for r in rows])
        e = COCOeval(c, d, "bbox")
        e.evaluate()
        e.accumulate()
        e.summarize()
    return {"ap50_95": float(e.stats[0]), "ap50": float(e.stats[1]), "ap75": float(e.stats[2])}


def write_metrics(path, gt, rows, conf):
    m = {"detections": len(rows), "images": len(gt["images"]), "prf": prf(gt, rows, conf)}
    m.update(coco_ap(gt, rows))
    with open(path, "w") as f:
        json.dump(m, f, indent=1, sort_keys=True)
        f.write("\n")
    return m
