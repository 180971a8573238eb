#!/usr/bin/python3
"""Build one small real ONNX detector per exported output layout (sources below), and the Python reference
detections the Go package detect/ must reproduce through ONNX Runtime. Run from the repository root:

    /usr/bin/python3 scripts/make_layout_models.py

Needs Debian's python3-torch (1.13), python3-torchvision (0.14.1) and python3-onnx. Deterministic: fixed seeds,
sorted JSON keys. No model can be downloaded here, so each layout is produced by a tiny random-weight network (three
strided 3x3 convolutions to stride-8/16/32 features and 1x1 heads) whose heads are calibrated so that the outputs look
like a detector's: scores spread over (0, 1) and neighbouring boxes overlapping around the NMS thresholds. The graph
after the heads is exactly the decode of the family it imitates, so the ONNX outputs have that family's meaning.

Writes detect/testdata/layouts/<name>.onnx (each < 60 kB) and detect/testdata/layouts.json:

  name           layout          input                      outputs
  yolonas_u8     yolo-nas        uint8 [1,3,320,320]        boxes [1,400,4], scores [1,400,2] (Cast and /255 inside)
  yolonas_dyn640 yolo-nas        float32 [batch,3,640,640]  boxes [batch,1600,4], scores [batch,1600,1]: one class,
                                                            like the fixture detector, for the CLI tests on fixtures/eval
  yolonas_flat   yolo-nas-flat   float32 [2,3,320,320]      [K,7] image, x1, y1, x2, y2, score, class (ONNX NMS)
  yolonas_batch  yolo-nas-batch  float32 [1,3,320,320]      num_predictions [1,1] int64, pred_boxes [1,30,4],
                                                            pred_scores [1,30], pred_classes [1,30] int64, -1 padding
  yolov8_dyn     yolov8          float32 [batch,3,320,320]  output0 [batch,7,2100] cx, cy, w, h, 3 class scores
  yolov5         yolov5          float32 [1,3,320,320]      output0 [1,6300,7] cx, cy, w, h, obj, 2 class probs
  yolox          yolox           float32 [1,3,256,320]      output [1,1680,7] raw grid (strides 8/16/32), obj, cls
  end2end        end2end         float32 [1,3,320,320]      output0 [1,50,6] x1, y1, x2, y2, score, class
  ambiguous      (yolov5|yolox)  float32 [1,3,320,320]      output0 [1,400,7]: YOLOv5 meaning, but 400 anchors fit
                                                            neither a 3-anchor P3-P5 YOLOv5 (6300) nor a YOLOX grid
                                                            (2100), so auto-detection must refuse it

The reference detections: the raw layouts (yolo-nas, yolov8, yolov5, yolox, ambiguous as yolov5) are decoded from the
PyTorch outputs as each family's code does (sources below) and post-processed like super-gradients' predict() (sg_postprocess from
make_detect_testdata.py: score filter, top-k, torchvision batched_nms, max predictions). The NMS-in-graph layouts
(flat, batch) run torchvision.ops.batched_nms inside forward(); torch.onnx exports it as ONNX NonMaxSuppression
(torchvision's symbolic), so the PyTorch forward itself is the reference; end2end likewise (a top-k head, no NMS).
For the NMS-baked and end-to-end layouts the Go decoder keeps rows with score > conf, sorted by score (stable).

Where each layout's meaning comes from (read, not copied):
  yolo-nas        super-gradients 3.7.1 (github.com/Deci-AI/super-gradients, tag 3.7.1),
                  src/super_gradients/training/models/detection_models/yolo_nas/dfl_heads.py (NDFLHeads: boxes x1y1x2y2
                  in input pixels, sigmoid scores, no objectness)
  yolo-nas-flat,  same version, src/super_gradients/conversion/onnx/nms.py (export(postprocessing=True): FLAT [K,7]
  yolo-nas-batch  image, x1, y1, x2, y2, score, class; BATCH num_predictions, boxes, scores, classes with -1 padding)
  uint8 input     same version, src/super_gradients/conversion/preprocessing_modules.py (export(preprocessing=True))
  yolov8          Ultralytics 8.x, github.com/ultralytics/ultralytics ultralytics/nn/modules/head.py (Detect:
                  [B, 4+C, A], cx, cy, w, h in input pixels, sigmoid class scores)
  yolov5          YOLOv5 v7.0 (github.com/ultralytics/yolov5, tag v7.0), models/yolo.py (Detect: [B, A, 5+C], obj * cls)
  yolox           YOLOX 0.3.0 (github.com/Megvii-BaseDetection/YOLOX, tag 0.3.0), yolox/utils/demo_utils.py
                  (demo_postprocess: strides 8/16/32, xy = (xy + grid) * stride, wh = exp(wh) * stride)
  end2end         Ultralytics >= 8.2 end-to-end heads, ultralytics/nn/modules/head.py (v10Detect; YOLOv10 / YOLO26
                  exports): [B, max_det, 6] x1, y1, x2, y2, score, class

Inputs are not stored: image k of a model is the splitmix64 stream of make_detect_testdata.tiny_input generalised to any
shape (seed + element index), float32 = top 24 bits / 2^24, uint8 = top 8 bits; the Go tests regenerate it and the
SHA-256 of its bytes is stored. Margins are stored and asserted here: no score within 2e-5 of a threshold or of the
top-k cut, no same-class candidate pair's IoU within 2e-5 of an NMS threshold, so ORT-vs-PyTorch float differences (~1e-6) cannot
change which detections survive.
"""

