#!/usr/bin/env bash
# Load test of the sample service on loopback, NativeBn against the same service with ONNX Runtime predicting
# (benchmarks/loadtest/NativeBn.Service.Onnx; both NativeAOT binaries), on the same ONNX files: the demo MLP (trained and
# exported by the nativebn CLI) and ResNet-18 at 64x64 (torchvision, random weights, exported by PyTorch with
# tests/pytorch/export_models.py). Each service runs pinned to CPU 0 and the load generator, hey, to CPU 1. For each
# model, service and fixed rate, three runs of DURATION seconds of little-endian float32 bodies; then a hot swap every
# second under load and a swap to a corrupt file under load (NativeBn, MLP). Prints the tables (summarize.py).
# Not part of CI. Bounded: every hey run has a request count and a timeout; the whole takes about 7 minutes.
# Usage: benchmarks/loadtest/run.sh [OUTPUT_DIR]; environment: DURATION (s, default 4), RATES_MLP, RATES_CNN, RATE_SWAP.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-$root/artifacts/loadtest}"
duration="${DURATION:-4}"
rates_mlp="${RATES_MLP:-1000 2000 4000 8000}"
rates_cnn="${RATES_CNN:-25 50 100 200}"
rate_swap="${RATE_SWAP:-2000}"
mkdir -p "$out"
work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# hey (Debian): fixed-rate load with every request's latency and status in its CSV output. (Debian's "bombardier"
# package is a game, not the HTTP load generator.)
if ! command -v hey >/dev/null && command -v apt-get >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  ($sudo apt-get update -qq && $sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hey) >/dev/null 2>&1 || true
fi
command -v hey >/dev/null || { echo "hey is required (apt-get install hey)"; exit 1; }
command -v taskset >/dev/null || { echo "taskset is required (util-linux)"; exit 1; }

echo "=== $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "=== models"
nativebn() { dotnet "$root/src/NativeBn.Cli/bin/Release/net10.0/NativeBn.Cli.dll" "$@"; }
dotnet build "$root/src/NativeBn.Cli" -c Release -v quiet -nologo >/dev/null
for seed in 1 2; do
  nativebn train --epochs 1 --seed "$seed" --output "$work/mlp-$seed.nbm" | tail -1
  nativebn export --model "$work/mlp-$seed.nbm" --output "$work/mlp-$seed.onnx"
done
/usr/bin/python3 "$root/tests/pytorch/export_models.py" "$work/torchvision" --torchvision >/dev/null
cp "$work/torchvision/resnet18-opset13-bn.onnx" "$work/resnet18.onnx"
/usr/bin/python3 - "$work" <<'PY'
import random, struct, sys
random.seed(7)
for name, count in (("mlp", 784), ("resnet18", 3 * 64 * 64)):
    open(f"{sys.argv[1]}/{name}.body", "wb").write(struct.pack(f"<{count}f", *(random.random() for _ in range(count))))
PY

echo "=== publishing"
# For this machine's instruction sets (AVX-512 where the CPU has it), as ONNX Runtime picks its kernels at run time;
# the sample's default, x86-64-v3, would give NativeBn half the vector width.
dotnet publish "$root/samples/NativeBn.Service" -c Release -r linux-x64 -p:IlcInstructionSet=native -o "$out/nativebn" -v quiet -nologo >/dev/null
dotnet publish "$root/benchmarks/loadtest/NativeBn.Service.Onnx" -c Release -r linux-x64 -o "$out/onnx" -v quiet -nologo >/dev/null
# The compiler and MSBuild servers the builds left running would otherwise share the cores with the first services.
dotnet build-server shutdown >/dev/null 2>&1 || true

