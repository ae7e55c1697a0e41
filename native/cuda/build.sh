#!/usr/bin/env bash
# Compiles the CUDA kernels to PTX with clang (no CUDA toolkit): native/cuda/batchnorm.cu -> native/cuda/batchnorm.ptx.
# With --check, compiles to a temporary file and fails if the committed PTX differs (stale).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
clang="${CLANG:-clang-14}"
target="$here/batchnorm.ptx"
[ "${1:-}" = "--check" ] && target="$(mktemp --suffix .ptx)"
"$clang" -x cuda --cuda-gpu-arch=sm_70 --cuda-device-only -nocudainc -nocudalib -O3 -S "$here/batchnorm.cu" -o "$target"
if [ "${1:-}" = "--check" ]; then
  if ! diff -q "$here/batchnorm.ptx" "$target" >/dev/null; then
    echo "native/cuda/batchnorm.ptx is stale: run native/cuda/build.sh and commit the result"
    diff "$here/batchnorm.ptx" "$target" | head -20
    exit 1
  fi
  echo "native/cuda/batchnorm.ptx is up to date"
fi
