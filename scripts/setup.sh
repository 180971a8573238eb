#!/usr/bin/env bash
# Installs everything detparity's build, tests and demo need, idempotently:
#   - OpenCV 4.6 headers and libraries (Debian's libopencv-dev) for gocv, and libjpeg-turbo's (libjpeg62-turbo-dev),
#     via apt when missing;
#   - Debian's chromium, which the report test renders index.html in (headless);
#   - the ONNX Runtime shared library (scripts/fetch_ort.sh: npm package onnxruntime-node, integrity verified);
#   - Go modules (go mod download);
#   - staticcheck, pinned (STATICCHECK_VERSION), built from the Go module proxy into .deps/bin (make test runs it).
# Quick when already done (a few hundred milliseconds). Needs root (or sudo) only when apt has work to do.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
opencv_changed=0
pkg-config --exists opencv4 2>/dev/null || { need_apt+=(libopencv-dev pkg-config); opencv_changed=1; }
# libjpeg-turbo's headers (dataset/opencv decodes JPEGs with it directly; libopencv-dev usually brings them).
pkg-config --exists libjpeg 2>/dev/null || need_apt+=(libjpeg62-turbo-dev)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v g++ >/dev/null 2>&1 || need_apt+=(g++) # npy's test compiles the README's C++ .npy writer
for extra in ${DETPARITY_APT_EXTRA:-}; do
  dpkg -s "$extra" >/dev/null 2>&1 || need_apt+=("$extra")
done
if ((${#need_apt[@]})); then
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO=sudo
  echo "setup: installing ${need_apt[*]} with apt-get" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  # cgo's build cache does not key on system headers: drop it after OpenCV changes (gocv must rebuild).
  ((opencv_changed)) && go clean -cache
fi
pkg-config --exists opencv4 || { echo "setup: OpenCV 4 (libopencv-dev) still not visible to pkg-config" >&2; exit 1; }

bash scripts/fetch_ort.sh .deps/ort
go mod download

# staticcheck 2026.2.2 (module version v0.8.2) supports Go 1.26 and 1.27 (its go.mod needs go 1.26.0; 2026.1 / v0.7.0
# was the first with Go 1.26 support). Rebuilt only when the pinned version or the Go toolchain changes.
STATICCHECK_VERSION=v0.8.2
tools="$(pwd)/.deps/bin"
stamp="$tools/.staticcheck-$STATICCHECK_VERSION-$(go env GOVERSION)"
if [[ ! -x "$tools/staticcheck" || ! -f "$stamp" ]]; then
  echo "setup: installing staticcheck $STATICCHECK_VERSION into $tools" >&2
  mkdir -p "$tools"
  rm -f "$tools"/.staticcheck-*
  GOBIN="$tools" go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
  touch "$stamp"
fi
