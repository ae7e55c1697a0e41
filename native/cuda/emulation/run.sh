#!/usr/bin/env bash
# Builds the CUDA kernels as host code and checks them against a double-precision reference (no GPU needed).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"${CXX:-clang++-14}" -std=c++17 -O2 -DNBN_HOST_EMULATION -x c++ -pthread -Wall -Wextra -Werror \
  "$here/test_kernels.cpp" -o "$out/test_kernels"
"$out/test_kernels"
