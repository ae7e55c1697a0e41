"""Summarizes the load test: one JSON object per line (run.sh writes them), a markdown table per model.

Each line is either a run {"kind": "run", model, service, rate, csv, engine_us} whose csv is hey's per-request output,
or a note {"kind": "single", model, service, engine_us} (the engine's time per prediction at low load)."""
import csv
import json
import statistics
import sys


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(-(-p * len(sorted_values) // 100)) - 1))
    return sorted_values[k]


def read_run(path):
    latencies, failures, end = [], 0, 0.0
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            seconds = float(row["response-time"])
            latencies.append(seconds * 1e3)
            if not row["status-code"].startswith("2"):
                failures += 1
            end = max(end, float(row["offset"]) + seconds)
    latencies.sort()
    return {
        "count": len(latencies),
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "p999": percentile(latencies, 99.9),
        "throughput": len(latencies) / end if end > 0 else 0.0,
        "failures": failures,
    }


def main():
    lines = [json.loads(line) for line in open(sys.argv[1])]
    targets = {k: float(v) for k, v in (arg.split("=") for arg in sys.argv[2:])}
    single = {(l["model"], l["service"]): l["engine_us"] for l in lines if l["kind"] == "single"}
    runs = {}
    for l in lines:
        if l["kind"] == "run":
            stats = read_run(l["csv"])
            stats["engine_us"] = l["engine_us"]
            runs.setdefault((l["model"], l["service"], l["rate"]), []).append(stats)
    for model in dict.fromkeys(k[0] for k in runs):
        target = targets.get(model)
        print(f"\n{model}: p99 target {target:.2f} ms" if target else f"\n{model}")
        for service in dict.fromkeys(k[1] for k in runs if k[0] == model):
            if (model, service) in single:
                print(f"  {service}: single-image engine time {single[(model, service)]:.1f} us")
        print()
        print("| service | rate (req/s) | p50 (ms) | p99 (ms) | p99.9 (ms) | achieved (req/s) | non-2xx | engine (us/prediction) |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        best = {}
        for (m, service, rate), stats in sorted(runs.items(), key=lambda kv: (kv[0][1], kv[0][2])):
            if m != model:
                continue

            def cell(key, fmt):
                values = sorted(s[key] for s in stats)
                return f"{fmt % statistics.median(values)} ({fmt % values[0]}-{fmt % values[-1]})"

            failures = sum(s["failures"] for s in stats)
            print(f"| {service} | {rate} | {cell('p50', '%.3f')} | {cell('p99', '%.3f')} | {cell('p999', '%.3f')} | "
                  f"{statistics.median(s['throughput'] for s in stats):.0f} | {failures} | {statistics.median(s['engine_us'] for s in stats):.1f} |")
            sustained = failures == 0 and statistics.median(s["throughput"] for s in stats) >= 0.95 * rate
            if target and sustained and statistics.median(s["p99"] for s in stats) < target:
                best[service] = max(best.get(service, 0), rate)
        if target:
            for service in dict.fromkeys(k[1] for k in runs if k[0] == model):
                print(f"\nhighest rate tested with median p99 under {target:.2f} ms, no failures and 95 % of the rate achieved, "
                      f"{service}: {best.get(service, 'none')}")


if __name__ == "__main__":
    main()
