#!/usr/bin/env bash
# Fetches the ONNX Runtime shared library (C API 24, ORT 1.24.3) from the npm package
# onnxruntime-node, verifies the tarball against the registry's published integrity
# (sha512, SRI format), and extracts libonnxruntime.so.1 into $DEST (default .deps/ort).
# Idempotent: does nothing when the library is already there with the recorded hash.
set -euo pipefail
VERSION=${ORT_NPM_VERSION:-1.24.3}
DEST=${1:-.deps/ort}
LIB="$DEST/libonnxruntime.so.1"
STAMP="$DEST/.stamp-$VERSION"

if [[ -f "$LIB" && -f "$STAMP" ]] && [[ "$(sha256sum "$LIB" | cut -d' ' -f1)" == "$(cat "$STAMP")" ]]; then
  exit 0
fi
command -v npm >/dev/null || { echo "fetch_ort: npm is required (apt-get install -y nodejs npm)" >&2; exit 1; }
mkdir -p "$DEST"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
want=$(npm view "onnxruntime-node@$VERSION" dist.integrity)
[[ "$want" == sha512-* ]] || { echo "fetch_ort: registry gave no sha512 integrity for onnxruntime-node@$VERSION (got '$want')" >&2; exit 1; }
( cd "$tmp" && npm pack --silent "onnxruntime-node@$VERSION" >/dev/null )
tgz=$(ls "$tmp"/onnxruntime-node-*.tgz)
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [[ "$got" != "$want" ]]; then
  echo "fetch_ort: integrity mismatch for $tgz: registry says $want, tarball is $got" >&2
  exit 1
fi
tar -xzf "$tgz" -C "$tmp" package/bin/napi-v6/linux/x64/libonnxruntime.so.1
install -m 0644 "$tmp/package/bin/napi-v6/linux/x64/libonnxruntime.so.1" "$LIB"
sha256sum "$LIB" | cut -d' ' -f1 > "$STAMP"
echo "fetch_ort: onnxruntime-node@$VERSION verified ($want), library at $LIB"
