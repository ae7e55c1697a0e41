#!/usr/bin/env bash
# Publishes the sample service with NativeAOT (any warning fails the check), starts the binary on a free loopback port
# with a model PyTorch exported (the committed test fixture mlp-opset13-bn.onnx: 20 features, 5 outputs), and checks
# over HTTP: health, a binary and a JSON prediction against PyTorch's own outputs for the same samples, and bad
# requests (wrong feature count, malformed chunked body, oversized body without a length, wrong content type).
# Prints "ok"/"FAIL" per check and "N passed, M failed" last. Usage: publish-check.sh [OUTPUT_DIR]
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-$root/artifacts/service}"
fixtures="$root/tests/NativeBn.Interop.Tests/Fixtures/pytorch"
work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
check() { # label, command...
  local label=$1; shift
  if "$@"; then echo "ok $label"; passed=$((passed + 1)); else echo "FAIL $label"; failed=$((failed + 1)); fi
}
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

start=$(date +%s)
dotnet publish "$root/samples/NativeBn.Service" -c Release -r linux-x64 -o "$out" -nologo >"$work/publish.log" 2>&1
publish_rc=$?
echo "publish took $(( $(date +%s) - start )) s"
check "NativeAOT publish" test "$publish_rc" -eq 0
if grep -qi "warning" "$work/publish.log"; then grep -i "warning" "$work/publish.log" | sort -u | head -20; fi
check "no warnings in the publish log" bash -c "! grep -qi warning '$work/publish.log'"
[ "$publish_rc" -eq 0 ] || { tail -30 "$work/publish.log"; finish; }

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
cp "$fixtures/mlp-opset13-bn.onnx" "$work/mlp.onnx"
# From the publish folder, so that its appsettings.json is read; the model path comes from the command line.
(cd "$out" && exec ./NativeBn.Service --urls "$url" "--NativeBn:Models:mlp:Path=$work/mlp.onnx") >"$work/service.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "$url/health" >/dev/null 2>&1 && break; sleep 0.1; done
check "GET /health is Healthy" test "$(curl -s "$url/health")" = "Healthy"

# PyTorch's samples: input.bin is float32 [4, 20], output.bin float32 [4, 5], little-endian.
head -c 80 "$fixtures/mlp-opset13-bn.input.bin" >"$work/x0.bin"
curl -s -o "$work/y0.bin" -D "$work/h0.txt" -H "Content-Type: application/octet-stream" --data-binary "@$work/x0.bin" "$url/models/mlp/predict"
compare() { # outputs file (binary or JSON), sample index
  /usr/bin/python3 - "$1" "$fixtures/mlp-opset13-bn.output.bin" "$2" <<'PY'
import json, struct, sys
data = open(sys.argv[1], "rb").read()
got = json.loads(data)["outputs"] if data[:1] == b"{" else list(struct.unpack("<5f", data))
k = int(sys.argv[3])
want = struct.unpack("<20f", open(sys.argv[2], "rb").read())[5 * k:5 * k + 5]
bad = [(g, w) for g, w in zip(got, want) if abs(g - w) > 1e-5 + 1e-4 * abs(w)]
print("  outputs", got, "PyTorch", list(want))
sys.exit(1 if bad or len(got) != 5 else 0)
PY
}
check "binary prediction equals PyTorch's" compare "$work/y0.bin" 0
check "binary prediction reports the version" grep -qi "^model-version: 1" "$work/h0.txt"
/usr/bin/python3 -c '
import json, struct, sys
x = struct.unpack("<20f", open(sys.argv[1], "rb").read()[80:160])
print(json.dumps({"features": list(x)}))' "$fixtures/mlp-opset13-bn.input.bin" >"$work/x1.json"
curl -s -o "$work/y1.json" -H "Content-Type: application/json" --data-binary "@$work/x1.json" "$url/models/mlp/predict"
check "JSON prediction equals PyTorch's" compare "$work/y1.json" 1

status() { # expected status, curl arguments...: the status and a problem body
  local expected=$1; shift
  local code
  code=$(curl -s -o "$work/problem.json" -D "$work/problem.h" -w '%{http_code}' "$@")
  echo "  $code $(head -c 300 "$work/problem.json")"
  [ "$code" = "$expected" ] && grep -qi "^content-type: application/problem+json" "$work/problem.h"
}
check "wrong feature count: 400 problem" status 400 -H "Content-Type: application/json" -d '{"features":[1,2,3]}' "$url/models/mlp/predict"
check "malformed JSON: 400 problem" status 400 -H "Content-Type: application/json" -d '{"features":[1,2' "$url/models/mlp/predict"
raw_status() { # a request with a chunk size that is not hexadecimal, written by hand (curl would encode it correctly)
  /usr/bin/python3 - "$port" <<'PY'
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10) as s:
    s.sendall(b"POST /models/mlp/predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
              b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
    response = b""
    while b"\r\n\r\n" not in response or len(response) < 200:
        data = s.recv(4096)
        if not data:
            break
        response += data
head = response.split(b"\r\n\r\n")[0].decode("latin-1").lower()
print("  " + response.decode("latin-1").splitlines()[0], response.split(b"\r\n\r\n", 1)[-1][:200])
sys.exit(0 if head.startswith("http/1.1 400") and "content-type: application/problem+json" in head else 1)
PY
}
check "malformed chunked body: 400 problem" raw_status
head -c 100000 /dev/zero >"$work/large.bin"
check "oversized body without a length: 413 problem" status 413 -H "Content-Type: application/octet-stream" -H "Transfer-Encoding: chunked" \
  --data-binary "@$work/large.bin" "$url/models/mlp/predict"
check "wrong content type: 415 problem" status 415 -H "Content-Type: text/plain" -d 'hello' "$url/models/mlp/predict"
check "unknown model: 404 problem" status 404 -H "Content-Type: application/json" -d '{"features":[]}' "$url/models/nope/predict"

kill "$pid"
wait "$pid"
stop_rc=$?
pid=""
check "the service stops on SIGTERM" test "$stop_rc" -eq 0
if [ "$failed" -ne 0 ]; then tail -30 "$work/service.log"; fi
finish
