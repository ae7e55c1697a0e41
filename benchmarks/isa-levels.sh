#!/usr/bin/env bash
# NativeBn and oneDNN at three instruction-set levels on this CPU, merged into one table by `nativebn bench --compare`.
#
#   benchmarks/isa-levels.sh [OUT_DIR] [--aot]
#
# Per level, in this order (one round; ROUNDS=N repeats the whole sequence N times, alternating the levels):
#   1. `nativebn bench --json` (JIT) with the level's DOTNET_ settings:
#        AVX-512: none;  AVX2: DOTNET_EnableAVX512=0;  128-bit: DOTNET_EnableAVX2=0
#      (on .NET 10 DOTNET_EnableAVX512F is ignored; DOTNET_PreferredVectorBitWidth=256 keeps AVX-512 instructions at
#      256 bits, which no AVX2-only CPU has);
#   2. with --aot, the same with a NativeAOT build per level (-p:IlcInstructionSet=x86-64-v4, x86-64-v3, x86-64-v2;
#      NativeAOT ignores the DOTNET_ settings), which takes a publish per level;
#   3. oneDNN limited to the same level (ONEDNN_MAX_CPU_ISA=AVX512_CORE, AVX2, SSE41): the BenchmarkDotNet
#      BatchNorm suites in process (--inProcess --job short) filtered to the oneDNN methods, converted to the
#      `bench --json` format with /usr/bin/python3 so that --compare can merge them.
# Then `nativebn bench --compare` writes OUT_DIR/table.md and OUT_DIR/isa-levels.png. One round takes about 6-8
# minutes on a 2-core machine (each nativebn bench about 15-30 s, each oneDNN suite about 2 minutes).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/artifacts/isa-levels"
aot=0
for arg in "$@"; do
  case "$arg" in
    --aot) aot=1 ;;
    *) out="$arg" ;;
  esac
done
rounds="${ROUNDS:-1}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

levels=(avx512 avx2 sse)
declare -A dotnet_env=([avx512]="" [avx2]="DOTNET_EnableAVX512=0" [sse]="DOTNET_EnableAVX2=0")
declare -A ilc=([avx512]="x86-64-v4" [avx2]="x86-64-v3" [sse]="x86-64-v2")
declare -A onednn_isa=([avx512]="AVX512_CORE" [avx2]="AVX2" [sse]="SSE41")
declare -A title=([avx512]="AVX-512" [avx2]="AVX2" [sse]="128-bit")

dotnet build "$root/src/NativeBn.Cli" -c Release -v quiet -nologo >/dev/null
dotnet build "$root/benchmarks/NativeBn.Benchmarks" -c Release -v quiet -nologo >/dev/null
cli="$root/src/NativeBn.Cli/bin/Release/net10.0/nativebn"
if [ "$aot" = 1 ]; then
  for level in "${levels[@]}"; do
    dotnet publish "$root/src/NativeBn.Cli" -c Release -r linux-x64 -p:PublishAot=true -p:IlcInstructionSet="${ilc[$level]}" \
      -o "$out/aot-$level" -v quiet -nologo >/dev/null
  done
fi

have_onednn=1
if ! ldconfig -p | grep 'libdnnl.so.2 ' >/dev/null; then
  echo "oneDNN (libdnnl.so.2) is not installed: its columns are left out. On Debian: apt-get install libdnnl-dev" >&2
  have_onednn=0
fi

files=()
labels=()
for round in $(seq 1 "$rounds"); do
  for level in "${levels[@]}"; do
    echo "round $round, ${title[$level]}: nativebn bench (JIT, ${dotnet_env[$level]:-no DOTNET_ settings})" >&2
    env ${dotnet_env[$level]} "$cli" bench --json "$out/nativebn-jit-$level-$round.json" >/dev/null
    files+=("$out/nativebn-jit-$level-$round.json"); labels+=("NativeBn ${title[$level]} r$round")
    if [ "$aot" = 1 ]; then
      echo "round $round, ${title[$level]}: nativebn bench (NativeAOT, ${ilc[$level]})" >&2
      "$out/aot-$level/nativebn" bench --json "$out/nativebn-aot-$level-$round.json" >/dev/null
      files+=("$out/nativebn-aot-$level-$round.json"); labels+=("NativeBn AOT ${title[$level]} r$round")
    fi
    if [ "$have_onednn" = 1 ]; then
      echo "round $round, ${title[$level]}: oneDNN (ONEDNN_MAX_CPU_ISA=${onednn_isa[$level]})" >&2
      artifacts="$out/bdn-$level-$round"
      rm -rf "$artifacts"
      (cd "$root" && ONEDNN_MAX_CPU_ISA="${onednn_isa[$level]}" dotnet run -c Release --no-build --project benchmarks/NativeBn.Benchmarks -- \
        --filter '*BnInferenceBenchmarks.OneDnn' '*BnTrainingBenchmarks.OneDnn*' '*BnChannelsFirstBenchmarks.OneDnn*' \
        --inProcess --job short --exporters json --artifacts "$artifacts" >"$artifacts.log" 2>&1)
      /usr/bin/python3 "$root/benchmarks/onednn_to_bench_json.py" "$artifacts/results" "${onednn_isa[$level]}" >"$out/onednn-$level-$round.json"
      files+=("$out/onednn-$level-$round.json"); labels+=("oneDNN ${title[$level]} r$round")
    fi
  done
done

"$cli" bench --compare "${files[@]}" --label "${labels[@]}" --plot "$out/isa-levels.png" | tee "$out/table.md"
