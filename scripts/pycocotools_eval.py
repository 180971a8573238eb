#!/usr/bin/python3
"""Evaluate a COCO results file with the real pycocotools, optionally checking detparity's numbers against it.

    /usr/bin/python3 scripts/pycocotools_eval.py --cocoapi PATH/cocoapi/PythonAPI --gt gt.json --dt dt.json \
        [--check detparity_eval.json]

pycocotools is not part of this repository: PATH is a checkout of github.com/cocodataset/cocoapi with its PythonAPI
built in place (`/usr/bin/python3 setup.py build_ext --inplace`, Debian's cython3 and python3-dev; numpy >= 1.24
also needs `np.float` -> `np.float64` in cocoeval.py, the same dtype). The script runs what a user of pycocotools
runs: COCO(gt), loadRes(dt), COCOeval(gt, dt, "bbox"), evaluate(), accumulate(), summarize(), with default
parameters, and prints the 12 stats as JSON.

--check reads the output of `detparity eval --format json` for the same files and fails unless its 12 COCO numbers
and per-category AP, AP50, AP75 and AR100 equal pycocotools' to 1e-9.
"""
import argparse
import json
import sys

NAMES = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]


def mean_kept(a):
    kept = a[a > -1]
    return float(kept.mean()) if kept.size else -1.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cocoapi", required=True, help="cocoapi/PythonAPI directory with pycocotools built in place")
    ap.add_argument("--gt", required=True)
    ap.add_argument("--dt", required=True)
    ap.add_argument("--check", help="detparity eval --format json output to compare")
    args = ap.parse_args()
    sys.path.insert(0, args.cocoapi)
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    gt = COCO(args.gt)
    dt = gt.loadRes(args.dt)
    ev = COCOeval(gt, dt, "bbox")
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    stats = [float(v) for v in ev.stats]
    print(json.dumps(dict(zip(NAMES, stats))))
    if not args.check:
        return
    with open(args.check) as f:
        got = json.load(f)
    worst = 0.0
    for name, want in zip(NAMES, stats):
        worst = max(worst, abs(got["coco"][name] - want))
    prec, rec = ev.eval["precision"], ev.eval["recall"]
    for k, c in enumerate(got["coco_per_category"]):
        want = {"AP": mean_kept(prec[:, :, k, 0, -1]), "AP50": mean_kept(prec[0, :, k, 0, -1]),
                "AP75": mean_kept(prec[5, :, k, 0, -1]), "AR100": mean_kept(rec[:, k, 0, -1])}
        for name, v in want.items():
            worst = max(worst, abs(c[name] - v))
    print("largest difference from detparity: %.3g (%d categories)" % (worst, len(got["coco_per_category"])))
    if worst > 1e-9:
        sys.exit("detparity differs from pycocotools by %.3g > 1e-9" % worst)


if __name__ == "__main__":
    main()
