#!/usr/bin/env bash
# The MPI benchmarks (SyncBatchNorm step overhead, population-statistics throughput) at 1 and 2 ranks.
# Pass --quick for a smoke run. Needs Open MPI (openmpi-bin, libopenmpi-dev).
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build benchmarks/NativeBn.Benchmarks -c Release -v quiet -nologo >/dev/null
for ranks in 1 2; do
  echo "=== $ranks rank(s)"
  mpirun --allow-run-as-root --oversubscribe -np "$ranks" \
    dotnet benchmarks/NativeBn.Benchmarks/bin/Release/net10.0/NativeBn.Benchmarks.dll --mpi "$@"
done
