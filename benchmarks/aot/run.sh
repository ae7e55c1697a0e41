#!/usr/bin/env bash
# NativeAOT against JIT: the single-sample predict of the demo network (median ns/op from `nativebn bench`) and the
# time from process start to the first prediction (median wall time of `nativebn predict` on one sample, 15 runs).
# Usage: benchmarks/aot/run.sh [OUTPUT_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-$root/artifacts/aot-bench}"
mkdir -p "$out"
dotnet build "$root/src/NativeBn.Cli" -c Release -v quiet -nologo >/dev/null
dotnet publish "$root/src/NativeBn.Cli" -c Release -r linux-x64 -o "$out/v3" -v quiet -nologo >/dev/null
dotnet publish "$root/src/NativeBn.Cli" -c Release -r linux-x64 -p:IlcInstructionSet=x86-64-v4 -o "$out/v4" -v quiet -nologo >/dev/null
jit="$root/src/NativeBn.Cli/bin/Release/net10.0/nativebn"
"$out/v3/nativebn" train --epochs 1 --output "$out/model.nbm" >/dev/null
python3 - "$out" <<'PY'
import random, sys
random.seed(7)
open(sys.argv[1] + "/one.csv", "w").write(",".join(f"{random.random():.4f}" for _ in range(784)) + "\n")
PY

predict_ns() { "$1" bench --json "$out/$2.json" >/dev/null; python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(round([e['ns_per_op'] for e in d['entries'] if e['case']=='mlp-predict'][0]))" "$out/$2.json"; }
startup_ms() {
  python3 - "$@" <<'PY'
import statistics, subprocess, sys, time
samples = []
for _ in range(15):
    start = time.perf_counter()
    subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
    samples.append((time.perf_counter() - start) * 1000)
print(f"{statistics.median(samples):.1f}")
PY
}

echo "| build | mlp-predict ns/op | start to first prediction (ms) |"
echo "|---|---:|---:|"
for build in jit v3 v4; do
  exe="$jit"; [ "$build" = jit ] || exe="$out/$build/nativebn"
  echo "| $build | $(predict_ns "$exe" "$build") | $(startup_ms "$exe" predict --model "$out/model.nbm" --input "$out/one.csv") |"
done
