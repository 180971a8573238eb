#!/usr/bin/python3
"""Generate the reference data for the Go package detect/ (run from the repository root):

    /usr/bin/python3 scripts/make_detect_testdata.py

Needs Debian's python3-torch (1.13) and python3-torchvision (0.14.1). Deterministic: fixed seeds, sorted JSON keys.

Writes
  detect/testdata/nms_cases.json      random box sets and the indices kept by torchvision.ops.nms and
                                      torchvision.ops.batched_nms (the oracle the Go NMS must equal).
  detect/testdata/tiny_yolonas.onnx   a small random-weight network in the YOLO-NAS raw layout
                                      (input "images" [1,3,640,640]; outputs "boxes" [1,400,4] x1y1x2y2 in input pixels
                                      and "scores" [1,400,2] after sigmoid; stride-32 grid; opset 13).
  detect/testdata/tiny_reference.json the PyTorch outputs of that network on a generated input, and the detections of
                                      super-gradients' predict() post-processing computed from them with torchvision.

The input tensor is not stored: it is a splitmix64 stream (see tiny_input below) that the Go test regenerates; its
SHA-256 is stored so both sides prove they fed the same bytes.

Tie rule. torchvision's CPU nms orders boxes with `scores.sort(0, descending=True)`. In torch 1.13 that is libstdc++
std::sort (introsort): it is an insertion sort, hence stable, for at most 16 elements, and an arbitrary (deterministic,
but implementation-defined) order of equal scores beyond that. The Go port always breaks ties by the lower index.
Cases with exact score ties are therefore kept at <= 16 boxes, and this script asserts that torch's sort equals the
stable order on each of them; the larger cases have distinct scores (asserted too).
"""

import hashlib
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "detect", "testdata")

# ----------------------------------------------------------------------------------------------------------------------
# (a) NMS cases
# ----------------------------------------------------------------------------------------------------------------------


def q64(a):
    """Round to a multiple of 1/64: exact in float32 and short in JSON, so Go parses the very same float32."""
    return np.round(np.asarray(a, dtype=np.float64) * 64.0) / 64.0


