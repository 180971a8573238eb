#!/usr/bin/python3
"""The real-model data folder's manifest (detect/testdata/real/manifest.json): for every file of the folder
(models/, coco/, faces/) its SHA-256, where it comes from (repo@commit:path, or "ours") and its licence. detect's
real-model suite verifies every SHA-256 before comparing with the references.

  real_manifest.py DATA > detect/testdata/real/manifest.json    write the manifest of the folder DATA
  real_manifest.py --markdown detect/testdata/real/manifest.json print it as the table of the README
  real_manifest.py --place CLONES DATA                           make the folder DATA from git clones of the source
                                                                 repositories, CLONES/OWNER+NAME (or its repo/
                                                                 subfolder), and our own files; every SHA-256 checked
Run with /usr/bin/python3 from the repository root.
"""
import hashlib
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REAL = os.path.join(HERE, "..", "..", "detect", "testdata", "real")
# Our own files of the data folder: their bytes.
OURS = {
    "coco/classes.txt": lambda: open(os.path.join(REAL, "coco_classes.txt"), "rb").read(),
    "coco/labels/000000000250.txt": lambda: b"",
}

COCO128 = "SaitejaBandari756/Real-Time-Object-Detection-Using-Yolo@eaff74eb18929cc81a0199095a9bf019c2960e72:datasets/coco128/"
ULTRAFACE = "Linzaer/Ultra-Light-Fast-Generic-Face-Detector-1MB@dffdddda9794a50607cba8f318507a28c1c27cab:"
# Licences in short; detect/testdata/real/README.md explains the two COCO ones.
COCO_LICENCE = "unclear: COCO image (Flickr terms)"

# Exact files first, then folder prefixes: (data-folder path or prefix, source or source prefix, licence).
SOURCES = [
    ("models/yolox_nano.onnx", "hamacom2004jp/iinfer@c7f9a3c5216c6f8b3e8b35886f863dffa2dc0bf9:models/yolox_nano.onnx",
     "MIT; weights Apache-2.0 (YOLOX)"),
    ("models/FastestDet.onnx",
     "dog-qiuqiu/FastestDet@50473cd155cb088aa4a99e64ff6a4b3c24fa07e1:example/onnx-runtime/FastestDet.onnx",
     "BSD-3-Clause"),
    ("models/version-RFB-320.onnx", ULTRAFACE + "models/onnx/version-RFB-320.onnx", "MIT"),
    ("models/yunet_n_320_320.onnx",
     "ShiqiYu/libfacedetection.train@0047ac24afb1a50a0c6105001c89d1b5b805dbf1:onnx/yunet_n_320_320.onnx",
     "Apache-2.0"),
    ("coco/classes.txt", "ours: the 80 COCO category names, one a line", "Apache-2.0 (ours)"),
    ("coco/labels/000000000250.txt", "ours: empty (the image has no label file in COCO128: a background image)",
     "Apache-2.0 (ours)"),
    ("coco/images/", COCO128 + "images/train/", COCO_LICENCE),
    ("coco/labels/", COCO128 + "labels/train/", "COCO annotations CC BY 4.0; folder GPL-3.0"),
    ("faces/images/", ULTRAFACE + "imgs/", "MIT"),
]


def source(rel):
    for key, src, lic in SOURCES:
        if rel == key:
            return src, lic
        if key.endswith("/") and rel.startswith(key) and "/" not in rel[len(key):]:
            return src + rel[len(key):], lic
    sys.exit(f"{rel}: no source known; add it to SOURCES")


def manifest(root):
    files = {}
    for d, _, fs in os.walk(root):
        for f in fs:
            p = os.path.join(d, f)
            rel = os.path.relpath(p, root).replace(os.sep, "/")
            src, lic = source(rel)
            files[rel] = {"sha256": hashlib.sha256(open(p, "rb").read()).hexdigest(), "source": src, "licence": lic}
    json.dump({"files": dict(sorted(files.items()))}, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


def markdown(path):
    files = json.load(open(path))["files"]
    print("| place at (under DETPARITY_REAL_DATA) | source repo@commit:path | licence | sha256 |")
    print("|---|---|---|---|")
    for rel, f in files.items():
        print(f"| `{rel}` | {f['source']} | {f['licence']} | `{f['sha256']}` |")


def place(clones, root):
    files = json.load(open(os.path.join(REAL, "manifest.json")))["files"]
    for rel, f in files.items():
        src = f["source"]
        if src.startswith("ours"):
            data = OURS[rel]()
        else:
            repo, rest = src.split("@", 1)
            commit, path = rest.split(":", 1)
            clone = os.path.join(clones, repo.replace("/", "+"))
            if os.path.isdir(os.path.join(clone, "repo")):
                clone = os.path.join(clone, "repo")
            r = subprocess.run(["git", "-C", clone, "show", f"{commit}:{path}"], capture_output=True)
            if r.returncode:
                sys.exit(f"{rel}: git -C {clone} show {commit}:{path}: {r.stderr.decode().strip()}")
            data = r.stdout
        got = hashlib.sha256(data).hexdigest()
        if got != f["sha256"]:
            sys.exit(f"{rel}: SHA-256 {got}, expected {f['sha256']} ({src})")
        dest = os.path.join(root, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as out:
            out.write(data)
    print(f"{root}: {len(files)} files placed and checked")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--markdown":
        markdown(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "--place":
        place(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 2:
        manifest(sys.argv[1])
    else:
        sys.exit(__doc__)
