#!/bin/sh
# Issue 17's floor benchmark: the fixture run (parity.BenchmarkRunFixtures: 160 JPEGs decoded, preprocessed with
# sg-coco, run, decoded, matched) against the ONNX-Runtime-only floor (parity.BenchmarkORTFloor: the same sessions
# on the 160 tensors made before the clock starts), side by side in one process, ROUNDS times (default 10): each
# round prints both images/s and their ratio, and the last line how many rounds were within 5 % of the floor.
#
#   scripts/bench_floor.sh [ROUNDS] [BENCHTIME]
#
# BENCHTIME (default 3x) is go test's -benchtime: passes over the 160 images per benchmark. GOGC is the command's
# (25) unless set. The other cores should be idle: the ratio moves by a few percent when another process runs.
set -eu
rounds=${1:-10}
benchtime=${2:-3x}
cd "$(dirname "$0")/.."
bin=$(mktemp)
trap 'rm -f "$bin"' EXIT
go test -c -o "$bin" ./parity
cd parity
within=0
i=0
while [ "$i" -lt "$rounds" ]; do
	i=$((i + 1))
	out=$(GOGC=${GOGC:-25} "$bin" -test.run '^$' -test.bench 'RunFixtures|ORTFloor' -test.benchtime "$benchtime" -test.count 1)
	run=$(echo "$out" | awk '/^BenchmarkRunFixtures/ { for (k = 1; k <= NF; k++) if ($k == "images/s") print $(k-1) }')
	floor=$(echo "$out" | awk '/^BenchmarkORTFloor/ { for (k = 1; k <= NF; k++) if ($k == "images/s") print $(k-1) }')
	ratio=$(awk -v r="$run" -v f="$floor" 'BEGIN { printf "%.4f", r / f }')
	echo "round $i: run $run images/s, floor $floor images/s, run/floor $ratio"
	if awk -v x="$ratio" 'BEGIN { exit !(x >= 0.95) }'; then
		within=$((within + 1))
	fi
done
echo "$within of $rounds rounds within 5 % of the floor"