import hashlib
import json
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_detect_testdata import f32, sg_postprocess  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "detect", "testdata")
MODELS = os.path.join(OUT, "layouts")
MARGIN = 2e-5  # 20x the ~1e-6 ORT-vs-PyTorch score and IoU differences
OPSET = 13


def splitmix(n, seed):
    with np.errstate(over="ignore"):
        z = (np.arange(n, dtype=np.uint64) + np.uint64(seed)) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def gen_input(shape, seed, dtype):
    """One image [1,C,H,W]: float32 = top 24 bits / 2^24 (exact), uint8 = top 8 bits."""
    z = splitmix(int(np.prod(shape)), seed)
    if dtype == "uint8":
        return (z >> np.uint64(56)).astype(np.uint8).reshape(shape)
    return ((z >> np.uint64(40)).astype(np.float64) / float(1 << 24)).astype(np.float32).reshape(shape)


def sha256(a):
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


class Trunk(nn.Module):
    """Stride-8, 16 and 32 feature maps with 8 channels."""

    def __init__(self):
        super().__init__()
        self.s8 = nn.Sequential(nn.Conv2d(3, 8, 3, 4, 1), nn.ReLU(), nn.Conv2d(8, 8, 3, 2, 1), nn.ReLU())
        self.s16 = nn.Sequential(nn.Conv2d(8, 8, 3, 2, 1), nn.ReLU())
        self.s32 = nn.Sequential(nn.Conv2d(8, 8, 3, 2, 1), nn.ReLU())

    def forward(self, x):
        a = self.s8(x)
        b = self.s16(a)
        return [a, b, self.s32(b)]


@torch.no_grad()
def calibrate(conv, feats, targets):
    """Rescale each output channel of a 1x1 head (weights and bias, the graph keeps its form) so that over the
    calibration features its mean and std are the targets [(mean, std), ...]."""
    out = torch.cat([conv(f).flatten(2) for f in feats], 2)
    mean, std = out.mean(dim=(0, 2)), out.std(dim=(0, 2))
    tm = torch.tensor([t[0] for t in targets])
    ts = torch.tensor([t[1] for t in targets])
    k = ts / std
    conv.weight.mul_(k[:, None, None, None])
    conv.bias.copy_((conv.bias - mean) * k + tm)


def grid_centres(h, w, stride, offset):
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    return (torch.stack([xs, ys], -1).reshape(1, h * w, 2) + offset) * stride


