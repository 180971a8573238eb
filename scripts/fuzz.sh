#!/usr/bin/env bash
# Run every Go fuzz target of the module for FUZZTIME each (default 10s), one after the
# other. Targets are found with `go test -list '^Fuzz'`, so a new Fuzz function is picked
# up without editing this script.
#
#   FUZZTIME=60s bash scripts/fuzz.sh                 # all packages
#   FUZZTIME=10s bash scripts/fuzz.sh ./dataset/...   # some packages
#
# Environment: FUZZTIME (a go test -fuzztime value: 30s, 5m, 100000x), FUZZPARALLEL
# (fuzzing workers per target, default: go's, i.e. GOMAXPROCS).
# Prints one line per target with its duration and the exec count go reported, and
# exits non-zero when any target fails (a crasher is then written to the package's
# testdata/fuzz/<Target>/ by go test: commit it as a regression test once fixed).
set -euo pipefail

cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-10s}"
parallel=()
if [[ -n "${FUZZPARALLEL:-}" ]]; then
	parallel=(-parallel "$FUZZPARALLEL")
fi
pkgs=("$@")
if [[ ${#pkgs[@]} -eq 0 ]]; then
	pkgs=(./...)
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
failed=()
count=0
# `go list` names the packages; `go test -list` names each one's fuzz targets.
for pkg in $(go list "${pkgs[@]}"); do
	dir="$(go list -f '{{.Dir}}' "$pkg")"
	ls "$dir"/*_test.go >/dev/null 2>&1 || continue
	targets="$(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true)"
	for target in $targets; do
		count=$((count + 1))
		start=$(date +%s)
		if go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "${parallel[@]}" >"$log" 2>&1; then
			status=ok
		else
			status=FAIL
			failed+=("$pkg.$target")
		fi
		secs=$(($(date +%s) - start))
		# go test -fuzz prints "fuzz: elapsed: 1m0s, execs: 123456 (2057/sec), new interesting: ..." lines.
		execs="$(grep -o 'execs: [0-9]*' "$log" | tail -1 | awk '{print $2}')"
		printf '%-4s %-45s %-22s %5ss  %s execs\n' "$status" "$pkg" "$target" "$secs" "${execs:-?}"
		if [[ $status == FAIL ]]; then
			sed 's/^/    /' "$log"
		fi
	done
done

if [[ $count -eq 0 ]]; then
	echo "fuzz.sh: no fuzz targets found in ${pkgs[*]}" >&2
	exit 1
fi
if [[ ${#failed[@]} -gt 0 ]]; then
	echo "fuzz.sh: ${#failed[@]} of $count targets failed: ${failed[*]}" >&2
	exit 1
fi
echo "fuzz.sh: $count targets, $fuzztime each, no finding"
