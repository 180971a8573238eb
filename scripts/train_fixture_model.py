#!/usr/bin/python3
"""Train detparity's fixture person detector and export it as ONNX in the YOLO-NAS traced layout.

Run with Debian's interpreter (python3-torch 1.13, python3-opencv, python3-numpy), from the repository root:

    /usr/bin/python3 scripts/train_fixture_model.py --out fixtures/model

What it does, in order:
1. Generates training scenes with the Go generator (`go run ./fixtures/scenegen`, seed 1000, a different seed from the
   committed evaluation set which uses seed 1), unless the work folder already holds them.
2. Preprocesses every scene exactly like super-gradients YOLO-NAS `predict()` with the COCO processing parameters
   (super-gradients 3.7.1, src/super_gradients/training/processing/processing.py,
   default_yolo_nas_coco_processing_params): cv2.imread (BGR) -> RGB; r = min(636/h, 636/w); resize to round(w*r) x round(h*r)
   (Python round(), half-to-even) with cv2.INTER_LINEAR; centre pad to 640x640 with 114 (odd pixel bottom/right);
   float32 /255; NCHW. No aspect-ratio jitter: the only augmentation is a horizontal flip.
3. Trains a small fully convolutional detector (stride-16 CenterNet-style heatmap + ltrb distances) with a fixed seed.
4. Exports ONNX (opset 10, so that OpenCV 4.6's DNN importer — the second runtime of `detparity compare-backends` —
   can read its Clip; ONNX Runtime gives bit-identical outputs at opset 10 and 13): input `images` [1,3,640,640] float32; outputs `boxes` [1,1600,4] x1y1x2y2 in input pixels and
   `scores` [1,1600,1] after sigmoid — the YOLO-NAS traced export layout. Also saves the PyTorch weights
   (detector.pt) and evaluates both preprocessings on the evaluation set (F1 at confidence 0.8).

No weight is set by hand; everything is learned from the generated scenes.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import time

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

TENSOR = 640
INNER = 636
STRIDE = 16
GRID = TENSOR // STRIDE
PAD = 114


def sg_coco_letterbox(bgr):
    """super-gradients YOLO-NAS predict() preprocessing for COCO weights; returns uint8 HWC RGB and (r, top, left)."""
    h, w = bgr.shape[:2]
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    r = min(INNER / h, INNER / w)
    nw, nh = round(w * r), round(h * r)
    resized = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_LINEAR)
    top = (TENSOR - nh) // 2
    left = (TENSOR - nw) // 2
    out = cv2.copyMakeBorder(resized, top, TENSOR - nh - top, left, TENSOR - nw - left, cv2.BORDER_CONSTANT,
                             value=(PAD, PAD, PAD))
    return out, (r, r, top, left)


def stretch(bgr):
    """The seed's bug: resize straight to 640x640, separate x/y ratios."""
    h, w = bgr.shape[:2]
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    out = cv2.resize(rgb, (TENSOR, TENSOR), interpolation=cv2.INTER_LINEAR)
    return out, (TENSOR / w, TENSOR / h, 0, 0)


