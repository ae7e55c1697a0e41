#!/usr/bin/env python3
"""Summarizes BenchmarkDotNet JSON reports of several launches of one suite (benchmarks/launches.sh).

    launches_summary.py RESULTS_DIR [RESULTS_DIR ...] > table.md

Per case and engine: the median over launches of each launch's median, and the spread (the slowest launch's median
over the fastest's). The ratio is the peer's time over NativeBn's (above 1: NativeBn is faster), from the medians of
the launches and per launch. Targets: the large BatchNorm cases against oneDNN, inference >= 1.0, training forward
>= 1.2, forward+backward >= 1.0, NativeBn's spread <= 1.3 and <= 1.1 times oneDNN's; the convolutional networks
against ONNX Runtime, one image >= 0.75."""
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
    ("ConvNetBenchmarks", "NativeBn1Thread"): ("1 thread", "NativeBn"),
    ("ConvNetBenchmarks", "OnnxRuntime1Thread"): ("1 thread", "ONNX Runtime"),
    ("ConvNetBenchmarks", "NativeBn2Threads"): ("2 threads", "NativeBn"),
    ("ConvNetBenchmarks", "OnnxRuntime2Threads"): ("2 threads", "ONNX Runtime"),
}
BATCHNORM_TARGETS = {"inference": 1.0, "training forward": 1.2, "forward+backward": 1.0}
ONE_IMAGE_TARGET = 0.75


def fmt(ns):
    for unit, scale in (("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def target(operation, case):
    """The least ratio the case must reach, or None where it has none."""
    if operation in BATCHNORM_TARGETS:
        return BATCHNORM_TARGETS[operation]
    return ONE_IMAGE_TARGET if "Batch=1" in case.split(", ") else None


def read(folders):
    """(operation, case) -> engine -> launch -> median in ns."""
    medians = {}
    for launch, folder in enumerate(folders):
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
                case = benchmark["Parameters"].replace("Case=", "").replace("&", ", ")
                medians.setdefault((operation, case), {}).setdefault(engine, {})[launch] = benchmark["Statistics"]["Median"]
    return medians


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    medians = read(sys.argv[1:])
    print(f"{len(sys.argv) - 1} launches; per engine the median of the launches' medians and the spread (slowest / fastest launch).")
    print()
    print("| operation | case | NativeBn | spread | peer | peer's time | spread | ratio | per launch | target | spread target |")
    print("|---|---|---:|---:|---|---:|---:|---:|---|---|---|")
    failures = 0
    for (operation, case), engines in sorted(medians.items()):
        peers = sorted(set(engines) - {"NativeBn"})
        if "NativeBn" not in engines or len(peers) != 1:
            continue
        peer = peers[0]
        launches = sorted(set(engines["NativeBn"]) & set(engines[peer]))
        ours, theirs = [engines["NativeBn"][l] for l in launches], [engines[peer][l] for l in launches]
        m_ours, m_theirs = statistics.median(ours), statistics.median(theirs)
        s_ours, s_theirs = max(ours) / min(ours), max(theirs) / min(theirs)
        ratio = m_theirs / m_ours
        per_launch = ", ".join(f"{t / o:.2f}" for o, t in zip(ours, theirs))
        least = target(operation, case)
        met = least is None or ratio >= least
        target_text = "" if least is None else f">= {least:.2f}x: {'met' if met else 'not met'}"
        spread_text = ""
        if operation in BATCHNORM_TARGETS:
            spread_met = s_ours <= 1.3 and s_ours <= 1.1 * s_theirs
            spread_text = "met" if spread_met else "not met"
            failures += not spread_met
        failures += not met
        bandwidth = ""
        if operation == "inference":
            n, c = (int(part.split("=")[1]) for part in case.split()[:2])
            bandwidth = f" ({2 * 4 * n * c / m_ours:.0f} GB/s)"
        print(f"| {operation} | {case} | {fmt(m_ours)}{bandwidth} | {s_ours:.2f} | {peer} | {fmt(m_theirs)} | {s_theirs:.2f} "
              f"| {ratio:.2f}x | {per_launch} | {target_text} | {spread_text} |")
    print()
    print(f"{failures} target(s) not met")


if __name__ == "__main__":
    main()