def make_boxes(rng, n, spread=200.0, size=60.0, degenerate=0.1, duplicate=0.1):
    """Clustered boxes (so that many overlap), some degenerate (zero width/height, inverted), some exact duplicates."""
    n_centres = max(1, n // 6)
    centres = rng.uniform(-20.0, spread, size=(n_centres, 2))
    c = centres[rng.integers(0, n_centres, size=n)] + rng.normal(0.0, size / 4.0, size=(n, 2))
    wh = rng.uniform(size / 4.0, size, size=(n, 2))
    b = np.concatenate([c - wh / 2.0, c + wh / 2.0], axis=1)
    for i in range(n):
        u = rng.uniform()
        if u < degenerate / 3.0:
            b[i, 2] = b[i, 0]  # zero width
        elif u < 2.0 * degenerate / 3.0:
            b[i, 1], b[i, 3] = b[i, 3], b[i, 1]  # inverted (y2 < y1)
        elif u < degenerate:
            b[i, 2:] = b[i, :2]  # a point
        elif u < degenerate + duplicate and i > 0:
            b[i] = b[rng.integers(0, i)]  # exact duplicate of an earlier box
    return q64(b)


def torch_sort_is_stable(scores):
    got = torch.as_tensor(scores, dtype=torch.float32).sort(0, descending=True)[1].numpy()
    want = np.argsort(-np.asarray(scores, dtype=np.float32), kind="stable")
    return bool((got == want).all())


def nms_case(name, boxes, scores, classes, iou):
    bt = torch.tensor(boxes, dtype=torch.float32)
    st = torch.tensor(scores, dtype=torch.float32)
    ct = torch.tensor(classes, dtype=torch.int64)
    ties = len(set(np.asarray(scores, dtype=np.float32).tolist())) < len(scores)
    if ties:
        # Equal scores only where torch's sort is provably stable (see module docstring).
        assert len(scores) <= 16, name
        assert torch_sort_is_stable(scores), name
    keep = torchvision.ops.nms(bt, st, iou)
    bkeep = torchvision.ops.batched_nms(bt, st, ct, iou)
    return {
        "name": name,
        "boxes": [[float(v) for v in row] for row in boxes],
        "scores": [float(v) for v in scores],
        "classes": [int(v) for v in classes],
        "iou": iou,
        "ties": ties,
        # torchvision 0.14 batched_nms: coordinate trick up to 4000 box values on CPU, per-class loop beyond.
        "batched_path": "vanilla" if bt.numel() > 4000 else "coordinate_trick",
        "nms": keep.tolist(),
        "batched_nms": bkeep.tolist(),
    }


def nms_cases():
    rng = np.random.default_rng(20240601)
    cases = []
    # Hand-made corner cases.
    dup = [[10, 10, 50, 50]] * 4 + [[12, 12, 52, 52], [100, 100, 100, 140], [30, 30, 20, 20], [0, 0, 0, 0]]
    cases.append(nms_case("duplicates_tied", q64(dup), [0.5] * 8, [0, 0, 1, 1, 0, 0, 0, 0], 0.7))
    cases.append(nms_case("duplicates_iou1", q64(dup), [0.5, 0.75, 0.5, 0.75, 0.5, 0.5, 0.5, 0.5], [0] * 8, 1.0))
    cases.append(nms_case("duplicates_iou0", q64(dup), [0.25, 0.75, 0.5, 0.75, 0.5, 0.5, 0.5, 0.5], [0] * 8, 0.0))
    cases.append(nms_case("single", q64([[1, 2, 3, 4]]), [0.125], [3], 0.5))
    # Boxes whose IoU is exactly 0.5 with the first: suppressed only when IoU > threshold, not >=.
    half = [[0, 0, 10, 10], [0, 0, 10, 5], [0, 0, 5, 10], [5, 0, 15, 10]]
    cases.append(nms_case("iou_exactly_half", q64(half), [0.9, 0.8, 0.7, 0.6], [0, 0, 0, 0], 0.5))
    # Small cases with many exact ties (scores drawn from a handful of values), several classes.
    levels = np.array([0.25, 0.5, 0.625, 0.75, 0.875])
    for k in range(24):
        n = int(rng.integers(4, 17))
        boxes = make_boxes(rng, n, spread=60.0, size=40.0, degenerate=0.15, duplicate=0.25)
        scores = levels[rng.integers(0, 3 if k % 2 else 5, size=n)]
        classes = rng.integers(0, 1 + k % 3, size=n)
        iou = [0.3, 0.5, 0.7, 0.45][k % 4]
        cases.append(nms_case("ties_%02d" % k, boxes, scores, classes, iou))
    # Larger cases with distinct scores.
    for k, (n, ncls, iou) in enumerate([(50, 1, 0.5), (120, 3, 0.7), (300, 5, 0.45), (800, 4, 0.65), (1100, 4, 0.7)]):
        boxes = np.round(make_boxes(rng, n, spread=600.0, size=120.0) * 4.0) / 4.0  # quarter pixels: shorter JSON
        scores = (rng.permutation(n) + 1) / 2048.0  # distinct, exact in float32
        classes = rng.integers(0, ncls, size=n)
        cases.append(nms_case("random_%d_n%d" % (k, n), boxes, scores, classes, iou))
    assert any(c["batched_path"] == "vanilla" for c in cases)
    return cases


# ----------------------------------------------------------------------------------------------------------------------
# (b) tiny YOLO-NAS-layout model
# ----------------------------------------------------------------------------------------------------------------------

STRIDE = 32
SIZE = 640
M64 = (1 << 64) - 1


def tiny_input(seed=7):
    """[1,3,640,640] float32 in [0,1): element i is the top 24 bits of splitmix64(seed + i) / 2**24 (exact)."""
    n = 3 * SIZE * SIZE
    with np.errstate(over="ignore"):
        z = (np.arange(n, dtype=np.uint64) + np.uint64(seed)) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    v = (z >> np.uint64(40)).astype(np.float64) / float(1 << 24)
    return v.astype(np.float32).reshape(1, 3, SIZE, SIZE)


class TinyYoloNAS(nn.Module):
    """Three strided convs to a 20x20 (stride 32) grid; per anchor ltrb distances (softplus * 96 px) around the cell
    centre give x1y1x2y2 boxes, and 2 sigmoid class scores: the YOLO-NAS raw output layout."""

    def __init__(self, num_classes=2):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 8, 3, stride=4, padding=1),
            nn.ReLU(),
            nn.Conv2d(8, 8, 3, stride=4, padding=1),
            nn.ReLU(),
            nn.Conv2d(8, 8, 3, stride=2, padding=1),
            nn.ReLU(),
        )
        self.reg = nn.Conv2d(8, 4, 1)
        self.cls = nn.Conv2d(8, num_classes, 1)
        g = SIZE // STRIDE
        ys, xs = torch.meshgrid(torch.arange(g, dtype=torch.float32), torch.arange(g, dtype=torch.float32), indexing="ij")
        centres = torch.stack([xs, ys], dim=-1).reshape(1, g * g, 2) * STRIDE + STRIDE / 2.0
        self.register_buffer("centres", centres)

    def forward(self, x):
        f = self.body(x)
        d = F.softplus(self.reg(f)).flatten(2).permute(0, 2, 1) * 96.0  # [1,N,4] l,t,r,b in pixels
        boxes = torch.cat([self.centres - d[..., :2], self.centres + d[..., 2:]], dim=-1)
        scores = torch.sigmoid(self.cls(f)).flatten(2).permute(0, 2, 1)  # [1,N,C]
        return boxes, scores

    @torch.no_grad()
    def calibrate(self, x):
        """Random convs on a noise image give nearly constant head outputs; rescale each head channel (weights and
        bias, so the exported graph is unchanged in form) to a chosen mean and std over the grid, so that scores
        spread over (0,1) and neighbouring boxes overlap around the NMS threshold: a useful test of both."""
        f = self.body(x)
        for conv, target, spread in ((self.reg, 0.5, 0.4), (self.cls, -0.9, 1.5)):
            out = conv(f)
            mean = out.mean(dim=(0, 2, 3))
            std = out.std(dim=(0, 2, 3))
            k = spread / std
            conv.weight.mul_(k[:, None, None, None])
            conv.bias.copy_((conv.bias - mean) * k + target)