def read_labels(path, w, h):
    boxes = []
    if not os.path.exists(path):
        return np.zeros((0, 4), np.float32)
    with open(path) as f:
        for ln, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 5:
                raise ValueError(f"{path}:{ln}: expected 'class cx cy w h', got {line!r}")
            _, cx, cy, bw, bh = map(float, parts)
            boxes.append([(cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h])
    return np.array(boxes, np.float32).reshape(-1, 4)


def load_set(folder, prep):
    names = sorted(os.listdir(os.path.join(folder, "images")))
    imgs, labels, geoms = [], [], []
    for n in names:
        bgr = cv2.imread(os.path.join(folder, "images", n), cv2.IMREAD_COLOR)
        if bgr is None:
            raise ValueError(f"{folder}/images/{n}: cannot decode")
        h, w = bgr.shape[:2]
        t, g = prep(bgr)
        b = read_labels(os.path.join(folder, "labels", os.path.splitext(n)[0] + ".txt"), w, h)
        sx, sy, top, left = g
        tb = b.copy()
        tb[:, [0, 2]] = b[:, [0, 2]] * sx + left
        tb[:, [1, 3]] = b[:, [1, 3]] * sy + top
        imgs.append(t)
        labels.append(tb)
        geoms.append((g, b))
    return names, imgs, labels, geoms


def cbr(i, o, k=3, s=1, d=1):
    return nn.Sequential(nn.Conv2d(i, o, k, s, padding=d * (k // 2), dilation=d, bias=False), nn.BatchNorm2d(o),
                         nn.ReLU(inplace=True))


class Detector(nn.Module):
    """Stride-16 single-scale detector; forward returns (boxes [B,N,4] x1y1x2y2 input px, scores [B,N,1] sigmoid)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 24, 4, 4, bias=False), nn.BatchNorm2d(24), nn.ReLU(inplace=True))
        self.s8 = nn.Sequential(cbr(24, 32, s=2), cbr(32, 32))
        self.s16 = nn.Sequential(cbr(32, 64, s=2), cbr(64, 64), cbr(64, 64))
        self.s32 = nn.Sequential(cbr(64, 128, s=2), cbr(128, 128), cbr(128, 128, d=2))
        self.s64 = nn.Sequential(cbr(128, 128, s=2), cbr(128, 128))
        self.u32 = cbr(256, 128)
        self.u16 = nn.Sequential(cbr(192, 64), cbr(64, 64))
        self.head = nn.Conv2d(64, 5, 1)
        nn.init.constant_(self.head.bias[0], -4.6)  # prior 0.01 for the focal heatmap loss (standard init, not a result)
        ys, xs = torch.meshgrid(torch.arange(GRID), torch.arange(GRID), indexing="ij")
        centres = torch.stack([(xs.flatten() + 0.5) * STRIDE, (ys.flatten() + 0.5) * STRIDE], -1).float()
        self.register_buffer("centres", centres.unsqueeze(0), persistent=False)

    def raw(self, x):
        a = self.s16(self.s8(self.stem(x)))
        b = self.s32(a)
        c = self.s64(b)
        b = self.u32(torch.cat([F.interpolate(c, scale_factor=2.0, mode="nearest"), b], 1))
        a = self.u16(torch.cat([F.interpolate(b, scale_factor=2.0, mode="nearest"), a], 1))
        return self.head(a).flatten(2).permute(0, 2, 1)  # [B, N, 5], N row-major over the 40x40 grid

    @staticmethod
    def ltrb(raw):
        return torch.exp(raw[..., 1:5].clamp(-4.0, 6.0)) * STRIDE

    def forward(self, x):
        r = self.raw(x)
        d = self.ltrb(r)
        c = self.centres
        boxes = torch.cat([c - d[..., 0:2], c + d[..., 2:4]], -1)
        return boxes, torch.sigmoid(r[..., 0:1])


def targets(label_boxes):
    """Heatmap target [N] and regression mask/ltrb [N,4] for one image's tensor-space boxes."""
    n = GRID * GRID
    heat = np.zeros(n, np.float32)
    reg = np.zeros((n, 4), np.float32)
    regw = np.zeros(n, np.float32)
    cx = (np.arange(GRID) + 0.5) * STRIDE
    for x1, y1, x2, y2 in label_boxes:
        w, h = x2 - x1, y2 - y1
        if w <= 1 or h <= 1:
            continue
        ocx, ocy = (x1 + x2) / 2, (y1 + y2) / 2
        sx, sy = max(0.6, w / STRIDE / 6), max(0.6, h / STRIDE / 6)
        gx = np.exp(-((cx - ocx) / STRIDE) ** 2 / (2 * sx * sx))
        gy = np.exp(-((cx - ocy) / STRIDE) ** 2 / (2 * sy * sy))
        g = np.outer(gy, gx).flatten()
        ci = int(min(GRID - 1, ocy // STRIDE)) * GRID + int(min(GRID - 1, ocx // STRIDE))
        g[ci] = 1.0
        heat = np.maximum(heat, g)
        # regression where the cell centre is inside the box and the Gaussian is strong
        yy, xx = np.meshgrid(cx, cx, indexing="ij")
        yy, xx = yy.flatten(), xx.flatten()
        inside = (xx > x1) & (xx < x2) & (yy > y1) & (yy < y2) & (g > 0.3)
        inside[ci] = True
        upd = inside & (g >= regw)
        reg[upd] = np.stack([xx[upd] - x1, yy[upd] - y1, x2 - xx[upd], y2 - yy[upd]], -1)
        regw[upd] = g[upd]
    return heat, reg, regw


def giou(pred, tgt):
    # both [M,4] ltrb distances from the same centre
    pl, pt, pr, pb = pred.unbind(-1)
    tl, tt, tr, tb = tgt.unbind(-1)
    iw = torch.min(pl, tl) + torch.min(pr, tr)
    ih = torch.min(pt, tt) + torch.min(pb, tb)
    inter = iw.clamp(min=0) * ih.clamp(min=0)
    union = (pl + pr) * (pt + pb) + (tl + tr) * (tt + tb) - inter
    cw = torch.max(pl, tl) + torch.max(pr, tr)
    ch = torch.max(pt, tt) + torch.max(pb, tb)
    enc = cw * ch
    iou = inter / union.clamp(min=1e-6)
    return iou - (enc - union) / enc.clamp(min=1e-6)


def nms(boxes, scores, iou):
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        xx1 = np.maximum(boxes[i, 0], boxes[rest, 0])
        yy1 = np.maximum(boxes[i, 1], boxes[rest, 1])
        xx2 = np.minimum(boxes[i, 2], boxes[rest, 2])
        yy2 = np.minimum(boxes[i, 3], boxes[rest, 3])
        inter = np.clip(xx2 - xx1, 0, None) * np.clip(yy2 - yy1, 0, None)
        a = (boxes[i, 2] - boxes[i, 0]) * (boxes[i, 3] - boxes[i, 1])
        b = (boxes[rest, 2] - boxes[rest, 0]) * (boxes[rest, 3] - boxes[rest, 1])
        ious = inter / np.maximum(a + b - inter, 1e-12)
        order = rest[ious <= iou]
    return np.array(keep, dtype=np.int64)


def box_iou(a, b):
    xx1 = np.maximum(a[:, None, 0], b[None, :, 0])
    yy1 = np.maximum(a[:, None, 1], b[None, :, 1])
    xx2 = np.minimum(a[:, None, 2], b[None, :, 2])
    yy2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(xx2 - xx1, 0, None) * np.clip(yy2 - yy1, 0, None)
    aa = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    bb = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(aa[:, None] + bb[None, :] - inter, 1e-12)


def evaluate(model, folder, prep, conf=0.8, iou_nms=0.7):
    """F1 at conf (greedy matching by score, IoU >= 0.5) with boxes mapped back to source pixels."""
    names, imgs, _, geoms = load_set(folder, prep)
    tp = fp = fn = 0
    model.eval()
    with torch.no_grad():
        for t, ((sx, sy, top, left), gt) in zip(imgs, geoms):
            x = torch.from_numpy(t).permute(2, 0, 1).unsqueeze(0).float() / 255.0
            boxes, scores = model(x)
            b, s = boxes[0].numpy(), scores[0, :, 0].numpy()
            m = s > conf
            b, s = b[m], s[m]
            k = nms(b, s, iou_nms)
            b, s = b[k], s[k]
            b[:, [0, 2]] = (b[:, [0, 2]] - left) / sx
            b[:, [1, 3]] = (b[:, [1, 3]] - top) / sy
            used = np.zeros(len(gt), bool)
            ious = box_iou(b, gt) if len(gt) and len(b) else np.zeros((len(b), len(gt)))
            for i in range(len(b)):
                cand = np.where(~used, ious[i], -1.0) if len(gt) else np.array([])
                if len(gt) and cand.max() >= 0.5:
                    used[int(cand.argmax())] = True
                    tp += 1
                else:
                    fp += 1
            fn += int((~used).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return dict(images=len(names), tp=tp, fp=fp, fn=fn, precision=p, recall=r, f1=f1)


def export_onnx(model, path):
    """The YOLO-NAS traced layout: images [1,3,640,640] -> boxes [1,N,4] x1y1x2y2 input px, scores [1,N,1]."""
    model.eval()
    dummy = torch.zeros(1, 3, TENSOR, TENSOR)
    torch.onnx.export(model, dummy, path, opset_version=10, input_names=["images"],
                      output_names=["boxes", "scores"], do_constant_folding=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="fixtures/model", help="folder for detector.onnx, detector.pt, train_metrics.json")
    ap.add_argument("--work", default="/tmp/detparity-train", help="folder for generated training scenes")
    ap.add_argument("--eval", default="fixtures/eval", help="evaluation set (YOLO layout)")
    ap.add_argument("--train-n", type=int, default=4000)
    ap.add_argument("--data-seed", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--export-only", action="store_true",
                    help="re-export OUT/detector.onnx from OUT/detector.pt without training")
    a = ap.parse_args()
    if a.export_only:
        model = Detector()
        model.load_state_dict(torch.load(os.path.join(a.out, "detector.pt")))
        export_onnx(model, os.path.join(a.out, "detector.onnx"))
        print(f"wrote {os.path.join(a.out, 'detector.onnx')} from detector.pt")
        return 0

    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    random.seed(a.seed)
    torch.set_num_threads(a.threads)
    t0 = time.time()

    train_dir = os.path.join(a.work, f"seed{a.data_seed}-n{a.train_n}")
    if not os.path.exists(os.path.join(train_dir, "DONE")):
        subprocess.run(["go", "run", "./fixtures/scenegen", "-out", train_dir, "-seed", str(a.data_seed),
                        "-n", str(a.train_n), "-quality", "85"], check=True)
        open(os.path.join(train_dir, "DONE"), "w").close()
    _, imgs, labels, _ = load_set(train_dir, sg_coco_letterbox)
    imgs = np.stack(imgs)  # [M,640,640,3] uint8 RGB
    tg = [targets(l) for l in labels]
    heat = torch.from_numpy(np.stack([t[0] for t in tg]))
    reg = torch.from_numpy(np.stack([t[1] for t in tg]))
    regw = torch.from_numpy(np.stack([t[2] for t in tg]))
    # flipped targets: recompute from flipped boxes
    flipped = []
    for l in labels:
        f = l.copy()
        f[:, 0], f[:, 2] = TENSOR - l[:, 2], TENSOR - l[:, 0]
        flipped.append(targets(f))
    fheat = torch.from_numpy(np.stack([t[0] for t in flipped]))
    freg = torch.from_numpy(np.stack([t[1] for t in flipped]))
    fregw = torch.from_numpy(np.stack([t[2] for t in flipped]))
    t_data = time.time() - t0
    print(f"data: {len(imgs)} scenes, {sum(len(l) for l in labels)} persons, {t_data:.0f} s", flush=True)

    model = Detector()
    steps_per_epoch = len(imgs) // a.batch
    total = steps_per_epoch * a.epochs
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=total, pct_start=0.1)
    gen = torch.Generator().manual_seed(a.seed)
    step = 0
    t1 = time.time()
    for ep in range(a.epochs):
        model.train()
        perm = torch.randperm(len(imgs), generator=gen)
        flip = torch.rand(len(imgs), generator=gen) < 0.5
        run = 0.0
        for bi in range(steps_per_epoch):
            idx = perm[bi * a.batch:(bi + 1) * a.batch]
            fl = flip[idx]
            x = torch.from_numpy(imgs[idx.numpy()]).permute(0, 3, 1, 2).float() / 255.0
            x = torch.where(fl[:, None, None, None], x.flip(3), x)
            h = torch.where(fl[:, None], fheat[idx], heat[idx])
            rg = torch.where(fl[:, None, None], freg[idx], reg[idx])
            rw = torch.where(fl[:, None], fregw[idx], regw[idx])
            raw = model.raw(x)
            p = torch.sigmoid(raw[..., 0]).clamp(1e-6, 1 - 1e-6)
            pos = h >= 1.0
            npos = pos.sum().clamp(min=1)
            lpos = -((1 - p) ** 2 * torch.log(p))[pos].sum()
            lneg = -(((1 - h) ** 4) * p ** 2 * torch.log(1 - p))[~pos].sum()
            lcls = (lpos + lneg) / npos
            m = rw > 0
            if m.any():
                pd = Detector.ltrb(raw)[m]
                lreg = ((1 - giou(pd, rg[m])) * rw[m]).sum() / rw[m].sum()
            else:
                lreg = raw.sum() * 0
            loss = lcls + 2.0 * lreg
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            run += loss.item()
            if bi % 50 == 49:
                print(f"epoch {ep + 1}/{a.epochs} step {bi + 1}/{steps_per_epoch} loss {run / 50:.4f} "
                      f"cls {lcls.item():.3f} reg {lreg.item():.3f} {time.time() - t1:.0f} s", flush=True)
                run = 0.0
    t_train = time.time() - t1
    model.eval()
    os.makedirs(a.out, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(a.out, "detector.pt"))
    onnx_path = os.path.join(a.out, "detector.onnx")
    export_onnx(model, onnx_path)
    metrics = {"train_seconds": round(t_train), "data_seconds": round(t_data), "threads": a.threads,
               "args": vars(a), "torch": torch.__version__, "opencv": cv2.__version__}
    if os.path.isdir(a.eval):
        for name, prep in (("sg-coco", sg_coco_letterbox), ("stretch", stretch)):
            metrics[name] = evaluate(model, a.eval, prep)
            print(name, json.dumps(metrics[name]), flush=True)
    with open(os.path.join(a.out, "train_metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1, sort_keys=True)
    print(f"wrote {onnx_path}; training {t_train:.0f} s, total {time.time() - t0:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
