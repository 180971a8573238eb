#!/usr/bin/python3
"""The reference's own metrics: pycocotools COCOeval (bbox) AP and P/R/F1 at --conf of a reference results file
(scripts/reference/real_*.py) against the YOLO labels of its images. Needs COCOAPI (see real_common.py).

  COCOAPI=/path/to/cocoapi/PythonAPI /usr/bin/python3 scripts/reference/real_metrics.py \
      --data DATA/coco --results detect/testdata/real/yolox_nano/reference.json --conf 0.25 \
      --out detect/testdata/real/yolox_nano/metrics.json
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import real_common as rc  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="dataset folder with images/, labels/ and classes.txt")
    ap.add_argument("--results", required=True)
    ap.add_argument("--conf", type=float, required=True, help="P/R/F1 count detections with score > conf")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    names = [n for n in open(os.path.join(a.data, "classes.txt")).read().split("\n") if n]
    gt = rc.yolo_ground_truth(os.path.join(a.data, "images"), os.path.join(a.data, "labels"), names)
    rows = json.load(open(a.results))
    m = rc.write_metrics(a.out, gt, rows, a.conf)
    print(json.dumps(m, sort_keys=True))


if __name__ == "__main__":
    main()
