"""What every reference recipe shares: detparity's image order and ids, and a deterministic COCO results writer.

Copy this file next to the recipe you use (they import it). Standard library and numpy only.

detparity lists a YOLO dataset's images under DATA/images (sub-folders included; .jpg .jpeg .png .bmp, any case)
sorted by their path relative to images/, slash-separated, byte order, and calls the image at 1-based position p
image p. `detparity run --reference` also reads image ids written as Ultralytics writes them (the file stem:
int(stem) when it is all digits, else the stem as a string) and, for a COCO dataset, the dataset's image ids;
category ids as the class index, the class index + 1 or the COCO 80 -> 91 ids (see detparity run -h).
"""
import json
import os

import numpy as np

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp")


def list_images(data):
    """Image paths relative to DATA/images, slash-separated, sorted by their UTF-8 bytes (detparity's order)."""
    root = os.path.join(data, "images")
    names = []
    for dirpath, _, files in os.walk(root, followlinks=True):
        for f in files:
            if os.path.splitext(f)[1].lower() in IMAGE_EXTS:
                rel = os.path.relpath(os.path.join(dirpath, f), root)
                names.append(rel.replace(os.sep, "/"))
    names.sort(key=lambda n: n.encode("utf-8"))
    if not names:
        raise SystemExit(f"{root}: no images ({' '.join(IMAGE_EXTS)})")
    return names


def image_id(position, name, ids):
    """The image_id to write for the image at 1-based position with path name: ids is "position" or "stem"."""
    if ids == "position":
        return position
    stem = os.path.splitext(os.path.basename(name))[0]
    return int(stem) if stem.isnumeric() else stem  # as Ultralytics' DetectionValidator.pred_to_json


def f32(v):
    """The shortest decimal that reads back as the same float32: exact and compact."""
    return np.format_float_positional(np.float32(v), unique=True, trim="-")


class ResultsWriter:
    """Collects detections and writes a COCO results array, one entry per line, in the order added.

    Give each image's detections in descending score (stable) for a file that is the same bytes for the same
    detections; boxes in source pixels, x1 y1 x2 y2 (float32 arithmetic gives w and h as the tensors have them)."""

    def __init__(self):
        self.lines = []

    def add(self, img_id, category, xyxy, score):
        x1, y1, x2, y2 = (np.float32(v) for v in xyxy)
        bbox = ",".join(f32(v) for v in (x1, y1, x2 - x1, y2 - y1))
        self.lines.append('{"image_id":%s,"category_id":%d,"bbox":[%s],"score":%s}' % (
            json.dumps(img_id), int(category), bbox, f32(score)))

    def add_image(self, img_id, boxes, scores, classes):
        """Adds one image's detections (arrays [N,4] xyxy, [N], [N]) in descending score, stable."""
        scores = np.asarray(scores, np.float32)
        for k in np.argsort(-scores, kind="stable"):
            self.add(img_id, classes[k], boxes[k], scores[k])

    def write(self, path):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w") as f:
            f.write("[\n" + ",\n".join(self.lines) + ("\n" if self.lines else "") + "]\n")