def sg_postprocess(boxes, scores, conf, iou, top_k, max_pred, multi_label, class_agnostic):
    """super-gradients PPYoloEPostPredictionCallback.forward (the YOLO-NAS predict() path), one image, written from its
    documented steps: score filter (> conf multi-label via nonzero in (anchor, class) order; >= conf on the arg-max
    otherwise), top-k when more than top_k candidates, class-aware torchvision batched_nms (plain nms when
    class_agnostic), first max_pred kept."""
    if multi_label:
        i, j = (scores > conf).nonzero(as_tuple=False).T
        b, s, lab, anchor = boxes[i], scores[i, j], j, i
    else:
        s, lab = torch.max(scores, dim=1)
        m = s >= conf
        anchor = torch.arange(scores.shape[0])[m]
        s, lab, b = s[m], lab[m], boxes[m]
    ncand = int(s.shape[0])
    if s.shape[0] > top_k:
        t = torch.topk(s, k=top_k, largest=True).indices
        b, s, lab, anchor = b[t], s[t], lab[t], anchor[t]
    if class_agnostic:
        keep = torchvision.ops.nms(b, s, iou)[:max_pred]
    else:
        keep = torchvision.ops.batched_nms(b, s, lab, iou)[:max_pred]
    dets = []
    for k in keep.tolist():
        dets.append({
            "box": [f32(v) for v in b[k].tolist()],
            "score": f32(s[k].item()),
            "class": int(lab[k]),
            "anchor": int(anchor[k]),
        })
    return ncand, s, dets


def f32(v):
    """Shortest decimal that round-trips this float32 (Go decodes it with strconv.ParseFloat(s, 32))."""
    return float(np.format_float_positional(np.float32(v), unique=True, trim="-"))


def sha256_f32(a):
    return hashlib.sha256(np.ascontiguousarray(a, dtype="<f4").tobytes()).hexdigest()


