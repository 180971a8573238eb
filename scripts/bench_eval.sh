#!/bin/sh
# The COCO evaluation benchmark of BENCHMARKS.md: detparity eval against the real pycocotools on the 5 000 images x
# 100 detections of scripts/make_coco_bench.py, whole commands (process start, reading both JSON files, evaluation,
# output).
#
#   scripts/bench_eval.sh COCOAPI_PYTHONAPI [WORKDIR] [RUNS]
#
# COCOAPI_PYTHONAPI is the PythonAPI directory of a github.com/cocodataset/cocoapi checkout with pycocotools built in
# place (see scripts/pycocotools_eval.py); it is never part of this repository. WORKDIR (default
# /tmp/detparity-cocobench) receives the data, the binary and the results; RUNS (default 5) is hyperfine's run count.
# Steps: generate the data; check that detparity's numbers equal pycocotools' to 1e-9; peak RSS of detparity eval
# (/usr/bin/time -v); both commands timed in one hyperfine run (needs hyperfine: apt-get install hyperfine).
set -eu
api=$1
work=${2:-/tmp/detparity-cocobench}
runs=${3:-5}
cd "$(dirname "$0")/.."
/usr/bin/python3 scripts/make_coco_bench.py --out "$work"
go build -o "$work/detparity" ./cmd/detparity
dp="$work/detparity eval --gt $work/gt.json --dt $work/dt.json --format json"
py="/usr/bin/python3 scripts/pycocotools_eval.py --cocoapi $api --gt $work/gt.json --dt $work/dt.json"
$dp > "$work/detparity.json"
$py --check "$work/detparity.json" | tail -1
/usr/bin/time -v $dp 2> "$work/time.txt" > /dev/null
grep -E "Maximum resident|Elapsed" "$work/time.txt"
hyperfine -N -w 1 -r "$runs" --export-markdown "$work/hyperfine.md" --export-json "$work/hyperfine.json" "$dp" "$py"
