#!/usr/bin/env python3
"""Reference predictions from super-gradients' own predict(): what the trained model gives in Python.

Run in the environment the model was trained in (super-gradients 3.7.1 API), from a copy of this file and
detparity_images.py:

    python3 sg_predict.py --arch yolo_nas_s --checkpoint ckpt_best.pth --num-classes 1 --data DATA --out ref.json
    python3 sg_predict.py --arch yolo_nas_s --pretrained coco --data DATA --out ref.json      # the COCO weights
    detparity run --model model.onnx --data DATA --pipeline sg-coco,stretch --reference ref.json --reference-floor 0.05

What it calls (super-gradients 3.7.1): models.get(arch, num_classes=..., checkpoint_path=...) or
models.get(arch, pretrained_weights="coco") (src/super_gradients/training/models/model_factory.py), then
model.predict(paths, conf=, iou=, fuse_model=False, fp16=False) (training/models/detection_models/
customizable_detector.py: CustomizableDetector.predict), which returns one ImageDetectionPrediction per path with
.prediction.bboxes_xyxy (source pixels), .confidence and .labels (class indices)
(training/utils/predict/prediction_results.py, predictions.py). predict() uses the processing parameters saved
with the model (set_dataset_processing_params): for the COCO weights, default_yolo_nas_coco_processing_params
(processing.py): longest side to 636, centre pad to 640 with 114, /255 — detparity's sg-coco; a model trained on a
coco_detection_yolo_format dataset gets sg-custom. Its post-processing: score > conf, multi-label, top-k 1000,
class-aware NMS at iou, at most 300 (the model's defaults).

predict() decodes a path with PIL (training/utils/media/image.py: load_image -> Image.open(...).convert("RGB")),
detparity with OpenCV (cv2.imread) or Go: both use libjpeg, but a JPEG may decode 1 level apart in places, which
shows as small score and box differences, not as preprocessing drift. Give --reference-floor the --conf used here.
Image ids: 1-based positions in detparity's image order (--ids position) or file stems (--ids stem); categories:
class indices.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from detparity_images import ResultsWriter, image_id, list_images  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", default="yolo_nas_s", help="super-gradients model name (Models.YOLO_NAS_S is yolo_nas_s)")
    ap.add_argument("--checkpoint", help="your trained checkpoint (ckpt_best.pth)")
    ap.add_argument("--num-classes", type=int, help="classes of the checkpoint")
    ap.add_argument("--pretrained", help="pretrained weights instead of a checkpoint, e.g. coco")
    ap.add_argument("--data", required=True, help="YOLO dataset dir with images/")
    ap.add_argument("--out", required=True)
    ap.add_argument("--conf", type=float, default=0.05, help="score floor; give detparity the same --reference-floor")
    ap.add_argument("--iou", type=float, default=0.7, help="NMS IoU (the COCO processing parameters' 0.7)")
    ap.add_argument("--batch", type=int, default=16, help="images per predict() call (predict loads them all first)")
    ap.add_argument("--ids", choices=["position", "stem"], default="position")
    a = ap.parse_args()

    from super_gradients.training import models  # noqa: E402  (heavy import, after argument errors)

    if a.checkpoint:
        if not a.num_classes:
            sys.exit("--checkpoint needs --num-classes")
        model = models.get(a.arch, num_classes=a.num_classes, checkpoint_path=a.checkpoint)
    elif a.pretrained:
        model = models.get(a.arch, pretrained_weights=a.pretrained)
    else:
        sys.exit("give --checkpoint (with --num-classes) or --pretrained")
    model.eval()

    out = ResultsWriter()
    names = list_images(a.data)
    for start in range(0, len(names), a.batch):
        chunk = names[start:start + a.batch]
        paths = [os.path.join(a.data, "images", n) for n in chunk]
        preds = model.predict(paths, conf=a.conf, iou=a.iou, fuse_model=False, fp16=False, batch_size=len(paths))
        if len(paths) == 1:
            preds = [preds]  # predict() returns the single ImageDetectionPrediction itself for one image
        for k, (name, p) in enumerate(zip(chunk, preds)):
            d = p.prediction
            out.add_image(image_id(start + k + 1, name, a.ids), d.bboxes_xyxy, d.confidence, d.labels.astype(int))
    out.write(a.out)
    print(f"{a.out}: {len(out.lines)} detections on {len(names)} images", file=sys.stderr)


if __name__ == "__main__":
    main()