class YoloNASRaw(nn.Module):
    """Stride-16 level only: boxes = cell centre -/+ softplus(reg) * 48 px, scores = sigmoid(cls)."""

    def __init__(self, h, w, c, uint8=False):
        super().__init__()
        self.trunk, self.uint8 = Trunk(), uint8
        self.reg, self.cls = nn.Conv2d(8, 4, 1), nn.Conv2d(8, c, 1)
        self.register_buffer("centres", grid_centres(h // 16, w // 16, 16, 0.5))

    def raw(self, x):
        if self.uint8:
            x = x.float() / 255.0
        f = self.trunk(x)[1]
        d = F.softplus(self.reg(f)).flatten(2).permute(0, 2, 1) * 48.0
        boxes = torch.cat([self.centres - d[..., :2], self.centres + d[..., 2:]], -1)
        return boxes, torch.sigmoid(self.cls(f)).flatten(2).permute(0, 2, 1)

    def forward(self, x):
        return self.raw(x)

    def calibrate(self, x):
        if self.uint8:
            x = x.float() / 255.0
        f = [self.trunk(x)[1]]
        calibrate(self.reg, f, [(0.3, 0.5)] * 4)
        calibrate(self.cls, f, [(-2.0, 1.5)] * self.cls.out_channels)


class YoloNASFlat(YoloNASRaw):
    """super-gradients export(postprocessing=True) FLAT format: multi-label score > conf, class-aware batched_nms,
    first max_det per image; rows [image, x1, y1, x2, y2, score, class] for all images of the (fixed) batch."""

    def __init__(self, h, w, c, batch, conf, iou, max_det):
        super().__init__(h, w, c)
        self.batch, self.conf, self.iou, self.max_det = batch, conf, iou, max_det

    def per_image(self, boxes, scores):
        i, j = (scores > self.conf).nonzero().T
        b, s = boxes[i], scores[i, j]
        keep = torchvision.ops.batched_nms(b, s, j, self.iou)[: self.max_det]
        return b[keep], s[keep], j[keep]

    def forward(self, x):
        boxes, scores = self.raw(x)
        rows = []
        for k in range(self.batch):
            b, s, j = self.per_image(boxes[k], scores[k])
            rows.append(torch.cat([torch.full_like(s, float(k))[:, None], b, s[:, None], j.float()[:, None]], 1))
        return torch.cat(rows, 0)


class YoloNASBatch(YoloNASFlat):
    """BATCH format for batch 1: num_predictions [1,1] int64, pred_boxes [1,K,4], pred_scores [1,K],
    pred_classes [1,K] int64, rows past num_predictions are -1."""

    def forward(self, x):
        boxes, scores = self.raw(x)
        b, s, j = self.per_image(boxes[0], scores[0])
        k = self.max_det
        num = torch.ones_like(j).sum().clamp(max=k).reshape(1, 1)
        pb = torch.cat([b, torch.full((k, 4), -1.0)], 0)[:k]
        ps = torch.cat([s, torch.full((k,), -1.0)], 0)[:k]
        pc = torch.cat([j, torch.full((k,), -1, dtype=torch.int64)], 0)[:k]
        return num, pb[None], ps[None], pc[None]


class MultiLevel(nn.Module):
    """A 1x1 head of `ch` channels on each of the stride-8/16/32 features."""

    STRIDES = (8, 16, 32)

    def __init__(self, h, w, ch):
        super().__init__()
        self.trunk = Trunk()
        self.heads = nn.ModuleList([nn.Conv2d(8, ch, 1) for _ in self.STRIDES])
        self.h, self.w = h, w

    def features(self, x):
        by_stride = dict(zip((8, 16, 32), self.trunk(x)))
        return [by_stride[s] for s in self.STRIDES]

    def levels(self, x):
        return [(head(f), s) for head, f, s in zip(self.heads, self.features(x), self.STRIDES)]

    def calibrate_heads(self, x, targets):
        for head, f in zip(self.heads, self.features(x)):
            calibrate(head, [f], targets)


class YoloV8(MultiLevel):
    """Ultralytics head after its in-graph decode: [B, 4+C, A], cx cy w h in input pixels, sigmoid class scores,
    anchors = cells of the stride 8, 16, 32 grids, row-major, in that order."""

    def __init__(self, h, w, c):
        super().__init__(h, w, 4 + c)
        for s in self.STRIDES:
            self.register_buffer("anchor%d" % s, grid_centres(h // s, w // s, s, 0.5))

    def decoded(self, x):
        """boxes [B,A,4] x1y1x2y2 and scores [B,A,C] (what the end-to-end head starts from)."""
        boxes, scores = [], []
        for o, s in self.levels(x):
            o = o.flatten(2).permute(0, 2, 1)
            d = F.softplus(o[..., :4]) * (2.0 * s)
            a = getattr(self, "anchor%d" % s)
            boxes.append(torch.cat([a - d[..., :2], a + d[..., 2:]], -1))
            scores.append(torch.sigmoid(o[..., 4:]))
        return torch.cat(boxes, 1), torch.cat(scores, 1)

    def forward(self, x):
        b, sc = self.decoded(x)
        cxcy, wh = (b[..., :2] + b[..., 2:]) / 2.0, b[..., 2:] - b[..., :2]
        return torch.cat([cxcy, wh, sc], -1).permute(0, 2, 1)

    def calibrate(self, x, c):
        self.calibrate_heads(x, [(0.3, 0.5)] * 4 + [(-3.0, 1.5)] * c)


class YoloV5(MultiLevel):
    """ultralytics/yolov5 Detect in inference: [B, 3*A, 5+C]; per level and anchor, xy = (2*sig - 0.5 + grid)*stride,
    wh = (2*sig)^2 * anchor, obj and class probabilities sigmoid."""

    ANCHORS = ((10, 13, 16, 30, 33, 23), (30, 61, 62, 45, 59, 119), (116, 90, 156, 198, 373, 326))

    def __init__(self, h, w, c, strides=(8, 16, 32), anchors_per_cell=3):
        self.STRIDES = strides
        self.na, self.no = anchors_per_cell, 5 + c
        super().__init__(h, w, anchors_per_cell * (5 + c))
        for s, anc in zip(strides, self.ANCHORS):
            self.register_buffer("grid%d" % s, grid_centres(h // s, w // s, 1, 0.0).reshape(1, 1, h // s, w // s, 2))
            awh = torch.tensor(anc[: 2 * anchors_per_cell], dtype=torch.float32).reshape(1, anchors_per_cell, 1, 1, 2)
            self.register_buffer("anchor%d" % s, awh)

    def forward(self, x):
        out = []
        for o, s in self.levels(x):
            bs, _, ny, nx = o.shape
            o = torch.sigmoid(o.view(bs, self.na, self.no, ny, nx).permute(0, 1, 3, 4, 2))
            xy = (o[..., :2] * 2.0 - 0.5 + getattr(self, "grid%d" % s)) * s
            wh = (o[..., 2:4] * 2.0) ** 2 * getattr(self, "anchor%d" % s)
            out.append(torch.cat([xy, wh, o[..., 4:]], -1).reshape(bs, -1, self.no))
        return torch.cat(out, 1)

    def calibrate(self, x, c):
        per = [(0.0, 0.8)] * 2 + [(0.0, 0.6)] * 2 + [(-0.5, 1.5)] + [(0.5, 1.5)] * c
        self.calibrate_heads(x, per * self.na)


class YoloX(MultiLevel):
    """YOLOX default export (decode_in_inference=False): [B, A, 5+C], per cell raw xy offset and log wh, sigmoid obj
    and class scores; grids of strides 8, 16, 32, row-major, in that order."""

    def __init__(self, h, w, c):
        super().__init__(h, w, 5 + c)

    def forward(self, x):
        out = []
        for o, _ in self.levels(x):
            o = torch.cat([o[:, :4], torch.sigmoid(o[:, 4:])], 1)
            out.append(o.flatten(2).permute(0, 2, 1))
        return torch.cat(out, 1)

    def calibrate(self, x, c):
        self.calibrate_heads(x, [(0.5, 0.3)] * 2 + [(1.0, 0.4)] * 2 + [(-5.0, 3.0)] + [(0.5, 1.5)] * c)


class EndToEnd(YoloV8):
    """NMS-free head (YOLOv10/26 style): the top K (anchor, class) pairs by score, [B, K, 6] x1 y1 x2 y2 score class."""

    def __init__(self, h, w, c, k):
        super().__init__(h, w, c)
        self.k, self.c = k, c

    def forward(self, x):
        b, s = self.decoded(x)
        top, idx = s.flatten(1).topk(self.k, dim=1)
        anchor = torch.div(idx, self.c, rounding_mode="floor")
        cls = idx - anchor * self.c
        bb = torch.gather(b, 1, anchor[..., None].expand(-1, -1, 4))
        return torch.cat([bb, top[..., None], cls.float()[..., None]], -1)


# ----------------------------------------------------------------------------------------------------------------------
# Python decoders (sources in the module docstring), float32 torch arithmetic as the Go decoders do it.
# ----------------------------------------------------------------------------------------------------------------------


def cxcywh_to_xyxy(b):
    half = b[:, 2:4] / 2.0
    return torch.cat([b[:, 0:2] - half, b[:, 0:2] + half], 1)


def decode_yolov8(o):
    """o [4+C, A] -> boxes [A,4], scores [A,C]."""
    return cxcywh_to_xyxy(o[:4].T.contiguous()), o[4:].T.contiguous()


def decode_yolov5(o):
    """o [A, 5+C]: score = obj * class probability."""
    return cxcywh_to_xyxy(o[:, :4]), o[:, 5:] * o[:, 4:5]


def yolox_grids(h, w, strides=(8, 16, 32)):
    grids, exp = [], []
    for s in strides:
        hs, ws = h // s, w // s
        yv, xv = torch.meshgrid(torch.arange(hs), torch.arange(ws), indexing="ij")
        grids.append(torch.stack((xv, yv), 2).reshape(-1, 2).float())
        exp.append(torch.full((hs * ws, 1), float(s)))
    return torch.cat(grids, 0), torch.cat(exp, 0)


def decode_yolox(o, h, w):
    """YOLOX demo_postprocess: xy = (xy + grid) * stride, wh = exp(wh) * stride; then as YOLOv5."""
    g, s = yolox_grids(h, w)
    xy = (o[:, :2] + g) * s
    wh = torch.exp(o[:, 2:4]) * s
    return decode_yolov5(torch.cat([xy, wh, o[:, 4:]], 1))


def rows_to_dets(rows, conf, max_det):
    """NMS-baked / end-to-end rows [x1,y1,x2,y2,score,class]: score > conf, stable sort by score, first max_det."""
    keep = [r for r in rows if np.float32(r[4]) > np.float32(conf)]
    keep.sort(key=lambda r: -np.float32(r[4]))
    if max_det > 0:
        keep = keep[:max_det]
    return [{"box": [f32(v) for v in r[:4]], "score": f32(r[4]), "class": int(r[5]), "anchor": -1} for r in keep]


# ----------------------------------------------------------------------------------------------------------------------
# Margins
# ----------------------------------------------------------------------------------------------------------------------


def score_margin(scores, thresholds):
    s = scores.double().flatten()
    return min(float((s - t).abs().min()) for t in thresholds)


def iou_margin(boxes, thresholds):
    if len(boxes) < 2:
        return 1.0
    iou = torchvision.ops.box_iou(boxes.double(), boxes.double())
    off = ~torch.eye(len(boxes), dtype=torch.bool)
    return min(float((iou[off] - t).abs().min()) for t in thresholds)


def class_iou_margin(boxes, scores, conf, thresholds):
    """IoU margin among the candidates (score > conf) of each class: the pairs class-aware NMS compares."""
    return min(iou_margin(boxes[scores[:, k] > conf], thresholds) for k in range(scores.shape[1]))


def gap_at(scores, k):
    """Score gap between the k-th and (k+1)-th highest: a cut there is safe when the gap is large."""
    if len(scores) <= k:
        return 1.0
    srt = scores.double().sort(descending=True).values
    return float(srt[k - 1] - srt[k])


def cut_margins(boxes, scores, c):
    """Gaps at the pre-NMS top-k cut and at the max-predictions cut of one configuration."""
    cand = scores[scores > c["conf"]] if c["multi_label"] else scores.max(1).values
    g = gap_at(cand, c["top_k"])
    _, _, dets = sg_postprocess(boxes, scores, c["conf"], c["iou"], c["top_k"], 10 ** 9, c["multi_label"],
                                c["class_agnostic"])
    return min(g, gap_at(torch.tensor([d["score"] for d in dets]), c["max_pred"]))


def raw_margins(boxes, scores, cfgs):
    """Score margin to every conf; IoU margin among same-class candidates of the lowest conf to every IoU threshold."""
    assert not any(c["class_agnostic"] for c in cfgs)
    lo = min(c["conf"] for c in cfgs)
    return (score_margin(scores, [c["conf"] for c in cfgs]),
            class_iou_margin(boxes, scores, lo, [c["iou"] for c in cfgs]))


# ----------------------------------------------------------------------------------------------------------------------


def export(model, x, name, inputs, outputs, dynamic=None):
    path = os.path.join(MODELS, name + ".onnx")
    with torch.no_grad():
        torch.onnx.export(model, x, path, opset_version=OPSET, input_names=inputs, output_names=outputs,
                          do_constant_folding=True, dynamic_axes=dynamic)
    onnx.checker.check_model(onnx.load(path))
    size = os.path.getsize(path)
    assert size < 60 * 1024, (name, size)
    return path


SG = {"conf": 0.3, "iou": 0.5, "top_k": 1024, "max_pred": 300, "multi_label": True, "class_agnostic": False}


def raw_reference(name, layout, model, shape, dtype, seeds, decode, cfgs, outputs, dynamic=None, fixed_batch=1):
    """Export a raw-layout model and decode + post-process its PyTorch outputs for every image and config."""
    xs = [torch.from_numpy(gen_input(shape, s, dtype)) for s in seeds]
    model.calibrate(torch.cat(xs, 0))
    export(model, torch.cat(xs[:max(fixed_batch, 1)], 0) if dynamic is None else xs[0], name, ["images"], outputs,
           dynamic)
    refs = [{**c, "images": []} for c in cfgs]
    smin, imin, cands = 1.0, 1.0, []
    with torch.no_grad():
        for x in xs:
            out = model(x)
            boxes, scores = decode(out)
            sm, im = raw_margins(boxes, scores, cfgs)
            smin, imin = min(smin, sm), min(imin, im)
            for r, c in zip(refs, cfgs):
                ncand, cs, dets = sg_postprocess(boxes, scores, c["conf"], c["iou"], c["top_k"], c["max_pred"],
                                                 c["multi_label"], c["class_agnostic"])
                if len(set(cs.tolist())) != len(cs):
                    raise MarginError("%s: tied candidate scores" % name)
                smin = min(smin, cut_margins(boxes, scores, c))
                r["images"].append({"candidates": ncand, "detections": dets})
                cands.append((ncand, len(dets)))
    return finish(name, layout, shape, dtype, seeds, refs, smin, imin, cands)


class MarginError(Exception):
    """The random weights put a score or an IoU too close to a threshold: build() tries the next seed."""


def finish(name, layout, shape, dtype, seeds, refs, smin, imin, cands):
    if not (smin > MARGIN and imin > MARGIN):
        raise MarginError("%s: score margin %.3g, IoU margin %.3g" % (name, smin, imin))
    if not all(d > 0 for _, d in cands):
        raise MarginError("%s: an image without detections tests little: %s" % (name, cands))
    print("%-14s %-15s candidates/detections %s; score margin %.3g, IoU margin %.3g" % (
        name, layout, cands, smin, imin), file=sys.stderr)
    return {
        "name": name, "file": "layouts/%s.onnx" % name, "layout": layout, "input_shape": list(shape),
        "input_dtype": dtype,
        "inputs": [{"seed": s, "sha256": sha256(gen_input(shape, s, dtype))} for s in seeds],
        "score_margin": smin, "iou_margin": imin, "references": refs,
    }


def baked_reference(name, layout, model, shape, seeds, outputs, to_rows, cfgs, batch):
    """Export an NMS-baked or end-to-end model; the reference is its PyTorch forward, read as rows per image."""
    xs = [torch.from_numpy(gen_input(shape, s, "float32")) for s in seeds]
    x = torch.cat(xs, 0)
    model.calibrate(x)
    export(model, x[:batch], name, ["images"], outputs)
    refs = [{**c, "images": []} for c in cfgs]
    cands = []
    smin = imin = 1.0
    with torch.no_grad():
        for start in range(0, len(xs), batch):
            xb = x[start:start + batch]
            per_image = to_rows(model(xb), len(xb))
            # Margins of the thresholds inside the graph, from the raw scores it thresholds.
            if isinstance(model, YoloNASFlat):
                b, s = model.raw(xb)
                for k in range(len(xb)):
                    smin = min(smin, score_margin(s[k], [model.conf] + [c["conf"] for c in cfgs]))
                    imin = min(imin, class_iou_margin(b[k], s[k], model.conf, [model.iou]))
            else:  # end-to-end: the top-k cut and the decoder's conf
                b, s = model.decoded(xb)
                for k in range(len(xb)):
                    srt = s[k].flatten().sort(descending=True).values.double()
                    smin = min(smin, float(srt[model.k - 1] - srt[model.k]),
                               score_margin(srt[: model.k], [c["conf"] for c in cfgs]))
            for k, rows in enumerate(per_image):
                for r, c in zip(refs, cfgs):
                    dets = rows_to_dets(rows, c["conf"], c["max_pred"])
                    r["images"].append({"candidates": len(rows), "detections": dets})
                    cands.append((len(rows), len(dets)))
    return finish(name, layout, shape, "float32", seeds, refs, smin, imin, cands)


def flat_rows(out, n):
    rows = out.tolist()
    return [[r[1:] for r in rows if int(r[0]) == k] for k in range(n)]


def batch_rows(out, n):
    num, b, s, c = out
    k = int(num[0, 0])
    assert (c[0, k:] == -1).all() and (b[0, k:] == -1).all(), "padding"
    return [[b[0, i].tolist() + [float(s[0, i]), float(c[0, i])] for i in range(k)]]


def e2e_rows(out, n):
    return [out[k].tolist() for k in range(n)]


def build(seed, make):
    """make(): the model and its reference with torch seeded; on a MarginError the next seed (at most 50 tries)."""
    for k in range(50):
        torch.manual_seed(seed + 1000 * k)
        try:
            ref = make()
            ref["torch_seed"] = seed + 1000 * k
            return ref
        except MarginError as e:
            print("  retry:", e, file=sys.stderr)
    raise SystemExit("no seed gives safe margins")


def with_classes(m, c):
    f = m.calibrate
    m.calibrate = lambda x: f(x, c)
    return m


def main():
    os.makedirs(MODELS, exist_ok=True)
    models = [
        build(11, lambda: raw_reference(
            "yolonas_u8", "yolo-nas", YoloNASRaw(320, 320, 2, uint8=True).eval(), (1, 3, 320, 320), "uint8", [101],
            lambda o: (o[0][0], o[1][0]), [SG], ["boxes", "scores"])),
        build(19, lambda: raw_reference(
            "yolonas_dyn640", "yolo-nas", YoloNASRaw(640, 640, 1).eval(), (1, 3, 640, 640), "float32", [901, 902, 903],
            lambda o: (o[0][0], o[1][0]), [SG], ["boxes", "scores"],
            dynamic={"images": {0: "batch"}, "boxes": {0: "batch"}, "scores": {0: "batch"}})),
        build(12, lambda: baked_reference(
            "yolonas_flat", "yolo-nas-flat", YoloNASFlat(320, 320, 2, batch=2, conf=0.3, iou=0.5, max_det=40).eval(),
            (1, 3, 320, 320), [201, 202], ["output"], flat_rows,
            [{"conf": 0.0, "max_pred": 300}, {"conf": 0.5, "max_pred": 10}], batch=2)),
        build(13, lambda: baked_reference(
            "yolonas_batch", "yolo-nas-batch", YoloNASBatch(320, 320, 2, batch=1, conf=0.3, iou=0.5, max_det=30).eval(),
            (1, 3, 320, 320), [301], ["num_predictions", "pred_boxes", "pred_scores", "pred_classes"], batch_rows,
            [{"conf": 0.0, "max_pred": 300}], batch=1)),
        build(14, lambda: raw_reference(
            "yolov8_dyn", "yolov8", with_classes(YoloV8(320, 320, 3).eval(), 3), (1, 3, 320, 320), "float32",
            [401, 402, 403], lambda o: decode_yolov8(o[0]), [SG], ["output0"],
            dynamic={"images": {0: "batch"}, "output0": {0: "batch"}})),
        build(15, lambda: raw_reference(
            "yolov5", "yolov5", with_classes(YoloV5(320, 320, 2).eval(), 2), (1, 3, 320, 320), "float32", [501],
            lambda o: decode_yolov5(o[0]),
            [SG, {**SG, "conf": 0.6, "iou": 0.65, "top_k": 100, "max_pred": 20, "multi_label": False}], ["output0"])),
        build(16, lambda: raw_reference(
            "yolox", "yolox", with_classes(YoloX(256, 320, 2).eval(), 2), (1, 3, 256, 320), "float32", [601],
            lambda o: decode_yolox(o[0], 256, 320), [SG], ["output"])),
        build(17, lambda: baked_reference(
            "end2end", "end2end", with_classes(EndToEnd(320, 320, 2, k=50).eval(), 2), (1, 3, 320, 320), [701],
            ["output0"], e2e_rows, [{"conf": 0.0, "max_pred": 300}, {"conf": 0.5, "max_pred": 300}], batch=1)),
        build(18, lambda: raw_reference(
            "ambiguous", "yolov5", with_classes(YoloV5(320, 320, 2, strides=(16,), anchors_per_cell=1).eval(), 2),
            (1, 3, 320, 320), "float32", [801], lambda o: decode_yolov5(o[0]), [SG], ["output0"])),
    ]
    with open(os.path.join(OUT, "layouts.json"), "w") as f:
        json.dump({"torch": torch.__version__, "torchvision": torchvision.__version__, "models": models}, f,
                  sort_keys=True, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
