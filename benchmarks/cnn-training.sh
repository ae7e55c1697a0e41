#!/usr/bin/env bash
# One training step of the demo CNN (conv 8 → BatchNorm → ReLU → max-pool → conv 16 → BatchNorm → ReLU → max-pool →
# Dense 10, Adam) in NativeBn (BenchmarkDotNet, CnnTrainingBenchmarks) and in PyTorch on the CPU
# (benchmarks/pytorch/train_step.py, /usr/bin/python3 with Debian's python3-torch), one after the other, then one
# table: medians with interquartile ranges and the ratio PyTorch median / NativeBn median (above 1: NativeBn is faster).
# Usage: benchmarks/cnn-training.sh [OUTPUT_DIR] [extra BenchmarkDotNet arguments, default --job short]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/artifacts/cnn-training}"
shift || true
bdn_args=("$@")
[ ${#bdn_args[@]} -gt 0 ] || bdn_args=(--job short)
mkdir -p "$out"

(cd "$root" && dotnet run -c Release --project "$root/benchmarks/NativeBn.Benchmarks" -- \
  --filter '*CnnTrainingBenchmarks*' --exporters json --artifacts "$out/bdn" "${bdn_args[@]}")
/usr/bin/python3 "$root/benchmarks/pytorch/train_step.py" --json "$out/pytorch.json"

/usr/bin/python3 - "$out" <<'PY'
import glob, json, sys
out = sys.argv[1]
reports = glob.glob(f"{out}/bdn/results/*CnnTrainingBenchmarks*-report-full*.json")
if not reports:
    sys.exit(f"no BenchmarkDotNet report under {out}/bdn/results")
native = {}
for b in json.load(open(reports[0]))["Benchmarks"]:
    p = {k: int(v) for k, v in (kv.split("=") for kv in b["Parameters"].split("&"))}
    s = b["Statistics"]
    if s is None:
        sys.exit(f"BenchmarkDotNet has no result for {b['Parameters']}: see its log above")
    native[(p["Batch"], p["Threads"])] = (s["Median"] / 1000, s["Q1"] / 1000, s["Q3"] / 1000,
                                          (b.get("Memory") or {}).get("BytesAllocatedPerOperation"))
torch = json.load(open(f"{out}/pytorch.json"))
peer = {(r["batch"], r["threads"]): r for r in torch["results"]}
print()
print(f"One training step, medians (interquartile range); PyTorch {torch['torch']} CPU; ratio = PyTorch / NativeBn")
print("| batch | threads | NativeBn | allocated | PyTorch | ratio |")
print("|---:|---:|---:|---:|---:|---:|")
for key in sorted(native):
    median, q1, q3, allocated = native[key]
    r = peer.get(key)
    torch_cell = f"{r['median_us'] / 1000:.2f} ms ({r['q1_us'] / 1000:.2f}-{r['q3_us'] / 1000:.2f})" if r else "-"
    ratio = f"{r['median_us'] / median:.2f}×" if r else "-"
    alloc = "-" if allocated is None else f"{allocated} B"
    print(f"| {key[0]} | {key[1]} | {median / 1000:.2f} ms ({q1 / 1000:.2f}-{q3 / 1000:.2f}) | {alloc} | {torch_cell} | {ratio} |")
PY
