#!/usr/bin/python3
"""Write dataset/testdata/dedup_cases.json: which YOLO label lines Ultralytics keeps.

For each label file text, the kept lines are computed as verify_image_label does
(ultralytics/data/utils.py, v8.3, re-written here): lines split on whitespace, a file
with any line of more than 6 fields read as segments and each replaced by its bounding
box with segments2boxes/xyxy2xywh in float32, the rows made a float32 array, then
np.unique(lb, axis=0, return_index=True): the first occurrence of each distinct row is
kept and the others are "duplicate labels removed". The oracle is numpy's own unique.
dataset.TestDuplicateLabelsMatchUltralytics asserts detparity keeps the same lines.
Cases never mix 5-field lines with segments (Ultralytics garbles such files; detparity
reads each line on its own). Run: /usr/bin/python3 scripts/ultralytics_dedup.py
"""
import json
import os

import numpy as np

CASES = [
    "0 0.5 0.5 0.2 0.2\n0 0.5 0.5 0.2 0.2\n1 0.5 0.5 0.2 0.2\n",
    "0 0.5 0.5 0.2 0.2\n0.0 0.50 0.5000000 2e-1 0.2\n",
    "0 0.1 0.5 0.2 0.2\n0 0.10000000149 0.5 0.2 0.2\n0 0.1000001 0.5 0.2 0.2\n",
    "2 0.3 0.3 0.1 0.1\n2 0.3 0.3 0.1 0.1\n2 0.3 0.3 0.1 0.1\n0 0.3 0.3 0.1 0.1\n",
    "0 0.5 0.5 0.2 0.2\n-0 0.5 0.5 0.2 0.2\n",
    "1 0.9 0.9 0.2 0.2\n0 0.1 0.1 0.2 0.2\n1 0.9 0.9 0.2 0.2\n0 0.1 0.1 0.2 0.2\n\n",
    # Segments: two different polygons with the same bounding box are duplicates.
    "0 0.1 0.1 0.5 0.1 0.5 0.5\n0 0.1 0.1 0.5 0.5 0.1 0.5 0.3 0.3\n0 0.1 0.1 0.5 0.1 0.5 0.6\n",
    "3 0.123456 0.2 0.7 0.2 0.7 0.9 0.123456 0.9\n3 0.7 0.9 0.123456 0.2 0.7 0.2\n",
]


def kept(text):
    lb = [x.split() for x in text.strip().splitlines() if len(x)]
    if any(len(x) > 6 for x in lb):
        classes = np.array([x[0] for x in lb], dtype=np.float32)
        segments = [np.array(x[1:], dtype=np.float32).reshape(-1, 2) for x in lb]
        boxes = []
        for s in segments:
            x, y = s.T
            boxes.append([x.min(), y.min(), x.max(), y.max()])
        b = np.array(boxes)
        xywh = np.empty_like(b)
        xywh[..., 0] = (b[..., 0] + b[..., 2]) / 2
        xywh[..., 1] = (b[..., 1] + b[..., 3]) / 2
        xywh[..., 2] = b[..., 2] - b[..., 0]
        xywh[..., 3] = b[..., 3] - b[..., 1]
        lb = np.concatenate((classes.reshape(-1, 1), xywh), 1)
    lb = np.array(lb, dtype=np.float32)
    _, i = np.unique(lb, axis=0, return_index=True)
    return sorted(int(k) for k in i), len(lb) - len(i)


def main():
    out = []
    for c in CASES:
        idx, removed = kept(c)
        out.append({"text": c, "kept_lines": idx, "removed": removed})
    path = os.path.join(os.path.dirname(__file__), "..", "dataset", "testdata", "dedup_cases.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"generator": "scripts/ultralytics_dedup.py", "numpy": np.__version__, "cases": out}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
