#!/usr/bin/env bash
# Benchmark suites in several BenchmarkDotNet process launches, NativeBn and its peer in each launch, summarized over
# the launches (the medians of the launch medians, the spread between launches, the ratio per launch).
#
#   benchmarks/launches.sh [OUT_DIR]             the large BatchNorm cases against oneDNN
#   benchmarks/launches.sh --convnet [OUT_DIR]   ResNet-18 and MobileNetV2 against ONNX Runtime
#   (LAUNCHES=5 by default)
#
# BatchNorm: each launch runs, in process with --job short, BnInferenceBenchmarks (NativeBnInfer, OneDnn) and
# BnTrainingBenchmarks (forward and forward+backward of both) for the cases with N >= 4096 (NATIVEBN_BENCHMARK_MIN_N);
# BenchmarkDotNet runs the two engines one after the other for each case, so every launch measures both in the same
# window. Targets: inference >= 1.0x, training forward >= 1.2x, forward+backward >= 1.0x; NativeBn's spread <= 1.3
# and <= 1.1 x oneDNN's. One launch takes about 3 minutes on a 2-core machine. Needs oneDNN (apt-get install libdnnl-dev).
#
# ConvNet: each launch runs ConvNetBenchmarks with --job short, every case in a process of its own, NativeBn's case
# next to ONNX Runtime's at the same thread count. Target: one image at least 0.75x ONNX Runtime's speed. One launch
# takes about 3-4 minutes. Needs the 224x224 models in NATIVEBN_BENCHMARK_MODELS
# (/usr/bin/python3 tests/pytorch/export_models.py DIR --benchmark).
#
# benchmarks/launches_summary.py writes OUT_DIR/table.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
suite=bn
if [[ "${1:-}" == "--convnet" ]]; then
  suite=convnet
  shift
fi
out="${1:-$root/artifacts/launches-$suite}"
launches="${LAUNCHES:-5}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
if [[ $suite == bn ]]; then
  if ! ldconfig -p | grep 'libdnnl.so.2 ' >/dev/null; then
    echo "oneDNN (libdnnl.so.2) is not installed; on Debian: apt-get install libdnnl-dev" >&2
    exit 1
  fi
  arguments=(--filter '*BnInferenceBenchmarks.NativeBnInfer' '*BnInferenceBenchmarks.OneDnn' '*BnTrainingBenchmarks.NativeBn*' '*BnTrainingBenchmarks.OneDnn*' --inProcess)
  export NATIVEBN_BENCHMARK_MIN_N=4096
else
  if [[ ! -f "${NATIVEBN_BENCHMARK_MODELS:-}/resnet18-224-opset13-bn.onnx" ]]; then
    echo "NATIVEBN_BENCHMARK_MODELS must name a folder with the 224x224 models: /usr/bin/python3 tests/pytorch/export_models.py DIR --benchmark" >&2
    exit 1
  fi
  arguments=(--filter '*ConvNetBenchmarks*')
fi

dotnet build "$root/benchmarks/NativeBn.Benchmarks" -c Release -v quiet -nologo >/dev/null
dirs=()
for launch in $(seq 1 "$launches"); do
  artifacts="$out/launch-$launch"
  rm -rf "$artifacts"
  echo "launch $launch of $launches ($(date -u +%H:%M) UTC)" >&2
  (cd "$root" && dotnet run -c Release --no-build --project benchmarks/NativeBn.Benchmarks -- \
    "${arguments[@]}" --job short --exporters json --artifacts "$artifacts" >"$artifacts.log" 2>&1)
  dirs+=("$artifacts/results")
done

/usr/bin/python3 "$root/benchmarks/launches_summary.py" "${dirs[@]}" | tee "$out/table.md"
