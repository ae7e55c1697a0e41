#!/usr/bin/env bash
# Publishes the NativeAOT CLI and libnativebn, runs an end-to-end command with the native binary, builds the C test
# with gcc and runs it against predictions of the managed engine. Prints the C test's "N passed, M failed" line last.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-$root/artifacts/native}"
mkdir -p "$out"
# -p:PublishAot=true as many users type it: it reaches every referenced project, the source generator included.
dotnet publish "$root/src/NativeBn.Cli" -c Release -r linux-x64 -p:PublishAot=true -o "$out/cli" -v quiet -nologo
dotnet publish "$root/src/NativeBn.Native" -c Release -r linux-x64 -o "$out/lib" -v quiet -nologo
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$out/cli/nativebn" info
"$out/cli/nativebn" train --epochs 1 --output "$work/model.nbm" | tail -2
gcc -O2 -Wall -Wextra -Werror -I "$root/include" "$root/tests/native/test_nativebn.c" -o "$work/test_nativebn" \
    -L "$out/lib" -lnativebn -lpthread -lm -Wl,-rpath,"$out/lib"
"$work/test_nativebn" gen "$work/samples.csv" 50 784
"$out/cli/nativebn" predict --model "$work/model.nbm" --input "$work/samples.csv" --output "$work/expected.csv"
cd "$work"
"$work/test_nativebn" check "$work/model.nbm" "$work/samples.csv" "$work/expected.csv"