def tiny_model():
    torch.manual_seed(1234)
    model = TinyYoloNAS().eval()
    x = tiny_input()
    model.calibrate(torch.from_numpy(x))
    onnx_path = os.path.join(OUT, "tiny_yolonas.onnx")
    with torch.no_grad():
        boxes, scores = model(torch.from_numpy(x))
        torch.onnx.export(
            model, torch.from_numpy(x), onnx_path, opset_version=13, input_names=["images"],
            output_names=["boxes", "scores"], do_constant_folding=True,
        )
    assert os.path.getsize(onnx_path) < 200 * 1024
    b0, s0 = boxes[0], scores[0]
    n, c = s0.shape
    configs = [
        # The brief's configuration: 341 survive NMS, so max_pred=300 cuts.
        {"name": "sg_multilabel_conf0.3", "conf": 0.3, "iou": 0.7, "top_k": 1024, "max_pred": 300, "multi_label": True,
         "class_agnostic": False},
        {"name": "sg_multilabel_conf0.5_iou0.5", "conf": 0.5, "iou": 0.5, "top_k": 1024, "max_pred": 300,
         "multi_label": True, "class_agnostic": False},
        {"name": "topk100_max20", "conf": 0.3, "iou": 0.5, "top_k": 100, "max_pred": 20, "multi_label": True,
         "class_agnostic": False},
        {"name": "single_label", "conf": 0.3, "iou": 0.7, "top_k": 1024, "max_pred": 300, "multi_label": False,
         "class_agnostic": False},
        {"name": "class_agnostic", "conf": 0.5, "iou": 0.5, "top_k": 1024, "max_pred": 300, "multi_label": True,
         "class_agnostic": True},
    ]
    refs = []
    flat = s0.flatten()
    for cfg in configs:
        ncand, cand_scores, dets = sg_postprocess(b0, s0, cfg["conf"], cfg["iou"], cfg["top_k"], cfg["max_pred"],
                                                  cfg["multi_label"], cfg["class_agnostic"])
        # Distinct candidate scores, so torch's unstable sort/topk cannot matter.
        assert len(set(cand_scores.tolist())) == len(cand_scores), cfg["name"]
        ref = dict(cfg)
        ref["candidates"] = ncand
        # How far the nearest score is from the threshold: an ORT-vs-PyTorch difference smaller than this cannot
        # change which candidates pass.
        ref["min_score_margin"] = float((flat.double() - cfg["conf"]).abs().min())
        ref["detections"] = dets
        refs.append(ref)
    # How far the nearest candidate pair's IoU is from each NMS threshold: an ORT-vs-PyTorch box difference that
    # moves IoU by less than this cannot change what NMS keeps.
    i, j = (s0 > 0.3).nonzero(as_tuple=False).T
    iou = torchvision.ops.box_iou(b0[i].double(), b0[i].double())
    offdiag = ~torch.eye(len(i), dtype=torch.bool)
    iou_margin = min(float((iou[offdiag] - t).abs().min()) for t in (0.5, 0.7))
    print("tiny: N=%d C=%d; candidates %s; detections %s; score margin %.3g; IoU margin %.3g" % (
        n, c, [r["candidates"] for r in refs], [len(r["detections"]) for r in refs],
        min(r["min_score_margin"] for r in refs), iou_margin), file=sys.stderr)
    return {
        "model": "tiny_yolonas.onnx",
        "input": {"generator": "splitmix64", "seed": 7, "shape": [1, 3, SIZE, SIZE], "sha256": sha256_f32(x)},
        "num_anchors": n,
        "num_classes": c,
        "boxes": [f32(v) for v in b0.flatten().tolist()],
        "scores": [f32(v) for v in s0.flatten().tolist()],
        "boxes_sha256": sha256_f32(b0.numpy()),
        "scores_sha256": sha256_f32(s0.numpy()),
        "iou_margin": iou_margin,
        "references": refs,
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
    }


def decode_cases():
    """Tiny hand-made raw outputs around the score threshold: torch compares a float32 tensor with the Python float
    conf in float32, so a score equal to float32(conf) fails `>` (multi-label) but passes `>=` (single-label)."""
    boxes = torch.tensor(q64([[100, 100, 110, 110], [1, 1, 11, 11], [50, 50, 60, 60], [0, 0, 10, 10], [2, 0, 12, 10]]),
                         dtype=torch.float32)
    scores = torch.tensor([[0.3, 0.1, 0.2], [0.3000001, 0.2999999, 0.9], [0.5, 0.5, 0.1], [0.5, 0.5, 0.5],
                           [0.9, 0.3, 0.31]], dtype=torch.float32)
    out = []
    for multi in (True, False):
        for agnostic in (False, True):
            _, _, dets = sg_postprocess(boxes, scores, 0.3, 0.5, 1024, 300, multi, agnostic)
            out.append({"multi_label": multi, "class_agnostic": agnostic, "conf": 0.3, "iou": 0.5, "top_k": 1024,
                        "max_pred": 300, "detections": dets})
    return {"boxes": [f32(v) for v in boxes.flatten().tolist()], "scores": [f32(v) for v in scores.flatten().tolist()],
            "num_anchors": 5, "num_classes": 3, "references": out}


def write_json(name, obj):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(obj, f, sort_keys=True, separators=(",", ":"))
        f.write("\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = nms_cases()
    write_json("nms_cases.json", {"torch": torch.__version__, "torchvision": torchvision.__version__, "cases": cases,
                                  "decode": decode_cases()})
    print("nms: %d cases" % len(cases), file=sys.stderr)
    write_json("tiny_reference.json", tiny_model())


if __name__ == "__main__":
    main()
