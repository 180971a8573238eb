#!/bin/sh
# Issue 17's floor benchmark: the fixture run (160 JPEGs decoded, preprocessed with sg-coco, run, decoded, matched)
# against the ONNX-Runtime-only floor (the same sessions on the 160 tensors made before the clock starts), in PAIRS
# pairs (default 10) of one run and one floor pass in alternating order (parity.BenchmarkRunVsFloor), so that both
# halves of a pair see the machine in the same state. Prints each pair's images/s and ratio, then the median and
# lowest ratio and how many pairs were within 5 % of the floor.
#
#   scripts/bench_floor.sh [PAIRS]
#
# GOGC is the command's (25) unless set. The other cores should be idle.
set -eu
pairs=${1:-10}
cd "$(dirname "$0")/.."
bin=$(mktemp)
trap 'rm -f "$bin"' EXIT
go test -c -o "$bin" ./parity
cd parity
GOGC=${GOGC:-25} "$bin" -test.run '^$' -test.bench 'RunVsFloor' -test.benchtime "${pairs}x" -test.v |
	grep -E 'pair [0-9]+:|^BenchmarkRunVsFloor' | sed -e 's/^ *scale_test.go:[0-9]*: //'
