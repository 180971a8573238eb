#!/usr/bin/python3
"""Build one small real ONNX detector per output layout added for third-party families (beyond those of
make_layout_models.py), with the Python reference detections the Go package detect/ must reproduce through ONNX
Runtime. Run from the repository root:

    /usr/bin/python3 scripts/make_family_models.py

Needs Debian's python3-torch (1.13), python3-torchvision (0.14.1) and python3-onnx. As in make_layout_models.py
(whose helpers this imports), no model can be downloaded: each family is a tiny random-weight network whose heads
are calibrated so the outputs look like a detector's, and whose graph ends exactly in the family's output meaning
(the decode, or its absence, the authors' export has). The reference detections are decoded from the PyTorch
outputs the authors' way (each decode below names the function it follows) and post-processed like
super-gradients' predict() (sg_postprocess), or, for NMS-baked and NMS-free layouts, read as rows. Margins as in
make_layout_models.py: no score within 2e-5 of a threshold or cut, no same-class candidate IoU within 2e-5 of an
NMS threshold.

Writes detect/testdata/families/<name>.onnx (each < 100 kB; ssd stores its 4420 priors) and detect/testdata/families.json:

  name               layout              input                          outputs
  yolov6             yolov6              [1,3,320,320]                  outputs [1,2100,7]: xywh px, objectness 1, 2 cls
  ssd                ssd                 [1,3,240,320]                  scores [1,4420,3] softmax, boxes [1,4420,4] 0..1
  ssd_priors         ssd-priors          [1,3,240,320]                  scores [1,4420,3] softmax, boxes [1,4420,4] offsets
  retinaface         retinaface          [1,3,240,320]                  loc [1,3160,4], conf [1,3160,2], landmarks [1,3160,10]
  retinaface_concat  retinaface          [1,3,240,320]                  output0 [1,3160,16] with conf logits
  nanodet_plus       nanodet-plus        [1,3,320,320]                  output [1,2125,3+32] (strides 8..64, reg_max 7)
  nanodet            nanodet             [1,3,240,320]                  output [1,1580,2+32] (strides 8..32)
  picodet            picodet             [1,3,320,320]                  4 x cls [1,L,3] then 4 x reg [1,L,32]
  fastestdet         fastestdet          [1,3,352,352]                  [1,8,22,22]
  scrfd              scrfd               [1,3,320,320]                  score_S [n,1], bbox_S [n,4], kps_S [n,10] (batch squeezed)
  yunet              yunet               [1,3,320,320]                  cls_S, obj_S [1,n,1], bbox_S [1,n,4], kps_S [1,n,10]
  rtdetr             rtdetr              images [N,3,320,320] + orig_target_sizes [N,2] int64; labels, boxes, scores [N,40]
  rtdetr_ultralytics rtdetr-ultralytics  [1,3,320,320]                  [1,40,4+3] + Ultralytics metadata (RT-DETR)
  paddle_nms         paddle-nms          image [1,3,256,320] + scale_factor + im_shape; rows [N,6], counts [1] int32
  ultralytics_nms    ultralytics-nms     [1,3,320,320]                  [1,30,6] + Ultralytics metadata (nms=True)
  end2end_meta       end2end             [1,3,320,320]                  [1,30,6] + Ultralytics metadata (end2end True)
  yolov8_meta        yolov8              [1,3,320,320]                  [1,7,2100] + Ultralytics metadata (names, imgsz, ...)
  yolov8_dynhw       yolov8              [batch,3,height,width]         [batch,6,anchors] + metadata dynamic=True; refs at 2 sizes
  yolov8_nhwc        yolov8              [1,256,320,3] (NHWC)           [1,6,1680]

The Ultralytics metadata is written with exactly the keys and str() value formats of ultralytics/engine/exporter.py
(Exporter.__call__ self.metadata; export_onnx: meta.value = str(v)).
"""

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
from make_layout_models import (  # noqa: E402
    MARGIN, OPSET, SG, MarginError, build, calibrate, class_iou_margin, cut_margins, decode_yolov5, gen_input,
    raw_margins, rows_to_dets, score_margin, sha256)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "detect", "testdata")
MODELS = os.path.join(OUT, "families")


class Trunk(nn.Module):
    """Stride-8, 16, 32 and 64 feature maps with 8 channels (ceil sizes, as strided 3x3 convolutions give)."""

    def __init__(self):
        super().__init__()
        self.s8 = nn.Sequential(nn.Conv2d(3, 8, 3, 4, 1), nn.ReLU(), nn.Conv2d(8, 8, 3, 2, 1), nn.ReLU())
        self.s16 = nn.Sequential(nn.Conv2d(8, 8, 3, 2, 1), nn.ReLU())
        self.s32 = nn.Sequential(nn.Conv2d(8, 8, 3, 2, 1), nn.ReLU())
        self.s64 = nn.Sequential(nn.Conv2d(8, 8, 3, 2, 1), nn.ReLU())

    def forward(self, x):
        a = self.s8(x)
        b = self.s16(a)
        c = self.s32(b)
        return {8: a, 16: b, 32: c, 64: self.s64(c)}


class Heads(nn.Module):
    """1x1 heads named by role, one per stride, on the trunk's features."""

    def __init__(self, strides, roles):
        super().__init__()
        self.trunk, self.strides, self.roles = Trunk(), strides, roles
        self.h = nn.ModuleDict({"%s_%d" % (r, s): nn.Conv2d(8, ch, 1) for r, ch in roles.items() for s in strides})

    def level(self, feats, role, s):
        return self.h["%s_%d" % (role, s)](feats[s])

    @torch.no_grad()
    def calibrate_roles(self, x, targets):
        feats = self.trunk(x)
        for r, t in targets.items():
            for s in self.strides:
                calibrate(self.h["%s_%d" % (r, s)], [feats[s]], t)


def nhwc_rows(t, k):
    """[B, A*k, H, W] -> [B, H*W*A, k] (rows, columns, anchors: the order SSD heads flatten in)."""
    b = t.shape[0]
    return t.permute(0, 2, 3, 1).reshape(b, -1, k)


def flat_rows(t):
    """[B, k, H, W] -> [B, H*W, k]."""
    return t.flatten(2).permute(0, 2, 1)


# ----------------------------------------------------------------------------------------------------------------------
# Priors, written from the authors' generators
# ----------------------------------------------------------------------------------------------------------------------


