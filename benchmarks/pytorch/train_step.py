#!/usr/bin/python3
"""One training step of NativeBn's demo CNN in PyTorch (CPU), the peer of CnnTrainingBenchmarks.

The network is MismatchDemo.CnnArchitecture on [N, 1, 28, 28]: Conv2d(1, 8, 3, padding=1), BatchNorm2d, ReLU,
MaxPool2d(2), Conv2d(8, 16, 3, padding=1), BatchNorm2d, ReLU, MaxPool2d(2), Flatten, Linear(784, 10); loss
cross-entropy, optimizer Adam(lr=1e-3). A step is zero_grad, forward, loss, backward, optimizer step, as
Sequential.TrainStep does. The batch holds the embedded MNIST digits at indices i * (10000 // N), the same digits the
.NET benchmark uses. Each configuration (batch, threads) is warmed up, then every step is timed alone with
time.perf_counter_ns; the median and interquartile range are reported.

Usage: /usr/bin/python3 benchmarks/pytorch/train_step.py [--batches 32 128] [--threads 1 2] [--steps 300]
       [--warmup 50] [--json FILE]
"""
import argparse
import gzip
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MNIST = os.path.join(ROOT, "data", "mnist", "mnist-10k.bin.gz")
COUNT, SIDE = 10_000, 28


def load_mnist():
    """Digits [10000, 1, 28, 28] and labels of data/mnist/mnist-10k.bin.gz (layout in data/mnist/README.md)."""
    with gzip.open(MNIST, "rb") as f:
        data = f.read()
    if data[:8] != b"NBMNIST1":
        raise ValueError(f"{MNIST}: no NBMNIST1 header")
    count = int.from_bytes(data[8:12], "little")
    rows, columns = data[12], data[13]
    if count != COUNT or (rows, columns) != (SIDE, SIDE) or len(data) != 14 + count + count * rows * columns:
        raise ValueError(f"{MNIST}: {len(data)} bytes for {count} digits of {rows}x{columns}")
    labels = np.frombuffer(data, np.uint8, count, 14).astype(np.int64)
    pixels = np.frombuffer(data, np.uint8, count * rows * columns, 14 + count)
    # The package stores each pixel p as round(p / 255, 3); MnistSample decodes to the same floats.
    decode = np.round(np.arange(256) / 255.0, 3).astype(np.float32)
    return decode[pixels].reshape(count, 1, rows, columns), labels


def network():
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 7 * 7, 10))


def measure(images, labels, batch, threads, steps, warmup):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    stride = COUNT // batch
    x = torch.from_numpy(np.ascontiguousarray(images[::stride][:batch]))
    y = torch.from_numpy(np.ascontiguousarray(labels[::stride][:batch]))
    model = network().train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_function = nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad()
        loss = loss_function(model(x), y)
        loss.backward()
        optimizer.step()

    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter_ns()
        step()
        times.append(time.perf_counter_ns() - start)
    q1, median, q3 = statistics.quantiles(times, n=4, method="inclusive")
    return {"batch": batch, "threads": threads, "steps": steps, "median_us": median / 1000,
            "q1_us": q1 / 1000, "q3_us": q3 / 1000, "iqr_us": (q3 - q1) / 1000}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[32, 128])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--steps", type=int, default=300, help="timed steps per configuration")
    parser.add_argument("--warmup", type=int, default=50, help="untimed steps before timing")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    if any(b < 1 or b > COUNT for b in args.batches) or any(t < 1 for t in args.threads) or args.steps < 4 or args.warmup < 0:
        parser.error("batches must be in [1, 10000], threads at least 1, steps at least 4, warmup at least 0")

    images, labels = load_mnist()
    results = [measure(images, labels, b, t, args.steps, args.warmup) for b in args.batches for t in args.threads]
    report = {"torch": torch.__version__, "mkldnn": torch.backends.mkldnn.is_available(), "results": results}
    if args.json:
        temporary = args.json + ".tmp"
        with open(temporary, "w") as f:
            json.dump(report, f, indent=2)
        os.replace(temporary, args.json)
    print(f"PyTorch {torch.__version__} (CPU), one training step, {args.steps} timed steps after {args.warmup} warm-up")
    print("| batch | threads | median | interquartile range |")
    print("|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['batch']} | {r['threads']} | {r['median_us']:.1f} us | {r['q1_us']:.1f}-{r['q3_us']:.1f} us |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
