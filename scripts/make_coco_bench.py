#!/usr/bin/python3
"""Write the COCO evaluation benchmark data: a COCO instances file and a COCO results file.

    /usr/bin/python3 scripts/make_coco_bench.py --out DIR [--images 5000] [--dets 100] [--seed 1]

writes DIR/gt.json and DIR/dt.json. The recipe is the one of metrics' BenchmarkCOCOEval5000 (benchCOCOData in
metrics/coco_bench_test.go), drawn with Python's random.Random(seed) instead of Go's PCG:

- images 1..N, 640x480, categories 0..4;
- per image 1 + randint(0, 9) ground truths: w, h = 5 + U*200, box [U*400, U*250, w, h], category randint(0, 4),
  area w*h, iscrowd 0, annotation ids 1, 2, ... (never 0, which pycocotools reads as "unmatched");
- per image --dets detections: the first 2 * (number of ground truths) are jittered copies of the ground truths in
  turn (same category, each of x, y, w, h plus N(0, 1) * 0.1 * the ground truth's w for x and w, h for y and h), the
  rest random boxes [U*500, U*350, 5 + U*150, 5 + U*150] of category randint(0, 4); every score U.

Numbers are written with Python's shortest repr, so the file reads back as the same doubles. Deterministic: the same
arguments give the same bytes (77 MB of results for 5 000 x 100).
"""
import argparse
import json
import os
import random


def make(images, dets, seed):
    rng = random.Random(seed)
    gt = {
        "images": [{"id": i, "file_name": "%06d.jpg" % i, "width": 640, "height": 480} for i in range(1, images + 1)],
        "categories": [{"id": c, "name": "class%d" % c} for c in range(5)],
        "annotations": [],
    }
    dt = []
    ann_id = 1
    for img in range(1, images + 1):
        gts = []
        for _ in range(1 + rng.randrange(10)):
            w, h = 5 + rng.random() * 200, 5 + rng.random() * 200
            a = {"id": ann_id, "image_id": img, "category_id": rng.randrange(5),
                 "bbox": [rng.random() * 400, rng.random() * 250, w, h], "area": w * h, "iscrowd": 0}
            gts.append(a)
            ann_id += 1
        gt["annotations"].extend(gts)
        for j in range(dets):
            if j < 2 * len(gts):
                g = gts[j % len(gts)]
                c = g["category_id"]
                b = [v + rng.gauss(0, 1) * 0.1 * g["bbox"][2 + k % 2] for k, v in enumerate(g["bbox"])]
            else:
                c = rng.randrange(5)
                b = [rng.random() * 500, rng.random() * 350, 5 + rng.random() * 150, 5 + rng.random() * 150]
            dt.append({"image_id": img, "category_id": c, "bbox": b, "score": rng.random()})
    return gt, dt


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="directory for gt.json and dt.json")
    ap.add_argument("--images", type=int, default=5000)
    ap.add_argument("--dets", type=int, default=100, help="detections per image")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    gt, dt = make(args.images, args.dets, args.seed)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "gt.json"), "w") as f:
        json.dump(gt, f)
    with open(os.path.join(args.out, "dt.json"), "w") as f:
        # One result per line, as most exporters write them: error messages name a line.
        f.write("[\n")
        f.write(",\n".join(json.dumps(d) for d in dt))
        f.write("\n]\n")


if __name__ == "__main__":
    main()
