#!/usr/bin/env python3
"""Converts the oneDNN rows of a BenchmarkDotNet JSON report (the BatchNorm suites, --exporters json) into the
`nativebn bench --json` format (schema version 2), so that `nativebn bench --compare` can put oneDNN next to NativeBn.

    onednn_to_bench_json.py RESULTS_DIR MAX_CPU_ISA > onednn.json

Cases: BnInferenceBenchmarks.OneDnn -> bn-infer, BnTrainingBenchmarks.OneDnnForward -> bn-train-fwd,
OneDnnForwardBackward -> bn-train-fwdbwd, BnChannelsFirstBenchmarks.OneDnnInfer -> bn-infer-nchw, OneDnnForward ->
bn-train-fwd-nchw. Times are BenchmarkDotNet's per-operation Min, Median and Max in nanoseconds."""
import glob
import json
import re
import sys

CASES = {
    ("BnInferenceBenchmarks", "OneDnn"): "bn-infer",
    ("BnTrainingBenchmarks", "OneDnnForward"): "bn-train-fwd",
    ("BnTrainingBenchmarks", "OneDnnForwardBackward"): "bn-train-fwdbwd",
    ("BnChannelsFirstBenchmarks", "OneDnnInfer"): "bn-infer-nchw",
    ("BnChannelsFirstBenchmarks", "OneDnnForward"): "bn-train-fwd-nchw",
}


def shape(parameters):
    m = re.search(r"NCHW=(\d+)x(\d+)x(\d+)x(\d+) T=(\d+)", parameters)
    if m:
        n, c, h, w, t = map(int, m.groups())
        return n, c, h, w, t
    m = re.search(r"N=(\d+) C=(\d+) T=(\d+)", parameters)
    if not m:
        raise SystemExit(f"unrecognized benchmark parameters: {parameters!r}")
    n, c, t = map(int, m.groups())
    return n, c, 1, 1, t


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    reports = sorted(glob.glob(f"{sys.argv[1]}/*-report*.json"))
    if not reports:
        raise SystemExit(f"no BenchmarkDotNet JSON report in {sys.argv[1]}")
    machine, entries = None, []
    for path in reports:
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
        host = report["HostEnvironmentInfo"]
        machine = machine or {
            "cpu": host.get("ProcessorName", "unknown"),
            "cores": host.get("LogicalCoreCount") or 0,
            "simd_supported": [],
            "simd_width_used": f"oneDNN, max ISA {sys.argv[2]}",
            "runtime": (re.findall(r"\d+\.\d+\.\d+", host.get("RuntimeVersion", "")) or ["unknown"])[0],
            "native_aot": False,
            "settings": [f"ONEDNN_MAX_CPU_ISA={sys.argv[2]}"],
        }
        for b in report["Benchmarks"]:
            name = CASES.get((b["Type"], b["Method"]))
            stats = b.get("Statistics")
            if name is None or not stats:
                continue
            n, c, h, w, t = shape(b.get("Parameters", ""))
            entries.append({"case": name, "n": n, "c": c, "threads": t, "ns_per_op": stats["Median"],
                            "scalar_loop_ns_per_op": None, "speedup_vs_scalar_loop": None,
                            "h": h, "w": w, "ns_min": stats["Min"], "ns_max": stats["Max"]})
    json.dump({"machine": machine, "entries": entries, "schema_version": 2}, sys.stdout, indent=2)
    print()


main()
