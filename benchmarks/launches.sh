#!/usr/bin/env bash
# The large BatchNorm cases (N = 4096 and 16384, C = 1024, two threads) in several BenchmarkDotNet process launches,
# NativeBn and oneDNN in each launch on the same buffers, summarized with the spread between launches.
#
#   benchmarks/launches.sh [OUT_DIR]          (LAUNCHES=5 by default)
#
# Each launch runs, in process with --job short, BnInferenceBenchmarks (NativeBnInfer, OneDnn) and BnTrainingBenchmarks
# (forward and forward+backward of both) for the cases with N >= 4096 (NATIVEBN_BENCHMARK_MIN_N); BenchmarkDotNet
# runs the two engines one after the other for each case, so every launch measures both in the same window. Then
# benchmarks/launches_summary.py writes OUT_DIR/table.md: per case and engine the median of the launches' medians and
# the spread (slowest launch median / fastest), the ratio oneDNN / NativeBn, the inference bandwidth, and whether the
# targets hold (inference >= 1.0x, training forward >= 1.2x, forward+backward >= 1.0x; NativeBn's spread <= 1.3 and
# <= 1.1 x oneDNN's). One launch takes about 3 minutes on a 2-core machine. Needs oneDNN (apt-get install libdnnl-dev).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/artifacts/launches}"
launches="${LAUNCHES:-5}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
if ! ldconfig -p | grep -q 'libdnnl.so.2 '; then
  echo "oneDNN (libdnnl.so.2) is not installed; on Debian: apt-get install libdnnl-dev" >&2
  exit 1
fi

dotnet build "$root/benchmarks/NativeBn.Benchmarks" -c Release -v quiet -nologo >/dev/null
dirs=()
for launch in $(seq 1 "$launches"); do
  artifacts="$out/launch-$launch"
  rm -rf "$artifacts"
  echo "launch $launch of $launches" >&2
  (cd "$root" && NATIVEBN_BENCHMARK_MIN_N=4096 dotnet run -c Release --no-build --project benchmarks/NativeBn.Benchmarks -- \
    --filter '*BnInferenceBenchmarks.NativeBnInfer' '*BnInferenceBenchmarks.OneDnn' '*BnTrainingBenchmarks.NativeBn*' '*BnTrainingBenchmarks.OneDnn*' \
    --inProcess --job short --exporters json --artifacts "$artifacts" >"$artifacts.log" 2>&1)
  dirs+=("$artifacts/results")
done

/usr/bin/python3 "$root/benchmarks/launches_summary.py" "${dirs[@]}" | tee "$out/table.md"
