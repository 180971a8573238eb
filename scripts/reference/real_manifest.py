#!/usr/bin/python3
"""Write detect/testdata/real/manifest.json: the SHA-256 of every file of the real-model data folder (models/,
coco/, faces/), which detect's TestRealModels verifies before comparing with the references.

  /usr/bin/python3 scripts/reference/real_manifest.py DATA > detect/testdata/real/manifest.json
"""
import hashlib
import json
import os
import sys

root = sys.argv[1]
files = {}
for d, _, fs in os.walk(root):
    for f in fs:
        p = os.path.join(d, f)
        rel = os.path.relpath(p, root).replace(os.sep, "/")
        files[rel] = hashlib.sha256(open(p, "rb").read()).hexdigest()
json.dump({"files": dict(sorted(files.items()))}, sys.stdout, indent=1)
sys.stdout.write("\n")
