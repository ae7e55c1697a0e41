"""Writes a PyTorch state_dict as safetensors, for a trained copy of the small CNN of export_models.py.

Usage: /usr/bin/python3 tests/pytorch/export_safetensors.py OUT_DIR [--small | --torchvision]

The architectures exported by export_models.py with BatchNorm kept (--small: OUT_DIR/small-cnn-opset13-bn.onnx,
committed; --torchvision: OUT_DIR/resnet18-opset13-bn.onnx, generated in CI) keep PyTorch's state_dict prefixes as
node names. This script builds the same model with another seed, trains it for a few SGD steps in training mode
(weights, BatchNorm running statistics and num_batches_tracked all move), and writes, in eval mode:
  NAME-trained.safetensors   model.state_dict() in the safetensors format
  NAME-trained.input.bin     a float32 little-endian input batch [2, 3, H, W]
  NAME-trained.output.bin    PyTorch's eval-mode output for it, float32 little-endian
  NAME-trained.json          the shapes, the architecture file and the torch version
with NAME small-cnn (32x32 input) or resnet18 (64x64).

Debian's python3-torch 1.13 has no safetensors package, so the file is written here from the format's definition:
an unsigned 64-bit little-endian header length, a JSON header {name: {"dtype", "shape", "data_offsets": [begin, end]}}
(offsets relative to the data after the header; the header padded with spaces to a multiple of 8 bytes), then each
tensor's raw little-endian bytes, row-major, in header order.
"""
import json
import os
import struct
import sys

import torch
import torch.nn as nn
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_models import SmallCnn  # noqa: E402

DTYPES = {torch.float32: ("F32", "<f4"), torch.float64: ("F64", "<f8"), torch.int64: ("I64", "<i8")}


def safetensors_bytes(state_dict):
    header = {}
    blobs = []
    offset = 0
    for name, tensor in state_dict.items():
        dtype, layout = DTYPES[tensor.dtype]
        data = tensor.detach().contiguous().numpy().astype(layout).tobytes()
        header[name] = {"dtype": dtype, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def trained(model, size, seed):
    generator = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.weight.data = torch.rand(module.weight.shape, generator=generator) + 0.5
            module.bias.data = torch.rand(module.bias.shape, generator=generator) - 0.5
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    model.train()
    for _ in range(7):
        x = torch.randn((16, 3, size, size), generator=generator) * 1.3 + 0.2
        labels = torch.randint(0, 10, (16,), generator=generator)
        loss = nn.functional.cross_entropy(model(x), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    return model


def write(model, name, architecture, size, out, seed):
    x = torch.randn((2, 3, size, size), generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        y = model(x)
    with open(os.path.join(out, name + ".safetensors"), "wb") as file:
        file.write(safetensors_bytes(model.state_dict()))
    x.numpy().astype("<f4").tofile(os.path.join(out, name + ".input.bin"))
    y.numpy().astype("<f4").tofile(os.path.join(out, name + ".output.bin"))
    with open(os.path.join(out, name + ".json"), "w") as manifest:
        json.dump({"torch": torch.__version__, "architecture": architecture, "weights": name + ".safetensors",
                   "input_shape": list(x.shape), "output_shape": list(y.shape)}, manifest, indent=1)


def main():
    out = sys.argv[1]
    which = sys.argv[2] if len(sys.argv) > 2 else "--small"
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(42)
    if which == "--small":
        write(trained(SmallCnn(view=True), 32, 43), "small-cnn-trained", "small-cnn-opset13-bn.onnx", 32, out, 44)
    if which == "--torchvision":
        write(trained(torchvision.models.resnet18(), 64, 53), "resnet18-trained", "resnet18-opset13-bn.onnx", 64, out, 54)


if __name__ == "__main__":
    main()