port=""
start() { # service (nativebn or onnx), model file: the service pinned to CPU 0, serving the file as model "m"
  port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # From the work folder: no appsettings.json (its model "mlp" is not this one); warnings only, as a service in
  # production would log, except the model loads and reloads.
  local args=(--urls "http://127.0.0.1:$port" "--NativeBn:Models:m:Path=$2" --Logging:LogLevel:Default=Warning
    --Logging:LogLevel:NativeBn.Hosting=Information)
  if [ "$1" = nativebn ]; then
    (cd "$work" && exec taskset -c 0 "$out/nativebn/NativeBn.Service" "${args[@]}") >"$work/$1.log" 2>&1 &
  else
    (cd "$work" && exec taskset -c 0 "$out/onnx/NativeBn.Service.Onnx" "${args[@]}") >"$work/$1.log" 2>&1 &
  fi
  pid=$!
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "the $1 service did not start:"; tail -20 "$work/$1.log"; exit 1
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
engine() { # predictions and total engine microseconds of model "m" so far
  curl -s "http://127.0.0.1:$port/models" | /usr/bin/python3 -c 'import json, sys; m = json.load(sys.stdin)[0]; print(m["predictions"], m["engineMicroseconds"])'
}
load() { # rate, seconds, body, csv: hey pinned to CPU 1, rate/500 workers (at most 64) at an equal share of the rate
  local rate=$1 seconds=$2 workers=$(( $1 / 500 > 0 ? $1 / 500 : 1 ))
  [ "$workers" -le 64 ] || workers=64
  local count=$(( rate * seconds / workers * workers ))
  timeout $(( seconds * 3 + 30 )) taskset -c 1 hey -cpus 1 -n "$count" -c "$workers" -q $(( rate / workers )) -t 5 -m POST \
    -T application/octet-stream -D "$3" -o csv "http://127.0.0.1:$port/models/m/predict" >"$4"
}
measure() { # model, service, rate, run: one run's line for summarize.py
  local csv="$out/$1-$2-$3-$4.csv" before after
  before=$(engine)
  load "$3" "$duration" "$work/$1.body" "$csv"
  after=$(engine)
  echo "{\"kind\":\"run\",\"model\":\"$1\",\"service\":\"$2\",\"rate\":$3,\"csv\":\"$csv\",\"engine_us\":$(echo "$before $after" | awk '{print ($4 - $2) / ($3 - $1)}')}" >>"$out/results.jsonl"
}

: >"$out/results.jsonl"
declare -A single
for model in mlp resnet18; do
  file="$work/$model.onnx"; [ "$model" = mlp ] && file="$work/mlp-1.onnx"
  rates="$rates_mlp"; [ "$model" = resnet18 ] && rates="$rates_cnn"
  for service in nativebn onnx; do
    echo "=== $model, $service"
    start "$service" "$file"
    # Warm-up, then the single-image time: the engine's mean over 100 requests at 50 per second (one at a time).
    warm=20; [ "$model" = mlp ] && warm=200
    load "$warm" 5 "$work/$model.body" "$work/warmup.csv"
    read -r n0 us0 < <(engine)
    load 50 2 "$work/$model.body" "$work/single.csv"
    read -r n1 us1 < <(engine)
    single[$model-$service]=$(awk -v n="$((n1 - n0))" -v us0="$us0" -v us1="$us1" 'BEGIN {print (us1 - us0) / n}')
    echo "{\"kind\":\"single\",\"model\":\"$model\",\"service\":\"$service\",\"engine_us\":${single[$model-$service]}}" >>"$out/results.jsonl"
    for rate in $rates; do
      for run in 1 2 3; do measure "$model" "$service" "$rate" "$run"; done
      echo "  $rate req/s done"
    done
    stop
  done
done

echo "=== hot swap every second under load (NativeBn, MLP, $rate_swap req/s, 10 s)"
mkdir -p "$work/served"
cp "$work/mlp-1.onnx" "$work/served/mlp.onnx"
start nativebn "$work/served/mlp.onnx"
load 200 2 "$work/mlp.body" "$work/warmup.csv"
load "$rate_swap" 10 "$work/mlp.body" "$out/swap.csv" &
hey_pid=$!
reloads_ok=0; reloads=0
for i in $(seq 10); do
  sleep 1
  cp "$work/mlp-$(( i % 2 + 1 )).onnx" "$work/served/.mlp.onnx.tmp" && mv -f "$work/served/.mlp.onnx.tmp" "$work/served/mlp.onnx"
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/models/m/reload")
  reloads=$((reloads + 1)); [ "$code" = 200 ] && reloads_ok=$((reloads_ok + 1))
done
wait "$hey_pid"
swap_failures=$(tail -n +2 "$out/swap.csv" | awk -F, '$7 !~ /^2/' | wc -l)
swap_versions=$(curl -s "http://127.0.0.1:$port/models" | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["version"])')
echo "requests: $(( $(wc -l <"$out/swap.csv") - 1 )), non-2xx: $swap_failures; reloads: $reloads_ok of $reloads returned 200; version now $swap_versions"

echo "=== a swap to a corrupt file under load (NativeBn, MLP, $rate_swap req/s, 6 s)"
load "$rate_swap" 6 "$work/mlp.body" "$out/corrupt.csv" &
hey_pid=$!
sleep 3
head -c 4096 /dev/urandom >"$work/served/.mlp.onnx.tmp" && mv -f "$work/served/.mlp.onnx.tmp" "$work/served/mlp.onnx"
corrupt_code=$(curl -s -o "$work/corrupt-reload.json" -w '%{http_code}' -X POST "http://127.0.0.1:$port/models/m/reload")
wait "$hey_pid"
corrupt_failures=$(tail -n +2 "$out/corrupt.csv" | awk -F, '$7 !~ /^2/' | wc -l)
corrupt_version=$(curl -s "http://127.0.0.1:$port/models" | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["version"])')
echo "reload answered $corrupt_code: $(head -c 300 "$work/corrupt-reload.json")"
echo "requests: $(( $(wc -l <"$out/corrupt.csv") - 1 )), non-2xx: $corrupt_failures; version still serving: $corrupt_version (was $swap_versions)"
stop

cnn_target=$(awk -v a="${single[resnet18-nativebn]}" -v b="${single[resnet18-onnx]}" 'BEGIN {printf "%.3f", 3 * (a < b ? a : b) / 1000}')
echo "=== results (target p99: MLP 1 ms; ResNet-18 3 x the faster engine's single-image time = $cnn_target ms)"
/usr/bin/python3 "$root/benchmarks/loadtest/summarize.py" "$out/results.jsonl" mlp=1 resnet18="$cnn_target"
echo "=== total $SECONDS s"