def ultraface_priors(w, h):
    """Linzaer vision/utils/box_utils.py generate_priors with fd_config.py's min_boxes and strides 8..64 (feature
    maps ceil(size/stride), shrinkage = size / map), clamp=True."""
    min_boxes = [[10, 16, 24], [32, 48], [64, 96], [128, 192, 256]]
    fm = [[-(-w // s) for s in (8, 16, 32, 64)], [-(-h // s) for s in (8, 16, 32, 64)]]
    shrink = [[w / f for f in fm[0]], [h / f for f in fm[1]]]
    priors = []
    for index in range(len(fm[0])):
        scale_w = w / shrink[0][index]
        scale_h = h / shrink[1][index]
        for j in range(fm[1][index]):
            for i in range(fm[0][index]):
                x_center = (i + 0.5) / scale_w
                y_center = (j + 0.5) / scale_h
                for min_box in min_boxes[index]:
                    priors.append([x_center, y_center, min_box / w, min_box / h])
    p = torch.tensor(priors)
    torch.clamp(p, 0.0, 1.0, out=p)
    return p


def ultraface_decode(loc, priors):
    """convert_locations_to_boxes (center_variance 0.1, size_variance 0.2) then center_form_to_corner_form."""
    b = torch.cat([loc[..., :2] * 0.1 * priors[..., 2:] + priors[..., :2],
                   torch.exp(loc[..., 2:] * 0.2) * priors[..., 2:]], dim=loc.dim() - 1)
    return torch.cat([b[..., :2] - b[..., 2:] / 2, b[..., :2] + b[..., 2:] / 2], b.dim() - 1)


def retina_priors(w, h):
    """biubug6 layers/functions/prior_box.py PriorBox.forward with cfg_mnet (min_sizes, steps 8/16/32, clip False)."""
    from itertools import product
    from math import ceil
    min_sizes, steps, image_size = [[16, 32], [64, 128], [256, 512]], [8, 16, 32], (h, w)
    anchors = []
    for k, f in enumerate([[ceil(image_size[0] / s), ceil(image_size[1] / s)] for s in steps]):
        for i, j in product(range(f[0]), range(f[1])):
            for min_size in min_sizes[k]:
                s_kx = min_size / image_size[1]
                s_ky = min_size / image_size[0]
                cx = (j + 0.5) * steps[k] / image_size[1]
                cy = (i + 0.5) * steps[k] / image_size[0]
                anchors += [cx, cy, s_kx, s_ky]
    return torch.Tensor(anchors).view(-1, 4)


def retina_decode(loc, priors):
    """utils/box_utils.py decode with variances [0.1, 0.2]."""
    boxes = torch.cat((priors[:, :2] + loc[:, :2] * 0.1 * priors[:, 2:], priors[:, 2:] * torch.exp(loc[:, 2:] * 0.2)), 1)
    boxes[:, :2] -= boxes[:, 2:] / 2
    boxes[:, 2:] += boxes[:, :2]
    return boxes


# ----------------------------------------------------------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------------------------------------------------------


class YoloV6(Heads):
    """effidehead.py Detect eval: per cell anchor point (x+0.5, y+0.5), distances -> dist2bbox xywh * stride, then
    [xywh, ones, sigmoid cls]."""

    def __init__(self, h, w, c):
        super().__init__((8, 16, 32), {"reg": 4, "cls": c})
        self.hw = (h, w)

    def forward(self, x):
        f = self.trunk(x)
        out = []
        for s in self.strides:
            reg, cls = self.level(f, "reg", s), self.level(f, "cls", s)
            hh, ww = reg.shape[2:]
            ys, xs = torch.meshgrid(torch.arange(hh, dtype=torch.float32), torch.arange(ww, dtype=torch.float32),
                                    indexing="ij")
            a = torch.stack([xs, ys], -1).reshape(1, -1, 2) + 0.5
            d = F.softplus(flat_rows(reg)) * 2.0
            lt, rb = d[..., :2], d[..., 2:]
            x1y1, x2y2 = a - lt, a + rb
            xywh = torch.cat([(x1y1 + x2y2) / 2, x2y2 - x1y1], -1) * s
            out.append(torch.cat([xywh, torch.ones_like(xywh[..., :1]), torch.sigmoid(flat_rows(cls))], -1))
        return torch.cat(out, 1)

    def calibrate(self, x, c):
        self.calibrate_roles(x, {"reg": [(0.3, 0.5)] * 4, "cls": [(-3.0, 1.5)] * c})


class SSD(Heads):
    """UltraFace-style SSD head at strides 8..64 with the min_boxes counts per level; decoded=True ends in softmax +
    convert_locations_to_boxes + corner form (ssd.py is_test), decoded=False in softmax + raw locations (the
    *_without_postprocessing export)."""

    PER = {8: 3, 16: 2, 32: 2, 64: 3}

    def __init__(self, h, w, c, decoded):
        super().__init__((8, 16, 32, 64), {})
        self.c1, self.decoded = c + 1, decoded
        self.h = nn.ModuleDict()
        for s in self.strides:
            self.h["conf_%d" % s] = nn.Conv2d(8, self.PER[s] * self.c1, 1)
            self.h["loc_%d" % s] = nn.Conv2d(8, self.PER[s] * 4, 1)
        self.register_buffer("priors", ultraface_priors(w, h))

    def forward(self, x):
        f = self.trunk(x)
        conf = torch.cat([nhwc_rows(self.level(f, "conf", s), self.c1) for s in self.strides], 1)
        loc = torch.cat([nhwc_rows(self.level(f, "loc", s), 4) for s in self.strides], 1)
        conf = F.softmax(conf, dim=2)
        if self.decoded:
            return conf, ultraface_decode(loc, self.priors)
        return conf, loc

    @torch.no_grad()
    def calibrate(self, x, c):
        f = self.trunk(x)
        for s in self.strides:
            calibrate(self.h["conf_%d" % s], [f[s]], ([(1.5, 0.8)] + [(-1.0, 1.8)] * c) * self.PER[s])
            calibrate(self.h["loc_%d" % s], [f[s]], [(0.0, 1.0)] * 4 * self.PER[s])


class RetinaFace(Heads):
    """biubug6 RetinaFace heads: 2 anchors per cell at strides 8/16/32, loc, conf (softmax in phase test) and
    landmarks; concat=True writes one [B,N,16] with conf logits."""

    def __init__(self, concat):
        super().__init__((8, 16, 32), {"loc": 8, "conf": 4, "ldm": 20})
        self.concat = concat

    def forward(self, x):
        f = self.trunk(x)
        loc = torch.cat([nhwc_rows(self.level(f, "loc", s), 4) for s in self.strides], 1)
        conf = torch.cat([nhwc_rows(self.level(f, "conf", s), 2) for s in self.strides], 1)
        ldm = torch.cat([nhwc_rows(self.level(f, "ldm", s), 10) for s in self.strides], 1)
        if self.concat:
            return torch.cat([loc, conf, ldm], -1)
        return loc, F.softmax(conf, dim=-1), ldm

    def calibrate(self, x):
        self.calibrate_roles(x, {"loc": [(0.0, 1.0)] * 8, "conf": [(1.5, 0.8), (-1.0, 1.8)] * 2,
                                 "ldm": [(0.0, 1.0)] * 20})


class GFL(Heads):
    """A GFL head: sigmoid class scores and 4*(reg_max+1) distribution logits per cell. concat: NanoDet's
    _forward_onnx ([B,N,C+4(R+1)] over the levels); otherwise PicoDet's per-level class then distribution outputs."""

    def __init__(self, strides, c, reg_max, concat):
        super().__init__(strides, {"cls": c, "reg": 4 * (reg_max + 1)})
        self.concat = concat

    def forward(self, x):
        f = self.trunk(x)
        cls = [flat_rows(torch.sigmoid(self.level(f, "cls", s))) for s in self.strides]
        reg = [flat_rows(self.level(f, "reg", s)) for s in self.strides]
        if self.concat:
            return torch.cat([torch.cat([c, r], -1) for c, r in zip(cls, reg)], 1)
        return tuple(cls + reg)

    def calibrate(self, x, c, bins):
        self.calibrate_roles(x, {"cls": [(-3.0, 1.5)] * c, "reg": [(0.0, 2.0)] * bins})


class FastestDet(Heads):
    """custom_layers.py DetectHead on the stride-16 map: cat(sigmoid obj, raw reg, softmax cls) on channels."""

    def __init__(self, c):
        super().__init__((16,), {"obj": 1, "reg": 4, "cls": c})

    def forward(self, x):
        f = self.trunk(x)
        return torch.cat([torch.sigmoid(self.level(f, "obj", 16)), self.level(f, "reg", 16),
                          F.softmax(self.level(f, "cls", 16), dim=1)], 1)

    def calibrate(self, x, c):
        self.calibrate_roles(x, {"obj": [(-1.0, 2.0)], "reg": [(0.0, 1.0)] * 2 + [(-1.0, 0.8)] * 2,
                                 "cls": [(0.0, 1.0)] * c})


class SCRFD(Heads):
    """SCRFD exports: per stride scores (sigmoid) [n,1], bbox distances [n,4], kps [n,10], 2 anchors per cell,
    batch squeezed (insightface's released det_*.onnx have [n,k] outputs)."""

    def __init__(self):
        super().__init__((8, 16, 32), {"score": 2, "bbox": 8, "kps": 20})

    def forward(self, x):
        f = self.trunk(x)
        out = []
        for role, k in (("score", 1), ("bbox", 4), ("kps", 10)):
            for s in self.strides:
                t = nhwc_rows(self.level(f, role, s), k)
                if role == "score":
                    t = torch.sigmoid(t)
                elif role == "bbox":
                    t = F.softplus(t)
                out.append(t[0])
        return tuple(out)

    def calibrate(self, x):
        self.calibrate_roles(x, {"score": [(-3.0, 1.5)] * 2, "bbox": [(0.5, 0.6)] * 8, "kps": [(0.0, 1.0)] * 20})


class YuNet(Heads):
    """YuNet 2023mar outputs cls_S, obj_S (sigmoid) [1,n,1], bbox_S [1,n,4], kps_S [1,n,10]."""

    def __init__(self):
        super().__init__((8, 16, 32), {"cls": 1, "obj": 1, "bbox": 4, "kps": 10})

    def forward(self, x):
        f = self.trunk(x)
        out = []
        for role in ("cls", "obj", "bbox", "kps"):
            for s in self.strides:
                t = flat_rows(self.level(f, role, s))
                out.append(torch.sigmoid(t) if role in ("cls", "obj") else t)
        return tuple(out)

    def calibrate(self, x):
        self.calibrate_roles(x, {"cls": [(-1.0, 1.5)], "obj": [(0.5, 1.5)], "bbox": [(0.5, 0.3)] * 2 +
                                 [(1.0, 0.4)] * 2, "kps": [(0.0, 1.0)] * 10})


class Queries(Heads):
    """A DETR-like decoder stand-in: Q queries read from a pooled stride-32 grid; boxes cxcywh = sigmoid, scores
    sigmoid (what RT-DETR's decoder ends in)."""

    def __init__(self, q, c):
        super().__init__((32,), {"box": 4, "cls": c})
        self.q = q

    def decoded(self, x):
        f = self.trunk(x)
        box = flat_rows(torch.sigmoid(self.level(f, "box", 32)))[:, :self.q]
        cls = flat_rows(self.level(f, "cls", 32))[:, :self.q]
        return box, cls

    def calibrate(self, x, c):
        self.calibrate_roles(x, {"box": [(0.0, 1.2)] * 2 + [(-1.5, 0.6)] * 2, "cls": [(-2.0, 1.5)] * c})


class RTDETRUltralytics(Queries):
    """RTDETRDecoder export: cat(dec_bboxes, dec_scores.sigmoid()) [B,Q,4+C]."""

    def forward(self, x):
        box, cls = self.decoded(x)
        return torch.cat([box, torch.sigmoid(cls)], -1)


class RTDETRLyu(Queries):
    """rtdetrv2 export: model + RTDETRPostProcessor deploy (use_focal_loss): boxes cxcywh -> xyxy * orig sizes
    (w, h), sigmoid, top-Q over queries x classes, labels = index % C, boxes gathered by index // C."""

    def __init__(self, q, c):
        super().__init__(q, c)
        self.c = c

    def forward(self, images, orig_target_sizes):
        boxes, logits = self.decoded(images)
        bbox = torchvision.ops.box_convert(boxes, in_fmt="cxcywh", out_fmt="xyxy")
        bbox = bbox * orig_target_sizes.repeat(1, 2).unsqueeze(1)
        scores = torch.sigmoid(logits)
        scores, index = torch.topk(scores.flatten(1), self.q, dim=-1)
        labels = index - index // self.c * self.c
        index = index // self.c
        boxes = bbox.gather(dim=1, index=index.unsqueeze(-1).repeat(1, 1, bbox.shape[-1]))
        return labels, boxes, scores


class PaddleNMS(Heads):
    """A PaddleDetection-style export with NMS inside: boxes in the resized input's pixels are divided by
    scale_factor ([h, w] -> [w, h, w, h]) and clipped to im_shape (h, w) before class-aware NMS (multiclass_nms);
    rows [class, score, x1, y1, x2, y2] for all images, counts [B] int32."""

    def __init__(self, c, conf, iou, keep):
        super().__init__((16,), {"reg": 4, "cls": c})
        self.conf, self.iou, self.keep = conf, iou, keep

    def raw(self, image):
        f = self.trunk(image)
        reg, cls = self.level(f, "reg", 16), self.level(f, "cls", 16)
        hh, ww = reg.shape[2:]
        ys, xs = torch.meshgrid(torch.arange(hh, dtype=torch.float32), torch.arange(ww, dtype=torch.float32),
                                indexing="ij")
        c = (torch.stack([xs, ys], -1).reshape(1, -1, 2) + 0.5) * 16.0
        d = F.softplus(flat_rows(reg)) * 40.0
        return torch.cat([c - d[..., :2], c + d[..., 2:]], -1), torch.sigmoid(flat_rows(cls))

    def calibrate(self, x, c):
        self.calibrate_roles(x, {"reg": [(0.3, 0.5)] * 4, "cls": [(-2.0, 1.5)] * c})

    def forward(self, image, scale_factor, im_shape):
        boxes, scores = self.raw(image)
        sy, sx = scale_factor[:, 0:1], scale_factor[:, 1:2]
        boxes = boxes / torch.cat([sx, sy, sx, sy], -1).unsqueeze(1)
        ih, iw = im_shape[:, 0:1].unsqueeze(1), im_shape[:, 1:2].unsqueeze(1)
        lim = torch.cat([iw, ih, iw, ih], -1)
        boxes = torch.minimum(torch.maximum(boxes, torch.zeros_like(boxes)), lim)
        rows, counts = [], []
        for k in range(image.shape[0]):
            i, j = (scores[k] > self.conf).nonzero().T
            b, s = boxes[k][i], scores[k][i, j]
            keep = torchvision.ops.batched_nms(b, s, j, self.iou)[: self.keep]
            rows.append(torch.cat([j[keep].float()[:, None], s[keep][:, None], b[keep]], 1))
            counts.append(torch.ones_like(keep).sum().reshape(1))
        return torch.cat(rows, 0), torch.cat(counts, 0).int()


class YoloV8(Heads):
    """As make_layout_models.YoloV8 ([B,4+C,A], cx cy w h px, sigmoid scores) but with anchors from the actual
    feature maps, so one graph runs at any input size (Ultralytics dynamic=True); nhwc=True takes [B,H,W,3]."""

    def __init__(self, c, nhwc=False):
        super().__init__((8, 16, 32), {"reg": 4, "cls": c})
        self.nhwc = nhwc

    def decoded(self, x):
        if self.nhwc:
            x = x.permute(0, 3, 1, 2)
        f = self.trunk(x)
        boxes, scores = [], []
        for s in self.strides:
            reg, cls = self.level(f, "reg", s), self.level(f, "cls", s)
            hh, ww = reg.shape[2:]
            ys, xs = torch.meshgrid(torch.arange(hh, dtype=torch.float32), torch.arange(ww, dtype=torch.float32),
                                    indexing="ij")
            a = (torch.stack([xs, ys], -1).reshape(1, -1, 2) + 0.5) * s
            d = F.softplus(flat_rows(reg)) * (2.0 * s)
            boxes.append(torch.cat([a - d[..., :2], a + d[..., 2:]], -1))
            scores.append(torch.sigmoid(flat_rows(cls)))
        return torch.cat(boxes, 1), torch.cat(scores, 1)

    def forward(self, x):
        b, sc = self.decoded(x)
        return torch.cat([(b[..., :2] + b[..., 2:]) / 2.0, b[..., 2:] - b[..., :2], sc], -1).permute(0, 2, 1)

    def calibrate(self, x, c):
        if self.nhwc:
            x = x.permute(0, 3, 1, 2)
        self.calibrate_roles(x, {"reg": [(0.3, 0.5)] * 4, "cls": [(-3.0, 1.5)] * c})


class Rows6(YoloV8):
    """[B,K,6] rows x1 y1 x2 y2 score class: nms=True as Ultralytics' NMSModel (max class score > conf, class-aware
    nms, zero-padded to K), otherwise an end-to-end top-K over (anchor, class) pairs."""

    def __init__(self, c, k, nms, conf=0.3, iou=0.5):
        super().__init__(c)
        self.c, self.k, self.nms, self.conf, self.iou = c, k, nms, conf, iou

    def forward(self, x):
        b, s = self.decoded(x)
        if not self.nms:
            top, idx = s.flatten(1).topk(self.k, dim=1)
            anchor = torch.div(idx, self.c, rounding_mode="floor")
            cls = idx - anchor * self.c
            bb = torch.gather(b, 1, anchor[..., None].expand(-1, -1, 4))
            return torch.cat([bb, top[..., None], cls.float()[..., None]], -1)
        out = []
        for i in range(x.shape[0]):
            score, cls = s[i].max(dim=-1)
            m = score > self.conf
            box, score, cls = b[i][m], score[m], cls[m]
            keep = torchvision.ops.batched_nms(box, score, cls, self.iou)[: self.k]
            dets = torch.cat([box[keep], score[keep].view(-1, 1), cls[keep].view(-1, 1).float()], -1)
            out.append(F.pad(dets, (0, 0, 0, self.k - dets.shape[0])))
        return torch.stack(out)


# ----------------------------------------------------------------------------------------------------------------------
# Python decoders, the authors' way
# ----------------------------------------------------------------------------------------------------------------------


def dec_ssd(out, h, w):
    """UltraFace detect_imgs_onnx.py predict: boxes * (width, height), class k = column k (k >= 1)."""
    scores, boxes = out[0][0], out[1][0]
    return boxes * torch.tensor([w, h, w, h], dtype=torch.float32), scores[:, 1:].contiguous()


def dec_ssd_priors(out, h, w):
    scores, loc = out[0][0], out[1][0]
    boxes = ultraface_decode(loc, ultraface_priors(w, h))
    return boxes * torch.tensor([w, h, w, h], dtype=torch.float32), scores[:, 1:].contiguous()


def dec_retina(out, h, w):
    """detect.py: decode(loc, priors, variance) * scale [w, h, w, h]; scores = conf[:, 1]."""
    loc, conf = out[0][0], out[1][0]
    boxes = retina_decode(loc, retina_priors(w, h)) * torch.Tensor([w, h, w, h])
    return boxes, conf[:, 1:].contiguous()


def dec_retina_concat(out, h, w):
    o = out[0]
    boxes = retina_decode(o[:, :4].contiguous(), retina_priors(w, h)) * torch.Tensor([w, h, w, h])
    return boxes, F.softmax(o[:, 4:6], dim=-1)[:, 1:].contiguous()


def integral(reg, reg_max):
    """gfl_head.py Integral: softmax over bins, linear with linspace(0, reg_max)."""
    shape = reg.size()
    x = F.softmax(reg.reshape(*shape[:-1], 4, reg_max + 1), dim=-1)
    return F.linear(x, torch.linspace(0, reg_max, reg_max + 1)).reshape(*shape[:-1], 4)


def dec_nanodet(o, h, w, strides, c, reg_max, offset):
    """nanodet_plus_head.py get_bboxes (offset 0: get_single_level_center_priors) / gfl_head.py get_bboxes (offset
    0.5: get_single_level_center_point): dis = integral * stride, distance2bbox with max_shape (clamped)."""
    import math
    cls, reg = o[:, :c], o[:, c:]
    pri = []
    for s in strides:
        fh, fw = math.ceil(h / s), math.ceil(w) / s
        xr = (torch.arange(fw, dtype=torch.float32) + offset) * s
        yr = (torch.arange(fh, dtype=torch.float32) + offset) * s
        y, x = torch.meshgrid(yr, xr, indexing="ij")
        pri.append(torch.stack([x.flatten(), y.flatten(), torch.full_like(x.flatten(), s), torch.full_like(x.flatten(), s)], -1))
    p = torch.cat(pri, 0)
    dis = integral(reg, reg_max) * p[..., 2, None]
    x1 = (p[:, 0] - dis[:, 0]).clamp(min=0, max=w)
    y1 = (p[:, 1] - dis[:, 1]).clamp(min=0, max=h)
    x2 = (p[:, 0] + dis[:, 2]).clamp(min=0, max=w)
    y2 = (p[:, 1] + dis[:, 3]).clamp(min=0, max=h)
    return torch.stack([x1, y1, x2, y2], -1), cls.contiguous()


def dec_picodet(out, h, w, strides, c, reg_max):
    """pico_head.py PicoHeadV2 forward_eval post-process: anchor points (x + cell_offset 0.5) per level,
    distribution_project, batch_distance2bbox, * stride."""
    import math
    l = len(strides)
    boxes, scores = [], []
    for i, s in enumerate(strides):
        cls, reg = out[i][0], out[l + i][0]
        fh, fw = math.ceil(h / s), math.ceil(w / s)
        ys, xs = torch.meshgrid(torch.arange(fh) + 0.5, torch.arange(fw) + 0.5, indexing="ij")
        a = torch.stack([xs, ys], -1).reshape(-1, 2).float()
        d = integral(reg, reg_max)
        boxes.append(torch.cat([a - d[:, :2], a + d[:, 2:]], -1) * s)
        scores.append(cls)
    return torch.cat(boxes, 0), torch.cat(scores, 0)


def dec_fastestdet(out, h, w):
    """utils/tool.py handle_preds: score = obj^0.6 * cls^0.4 (per class here; the authors keep the arg-max, which the
    single-label reference reproduces), cx = (tanh(x) + gx) / W', w = sigmoid, then * input size."""
    p = out.permute(1, 2, 0)
    hh, ww = p.shape[:2]
    pobj, preg, pcls = p[..., 0:1], p[..., 1:5], p[..., 5:]
    gy, gx = torch.meshgrid([torch.arange(hh), torch.arange(ww)], indexing="ij")
    bw, bh = preg[..., 2].sigmoid(), preg[..., 3].sigmoid()
    bcx = (preg[..., 0].tanh() + gx) / ww
    bcy = (preg[..., 1].tanh() + gy) / hh
    b = torch.stack([bcx - 0.5 * bw, bcy - 0.5 * bh, bcx + 0.5 * bw, bcy + 0.5 * bh], -1).reshape(-1, 4)
    b = b * torch.tensor([w, h, w, h], dtype=torch.float32)
    return b, ((pobj ** 0.6) * (pcls ** 0.4)).reshape(-1, pcls.shape[-1])


def dec_scrfd(out, h, w):
    """insightface scrfd.py SCRFD.forward: anchor centres (x*stride, y*stride) repeated per anchor, bbox_preds *
    stride, distance2bbox."""
    strides, boxes, scores = (8, 16, 32), [], []
    for idx, stride in enumerate(strides):
        sc, bp = out[idx].numpy(), out[idx + 3].numpy() * stride
        height, width = h // stride, w // stride
        ac = np.stack(np.mgrid[:height, :width][::-1], axis=-1).astype(np.float32)
        ac = (ac * stride).reshape((-1, 2))
        ac = np.stack([ac] * 2, axis=1).reshape((-1, 2))
        boxes.append(np.stack([ac[:, 0] - bp[:, 0], ac[:, 1] - bp[:, 1], ac[:, 0] + bp[:, 2], ac[:, 1] + bp[:, 3]], -1))
        scores.append(sc)
    return torch.from_numpy(np.concatenate(boxes)), torch.from_numpy(np.concatenate(scores))


def dec_yunet(out, h, w):
    """opencv face_detect.cpp FaceDetectorYNImpl::postProcess: score = sqrt(clamp(cls) * clamp(obj)), cx = (c +
    b0) * stride, w = exp(b2) * stride, rect x1 = cx - w/2 (x2 = x1 + w)."""
    boxes, scores = [], []
    for i, s in enumerate((8, 16, 32)):
        cls, obj, bb = out[i][0, :, 0], out[3 + i][0, :, 0], out[6 + i][0]
        cols = w // s
        idx = torch.arange(cls.shape[0])
        c, r = (idx % cols).float(), (idx // cols).float()
        cx, cy = (c + bb[:, 0]) * s, (r + bb[:, 1]) * s
        bw, bh = torch.exp(bb[:, 2]) * s, torch.exp(bb[:, 3]) * s
        x1, y1 = cx - bw / 2.0, cy - bh / 2.0
        boxes.append(torch.stack([x1, y1, x1 + bw, y1 + bh], -1))
        scores.append(torch.sqrt(cls.clamp(0, 1) * obj.clamp(0, 1))[:, None])
    return torch.cat(boxes), torch.cat(scores)


def dec_yolov8(o):
    return torch.cat([o[:2].T - o[2:4].T / 2.0, o[:2].T + o[2:4].T / 2.0], 1), o[4:].T.contiguous()


def rtdetr_ultralytics_rows(out, h, w):
    """ultralytics/models/rtdetr/predict.py postprocess: xywh2xyxy, max score and class per query, > conf (in
    rows_to_dets), boxes * (w, h)."""
    rows = []
    for r in out[0]:
        bb = torch.cat([r[:2] - r[2:4] / 2, r[:2] + r[2:4] / 2]) * torch.tensor([w, h, w, h], dtype=torch.float32)
        s, c = r[4:].max(-1)
        rows.append(bb.tolist() + [float(s), float(c)])
    return [rows]


# ----------------------------------------------------------------------------------------------------------------------
# Export and references
# ----------------------------------------------------------------------------------------------------------------------


def export(model, args, name, inputs, outputs, dynamic=None, meta=None, fixed_dims=None):
    """torch.onnx.export, then the metadata (str() values, as Ultralytics writes them) and, where torch 1.13's
    tracer leaves a size-independent output dimension symbolic, its declared value (fixed_dims: {(output, axis):
    value}; Ultralytics' exports declare output0 [batch, 4+C, anchors])."""
    path = os.path.join(MODELS, name + ".onnx")
    with torch.no_grad():
        torch.onnx.export(model, args, path, opset_version=OPSET, input_names=inputs, output_names=outputs,
                          do_constant_folding=True, dynamic_axes=dynamic)
    m = onnx.load(path)
    for (o, axis), v in (fixed_dims or {}).items():
        d = m.graph.output[o].type.tensor_type.shape.dim[axis]
        d.Clear()
        d.dim_value = v
    for k, v in (meta or {}).items():
        p = m.metadata_props.add()
        p.key, p.value = k, str(v)
    onnx.checker.check_model(m)
    onnx.save(m, path)
    size = os.path.getsize(path)
    assert size < 100 * 1024, (name, size)


def finish(name, layout, shape, dtype, seeds, refs, smin, imin, cands, extra=None):
    if not (smin > MARGIN and imin > MARGIN):
        raise MarginError("%s: score margin %.3g, IoU margin %.3g" % (name, smin, imin))
    if not all(d > 0 for _, d in cands):
        raise MarginError("%s: an image without detections tests little: %s" % (name, cands))
    print("%-18s %-18s candidates/detections %s; score margin %.3g, IoU margin %.3g" % (
        name, layout, cands, smin, imin), file=sys.stderr)
    r = {"name": name, "file": "families/%s.onnx" % name, "layout": layout, "input_shape": list(shape),
         "input_dtype": dtype, "inputs": [{"seed": s, "sha256": sha256(gen_input(shape, s, dtype))} for s in seeds],
         "score_margin": smin, "iou_margin": imin, "references": refs}
    r.update(extra or {})
    return r


def reference_raw(model, xs, decode, cfgs, to_model=lambda x: x):
    """Decode + post-process every image; returns refs, score margin, IoU margin, candidate counts."""
    refs = [{**c, "images": []} for c in cfgs]
    smin, imin, cands = 1.0, 1.0, []
    with torch.no_grad():
        for x in xs:
            out = model(*to_model(x)) if isinstance(to_model(x), tuple) else model(to_model(x))
            boxes, scores = decode(out)
            if not (torch.isfinite(boxes).all() and torch.isfinite(scores).all()):
                raise MarginError("non-finite decode")
            sm, im = raw_margins(boxes, scores, cfgs)
            smin, imin = min(smin, sm), min(imin, im)
            for r, c in zip(refs, cfgs):
                ncand, cs, dets = sg_postprocess(boxes, scores, c["conf"], c["iou"], c["top_k"], c["max_pred"],
                                                 c["multi_label"], c["class_agnostic"])
                if len(set(cs.tolist())) != len(cs):
                    raise MarginError("tied candidate scores")
                smin = min(smin, cut_margins(boxes, scores, c))
                r["images"].append({"candidates": ncand, "detections": dets})
                cands.append((ncand, len(dets)))
    return refs, smin, imin, cands


def raw_family(name, layout, model, shape, seeds, decode, cfgs, inputs, outputs, dtype="float32", dynamic=None,
               meta=None, extra=None):
    xs = [torch.from_numpy(gen_input(shape, s, dtype)) for s in seeds]
    model.calibrate(torch.cat(xs, 0))
    export(model, xs[0], name, inputs, outputs, dynamic, meta)
    refs, smin, imin, cands = reference_raw(model, xs, decode, cfgs)
    return finish(name, layout, shape, dtype, seeds, refs, smin, imin, cands, extra)


def rows_family(name, layout, model, shape, seeds, args_of, to_rows, cfgs, inputs, outputs, margins, dynamic=None,
                meta=None, extra=None):
    """NMS-baked / NMS-free models: the reference is the PyTorch forward read as rows per image."""
    xs = [torch.from_numpy(gen_input(shape, s, "float32")) for s in seeds]
    model.calibrate(torch.cat(xs, 0))
    export(model, args_of(xs[0]), name, inputs, outputs, dynamic, meta)
    refs = [{**c, "images": []} for c in cfgs]
    smin, imin, cands = 1.0, 1.0, []
    with torch.no_grad():
        for x in xs:
            sm, im = margins(model, x, cfgs)
            smin, imin = min(smin, sm), min(imin, im)
            rows = to_rows(model(*args_of(x)))[0]
            for r, c in zip(refs, cfgs):
                dets = rows_to_dets(rows, c["conf"], c["max_pred"])
                r["images"].append({"candidates": len(rows), "detections": dets})
                cands.append((len(rows), len(dets)))
    return finish(name, layout, shape, "float32", seeds, refs, smin, imin, cands, extra)


def nms_margins(raw_of, conf, iou):
    """Margins of an in-graph score threshold and class-aware NMS, from the raw boxes and scores it sees."""
    def m(model, x, cfgs):
        b, s = raw_of(model, x)
        return (score_margin(s, [conf] + [c["conf"] for c in cfgs]),
                class_iou_margin(b, s, conf, [iou]))
    return m


def topk_margins(model, x, cfgs):
    b, s = model.decoded(x)
    srt = s[0].flatten().sort(descending=True).values.double()
    return min(float(srt[model.k - 1] - srt[model.k]), score_margin(srt[: model.k], [c["conf"] for c in cfgs])), 1.0


def query_margins(model, x, cfgs):
    """RT-DETR: thresholds on the queries' best scores (ultralytics) or on the top-Q scores (lyuwenyu)."""
    box, cls = model.decoded(x if not isinstance(x, tuple) else x[0])
    s = torch.sigmoid(cls[0])
    if isinstance(model, RTDETRLyu):
        srt = s.flatten().sort(descending=True).values.double()
        return min(float(srt[model.q - 1] - srt[model.q]), score_margin(srt[: model.q], [c["conf"] for c in cfgs])), 1.0
    return score_margin(s.max(-1).values, [c["conf"] for c in cfgs]), 1.0


def ultralytics_meta(names, imgsz, **over):
    """The metadata dict of ultralytics/engine/exporter.py (8.3.x), written with str() like export_onnx."""
    meta = {
        "description": "Ultralytics YOLOv8n model trained on coco.yaml",
        "author": "Ultralytics",
        "date": "2025-01-15T10:20:30.123456",
        "version": "8.3.40",
        "license": "AGPL-3.0 License (https://ultralytics.com/license)",
        "docs": "https://docs.ultralytics.com",
        "stride": 32,
        "task": "detect",
        "batch": 1,
        "imgsz": imgsz,
        "names": names,
        "args": {"batch": 1, "dynamic": False, "half": False, "int8": False, "nms": False, "opset": None,
                 "simplify": True},
        "channels": 3,
        "end2end": False,
    }
    for k, v in over.items():
        if k == "args":
            meta["args"] = {**meta["args"], **v}
        else:
            meta[k] = v
    return meta


NAMES3 = {0: "person", 1: "o'clock tower", 2: 'café "noir" \\ n'}
SG1 = {**SG, "conf": 0.6, "iou": 0.65, "top_k": 100, "max_pred": 20, "multi_label": False}


def with_classes(m, *a):
    f = m.calibrate
    m.calibrate = lambda x: f(x, *a)
    return m


def main():
    os.makedirs(MODELS, exist_ok=True)
    I = ["images"]
    models = [
        build(31, lambda: raw_family(
            "yolov6", "yolov6", with_classes(YoloV6(320, 320, 2).eval(), 2), (1, 3, 320, 320), [3101],
            lambda o: decode_yolov5(o[0]), [SG, SG1], I, ["outputs"])),
        build(32, lambda: raw_family(
            "ssd", "ssd", with_classes(SSD(240, 320, 2, True).eval(), 2), (1, 3, 240, 320), [3201],
            lambda o: dec_ssd(o, 240, 320), [SG, SG1], ["input"], ["scores", "boxes"])),
        build(33, lambda: raw_family(
            "ssd_priors", "ssd-priors", with_classes(SSD(240, 320, 2, False).eval(), 2), (1, 3, 240, 320), [3301],
            lambda o: dec_ssd_priors(o, 240, 320), [SG, SG1], ["input"], ["scores", "boxes"])),
        build(34, lambda: raw_family(
            "retinaface", "retinaface", RetinaFace(False).eval(), (1, 3, 240, 320), [3401],
            lambda o: dec_retina(o, 240, 320), [SG], ["input0"], ["output0"])),
        build(35, lambda: raw_family(
            "retinaface_concat", "retinaface", RetinaFace(True).eval(), (1, 3, 240, 320), [3501],
            lambda o: dec_retina_concat(o, 240, 320), [SG], ["input0"], ["output0"])),
        build(36, lambda: raw_family(
            "nanodet_plus", "nanodet-plus", with_classes(GFL((8, 16, 32, 64), 3, 7, True).eval(), 3, 32),
            (1, 3, 320, 320), [3601], lambda o: dec_nanodet(o[0], 320, 320, (8, 16, 32, 64), 3, 7, 0.0), [SG, SG1],
            ["data"], ["output"])),
        build(37, lambda: raw_family(
            "nanodet", "nanodet", with_classes(GFL((8, 16, 32), 2, 7, True).eval(), 2, 32), (1, 3, 240, 320),
            [3701], lambda o: dec_nanodet(o[0], 240, 320, (8, 16, 32), 2, 7, 0.5), [SG], ["data"], ["output"])),
        build(38, lambda: raw_family(
            "picodet", "picodet", with_classes(GFL((8, 16, 32, 64), 3, 7, False).eval(), 3, 32), (1, 3, 320, 320),
            [3801], lambda o: dec_picodet(o, 320, 320, (8, 16, 32, 64), 3, 7), [SG], ["image"],
            ["transpose_%d.tmp_0" % i for i in range(8)])),
        build(39, lambda: raw_family(
            "fastestdet", "fastestdet", with_classes(FastestDet(3).eval(), 3), (1, 3, 352, 352), [3901],
            lambda o: dec_fastestdet(o[0], 352, 352), [SG, SG1], ["input.1"], None)),
        build(40, lambda: raw_family(
            "scrfd", "scrfd", SCRFD().eval(), (1, 3, 320, 320), [4001], lambda o: dec_scrfd(o, 320, 320), [SG],
            ["input.1"], ["score_8", "score_16", "score_32", "bbox_8", "bbox_16", "bbox_32", "kps_8", "kps_16",
                          "kps_32"])),
        build(41, lambda: raw_family(
            "yunet", "yunet", YuNet().eval(), (1, 3, 320, 320), [4101], lambda o: dec_yunet(o, 320, 320), [SG],
            ["input"], ["%s_%d" % (r, s) for r in ("cls", "obj", "bbox", "kps") for s in (8, 16, 32)])),
        build(42, lambda: rows_family(
            "rtdetr", "rtdetr", with_classes(RTDETRLyu(40, 3).eval(), 3), (1, 3, 320, 320), [4201, 4202],
            lambda x: (x, torch.tensor([[320, 320]], dtype=torch.int64)),
            lambda out: [[out[1][0, i].tolist() + [float(out[2][0, i]), float(out[0][0, i])] for i in range(40)]],
            [{"conf": 0.0, "max_pred": 300}, {"conf": 0.5, "max_pred": 10}], ["images", "orig_target_sizes"],
            ["labels", "boxes", "scores"], query_margins,
            dynamic={"images": {0: "N"}, "orig_target_sizes": {0: "N"}})),
        build(43, lambda: rows_family(
            "rtdetr_ultralytics", "rtdetr-ultralytics", with_classes(RTDETRUltralytics(40, 3).eval(), 3),
            (1, 3, 320, 320), [4301], lambda x: (x,), lambda out: rtdetr_ultralytics_rows(out, 320, 320),
            [{"conf": 0.25, "max_pred": 300}, {"conf": 0.5, "max_pred": 10}], I, ["output0"], query_margins,
            meta=ultralytics_meta(NAMES3, [320, 320], description="Ultralytics rtdetr-l model trained on coco.yaml",
                                  head="RTDETRDecoder"))),
        build(44, lambda: rows_family(
            "paddle_nms", "paddle-nms", with_classes(PaddleNMS(3, 0.3, 0.5, 40).eval(), 3), (1, 3, 256, 320), [4401],
            lambda x: (x, torch.tensor([[1.0, 1.0]]), torch.tensor([[256.0, 320.0]])),
            lambda out: [[r[2:6] + [r[1], r[0]] for r in out[0].tolist()]],
            [{"conf": 0.0, "max_pred": 300}, {"conf": 0.5, "max_pred": 10}], ["image", "scale_factor", "im_shape"],
            ["multiclass_nms3_0.tmp_0", "multiclass_nms3_0.tmp_2"],
            nms_margins(lambda m, x: (lambda b, s: (b[0].clamp(min=0).minimum(torch.tensor([320.0, 256.0, 320.0, 256.0])), s[0]))(*m.raw(x)), 0.3, 0.5))),
        build(45, lambda: rows_family(
            "ultralytics_nms", "ultralytics-nms", with_classes(Rows6(3, 30, True).eval(), 3), (1, 3, 320, 320), [4501],
            lambda x: (x,), lambda out: [out[0].tolist()],
            [{"conf": 0.0, "max_pred": 300}, {"conf": 0.5, "max_pred": 10}], I, ["output0"],
            nms_margins(lambda m, x: (lambda b, s: (b[0], s[0].max(-1, keepdim=True).values))(*m.decoded(x)), 0.3, 0.5),
            meta=ultralytics_meta(NAMES3, [320, 320], args={"nms": True, "conf": 0.3, "iou": 0.5}))),
        build(46, lambda: rows_family(
            "end2end_meta", "end2end", with_classes(Rows6(3, 30, False).eval(), 3), (1, 3, 320, 320), [4601],
            lambda x: (x,), lambda out: [out[0].tolist()],
            [{"conf": 0.0, "max_pred": 300}, {"conf": 0.5, "max_pred": 10}], I, ["output0"], topk_margins,
            meta=ultralytics_meta(NAMES3, [320, 320], description="Ultralytics YOLO26n model trained on coco.yaml",
                                  end2end=True, head="Detect"))),
        build(47, lambda: raw_family(
            "yolov8_meta", "yolov8", with_classes(YoloV8(3).eval(), 3), (1, 3, 320, 320), [4701],
            lambda o: dec_yolov8(o[0]), [SG], I, ["output0"], meta=ultralytics_meta(NAMES3, [320, 320]),
            extra={"metadata": {k: str(v) for k, v in ultralytics_meta(NAMES3, [320, 320]).items()}})),
        build(48, dynhw_family),
        build(49, lambda: raw_family(
            "yolov8_nhwc", "yolov8", with_classes(YoloV8(2, nhwc=True).eval(), 2), (1, 256, 320, 3), [4901],
            lambda o: dec_yolov8(o[0]), [SG], I, ["output0"])),
    ]
    with open(os.path.join(OUT, "families.json"), "w") as f:
        json.dump({"torch": torch.__version__, "torchvision": torchvision.__version__, "models": models}, f,
                  sort_keys=True, separators=(",", ":"))
        f.write("\n")


def dynhw_family():
    """A YOLOv8-layout model with symbolic batch, height and width (Ultralytics dynamic=True: dynamic axes images
    {0: batch, 2: height, 3: width}, output0 {0: batch, 2: anchors}) and its references at 320x320 and 256x320."""
    name, model = "yolov8_dynhw", with_classes(YoloV8(2).eval(), 2)
    sizes = [(320, 320), (256, 320)]
    seeds = [4801, 4802]
    xs = [torch.from_numpy(gen_input((1, 3, h, w), s, "float32")) for (h, w), s in zip(sizes, seeds)]
    model.calibrate(xs[0])
    meta = ultralytics_meta({0: "a", 1: "b"}, [320, 320], args={"dynamic": True})
    export(model, xs[0], name, ["images"], ["output0"],
           {"images": {0: "batch", 2: "height", 3: "width"}, "output0": {0: "batch", 2: "anchors"}}, meta, {(0, 1): 6})
    per_size = []
    smin, imin, cands = 1.0, 1.0, []
    for (h, w), s, x in zip(sizes, seeds, xs):
        refs, sm, im, c = reference_raw(model, [x], lambda o: dec_yolov8(o[0]), [SG])
        smin, imin, cands = min(smin, sm), min(imin, im), cands + c
        per_size.append({"input_shape": [1, 3, h, w], "seed": s,
                         "sha256": sha256(gen_input((1, 3, h, w), s, "float32")), "references": refs})
    r = finish(name, "yolov8", (1, 3, 320, 320), "float32", [seeds[0]], per_size[0]["references"], smin, imin, cands,
               {"sizes": per_size})
    return r


if __name__ == "__main__":
    main()
