#!/usr/bin/env python3
"""Reference predictions from Ultralytics' val(save_json=True): the predictions.json its validation writes.

Run where Ultralytics is installed (the ultralytics 8.3 API):

    python3 ultralytics_val.py --weights best.pt --data data.yaml --out ref.json
    detparity run --model best.onnx --data data.yaml --pipeline ultralytics --reference ref.json --floor 0.001 --reference-floor 0.001

What it calls: YOLO(weights).val(data=, save_json=True, conf=, iou=, imgsz=, batch=1, half=False, device="cpu",
plots=False, project=, name=, exist_ok=True) (ultralytics/engine/model.py: Model.val), which writes
PROJECT/NAME/predictions.json (ultralytics/models/yolo/detect/val.py: DetectionValidator.pred_to_json): image_id
is the file stem (int(stem) when it is all digits, else the string), category_id the class index on a custom
dataset — 0-based before ultralytics/ultralytics pull request 18140 (December 2024), class index + 1 since — and
the COCO id (converter.coco80_to_coco91_class) on COCO (a val path ending in val2017.txt); bbox rounded to 3
decimals, score to 5. detparity reads every one of these conventions (--reference-ids auto, --reference-categories
auto: for a one-class dataset the ids say which; give the scheme when a file is ambiguous, e.g. on 80 classes).

val() is not predict(): its dataset loader resizes with cv2.INTER_AREA when shrinking and rounds sizes up
(ultralytics/data/base.py: BaseDataset.load_image), and with rect=True (val's default) pads each batch to a
stride multiple. A reference from val() therefore checks the deployment against the validation numbers' inputs;
to check against predict(), use ultralytics_predict.py. val() keeps detections above conf 0.001 by default:
give detparity the same --reference-floor (and a --floor at most that).
"""
import argparse
import os
import shutil
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--data", required=True, help="the Ultralytics data .yaml (its val: split)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--imgsz", type=int, default=640)
    ap.add_argument("--conf", type=float, default=0.001, help="val()'s default; give detparity the same --reference-floor")
    ap.add_argument("--iou", type=float, default=0.7)
    ap.add_argument("--rect", action="store_true", help="val()'s rectangular batches (off here: batch=1, square input)")
    a = ap.parse_args()

    from ultralytics import YOLO  # noqa: E402

    with tempfile.TemporaryDirectory() as tmp:
        YOLO(a.weights).val(data=a.data, save_json=True, conf=a.conf, iou=a.iou, imgsz=a.imgsz, batch=1, rect=a.rect,
                            half=False, device="cpu", plots=False, project=tmp, name="val", exist_ok=True)
        pred = os.path.join(tmp, "val", "predictions.json")
        if not os.path.isfile(pred):
            sys.exit(f"{pred}: val() wrote no predictions.json (no detections above --conf {a.conf}?)")
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        shutil.copyfile(pred, a.out)
    print(f"{a.out}: Ultralytics val() predictions; detparity run ... --reference {a.out} --reference-floor {a.conf}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
