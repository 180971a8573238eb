#!/usr/bin/env python3
"""Reference predictions from Ultralytics' own predict(): what the trained model (or its export) gives in Python.

Run where Ultralytics is installed (the ultralytics 8.3 API), from a copy of this file and detparity_images.py:

    python3 ultralytics_predict.py --weights best.pt --data DATA --out ref.json
    detparity run --model best.onnx --data DATA --pipeline ultralytics,ultralytics-auto,stretch --reference ref.json

What it calls: YOLO(weights).predict(path, conf=, iou=, imgsz=, max_det=, half=False, device="cpu", verbose=False)
(ultralytics/engine/model.py: Model.predict), one image per call, and reads each Results' boxes.xyxy (source
pixels), boxes.conf and boxes.cls (ultralytics/engine/results.py: Boxes). predict() reads images with cv2.imread and
letterboxes them (ultralytics/engine/predictor.py: BasePredictor.pre_transform with ultralytics/data/augment.py:
LetterBox): a PyTorch .pt model gets the minimal stride-multiple padding (detparity's ultralytics-auto, which a
fixed-size ONNX export cannot take), a fixed-size export the full square (detparity's ultralytics). Run the same
weights you exported, or the export itself (YOLO("best.onnx") runs it with onnxruntime).

Image ids: file stems, as Ultralytics' own predictions.json writes them (--ids stem, the default here) or 1-based
positions (--ids position); categories: class indices. Give --reference-floor the --conf used here.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from detparity_images import ResultsWriter, image_id, list_images  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", required=True, help="best.pt, or the exported model")
    ap.add_argument("--data", required=True, help="YOLO dataset dir with images/")
    ap.add_argument("--out", required=True)
    ap.add_argument("--imgsz", type=int, default=640)
    ap.add_argument("--conf", type=float, default=0.05, help="score floor; give detparity the same --reference-floor")
    ap.add_argument("--iou", type=float, default=0.7, help="NMS IoU (Ultralytics' default 0.7)")
    ap.add_argument("--max-det", type=int, default=300)
    ap.add_argument("--ids", choices=["position", "stem"], default="stem")
    a = ap.parse_args()

    from ultralytics import YOLO  # noqa: E402  (heavy import, after argument errors)

    model = YOLO(a.weights)
    out = ResultsWriter()
    names = list_images(a.data)
    for pos, name in enumerate(names, 1):
        path = os.path.join(a.data, "images", name)
        r = model.predict(path, conf=a.conf, iou=a.iou, imgsz=a.imgsz, max_det=a.max_det, half=False, device="cpu",
                          verbose=False)[0]
        b = r.boxes
        out.add_image(image_id(pos, name, a.ids), b.xyxy.cpu().numpy(), b.conf.cpu().numpy(),
                      b.cls.cpu().numpy().astype(int))
    out.write(a.out)
    print(f"{a.out}: {len(out.lines)} detections on {len(names)} images", file=sys.stderr)


if __name__ == "__main__":
    main()
