#!/usr/bin/env python3
"""Summarizes BenchmarkDotNet JSON reports of several launches of the large BatchNorm cases (benchmarks/launches.sh).

    launches_summary.py RESULTS_DIR [RESULTS_DIR ...] > table.md

Per case and engine: the median over launches of each launch's median, and the spread (the slowest launch's median
over the fastest's). The ratio is oneDNN's time over NativeBn's (above 1: NativeBn is faster). Targets: inference
>= 1.0, training forward >= 1.2, forward+backward >= 1.0; NativeBn's spread <= 1.3 and <= 1.1 times oneDNN's."""
import glob
import json
import statistics
import sys

ENGINES = {
    ("BnInferenceBenchmarks", "NativeBnInfer"): ("inference", "NativeBn"),
    ("BnInferenceBenchmarks", "OneDnn"): ("inference", "oneDNN"),
    ("BnTrainingBenchmarks", "NativeBnForward"): ("training forward", "NativeBn"),
    ("BnTrainingBenchmarks", "OneDnnForward"): ("training forward", "oneDNN"),
    ("BnTrainingBenchmarks", "NativeBnForwardBackward"): ("forward+backward", "NativeBn"),
    ("BnTrainingBenchmarks", "OneDnnForwardBackward"): ("forward+backward", "oneDNN"),
}
TARGETS = {"inference": 1.0, "training forward": 1.2, "forward+backward": 1.0}


def fmt(ns):
    for unit, scale in (("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    medians = {}
    for launch, folder in enumerate(sys.argv[1:]):
        reports = sorted(glob.glob(f"{folder}/*-report*.json"))
        if not reports:
            raise SystemExit(f"no BenchmarkDotNet JSON report in {folder}")
        for report in reports:
            with open(report, encoding="utf-8") as f:
                data = json.load(f)
            for benchmark in data["Benchmarks"]:
                key = (benchmark["Type"], benchmark["Method"])
                if key not in ENGINES or not benchmark.get("Statistics"):
                    continue
                operation, engine = ENGINES[key]
                case = benchmark["Parameters"].replace("Case=", "")
                medians.setdefault((operation, case), {}).setdefault(engine, {})[launch] = benchmark["Statistics"]["Median"]
    launches = len(sys.argv) - 1
    print(f"{launches} launches; per engine the median of the launches' medians and the spread (slowest / fastest launch).")
    print()
    print("| operation | case | NativeBn | spread | oneDNN | spread | ratio | target | spread target |")
    print("|---|---|---:|---:|---:|---:|---:|---|---|")
    failures = 0
    for (operation, case), engines in sorted(medians.items()):
        if set(engines) != {"NativeBn", "oneDNN"}:
            continue
        ours, theirs = list(engines["NativeBn"].values()), list(engines["oneDNN"].values())
        m_ours, m_theirs = statistics.median(ours), statistics.median(theirs)
        s_ours, s_theirs = max(ours) / min(ours), max(theirs) / min(theirs)
        ratio = m_theirs / m_ours
        met = ratio >= TARGETS[operation]
        spread_met = s_ours <= 1.3 and s_ours <= 1.1 * s_theirs
        failures += (not met) + (not spread_met)
        bandwidth = ""
        if operation == "inference":
            n, c = (int(part.split("=")[1]) for part in case.split()[:2])
            bandwidth = f" ({2 * 4 * n * c / m_ours:.0f} GB/s)"
        print(f"| {operation} | {case} | {fmt(m_ours)}{bandwidth} | {s_ours:.2f} | {fmt(m_theirs)} | {s_theirs:.2f} | {ratio:.2f}x "
              f"| >= {TARGETS[operation]:.1f}x: {'met' if met else 'not met'} | {'met' if spread_met else 'not met'} |")
    print()
    print(f"{failures} target(s) not met")


if __name__ == "__main__":
    main()
