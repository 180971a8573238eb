#!/usr/bin/python3
"""Write dataset/testdata/pyyaml_names.json: class names as Ultralytics reads them.

Each case is a data YAML; its expected names are what Ultralytics gets: yaml.safe_load
(PyYAML, YAML 1.1 implicit typing), then check_det_dataset's nc-only rule
(names = class_0..class_{nc-1}) and check_class_names' conversion ({int(k): str(v)},
ids 0..n-1), both written out here after ultralytics/data/utils.py and
ultralytics/nn/autobackend.py (v8.3). dataset.TestNamesYAMLMatchesPyYAML asserts that
dataset.ParseNamesYAML returns the same names. Run: /usr/bin/python3 scripts/pyyaml_names.py
"""
import json
import os

import yaml

CASES = [
    "names: [yes, no, on, off, Yes, NO, true, False, y, n, TRUE, Off]\n",
    "names: [010, 0x1f, 0b11, 1_000, +5, -0, 0, 42, 1:30, 08, 09, -0x10, 0_7]\n",
    "names: [1.50, 1.0, .5, 1e3, 1.0e+3, 1.e-5, 12345678901234567.0, .inf, -.inf, .NaN, 0.0001, 0.00001, 1_0.5, 1:30.5, 100000000000000000000.0, -0.0, 1.5e-7, 123456789012345.6]\n",
    "names: {0: person, 1: 'car', 2: \"traffic light\"}\n",
    "names: {'0': a, '1': b}\n",
    "names: {false: a, true: b}\n",
    "names: {0.0: a, 1.9: b}\n",
    "names:\n  1: car\n  0: person\n  2: 0x10\n",
    "names: [2002-12-14, '2002-12-14 10:00:00']\n",
    "names: [~foo, null_class, None, NULL_x, 'null', '~', \"\", x]\n".replace(', ""', ''),
    "names:\n  - >-\n    folded\n    name\n  - |-\n    literal\n  - plain\n    continued\n",
    "names: [&x person, *x, 'it''s', \"tab\\tname\", caf\u00e9, \u4eba]\n",
    "nc: 3\n",
    "nc: 2\nnames: [a, b]\n",
    "path: ../datasets/coco8\ntrain: images/train\nval: images/val\nnames:\n  0: person\n  1: bicycle\n",
    "names: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n",
    "names: ['1', \"2\", !!str 3]\n",
    "names: [a#b, 'c #d'] # comment\n",
]


def ultralytics_names(doc):
    data = yaml.safe_load(doc)
    if "names" not in data:
        data["names"] = [f"class_{i}" for i in range(data["nc"])]
    names = data["names"]
    if isinstance(names, list):
        names = dict(enumerate(names))
    names = {int(k): str(v) for k, v in names.items()}
    n = len(names)
    assert max(names.keys()) < n, doc
    return [names[i] for i in range(n)]


def main():
    out = [{"yaml": c, "names": ultralytics_names(c)} for c in CASES]
    path = os.path.join(os.path.dirname(__file__), "..", "dataset", "testdata", "pyyaml_names.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"generator": "scripts/pyyaml_names.py", "pyyaml": yaml.__version__, "cases": out}, f,
                  indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
