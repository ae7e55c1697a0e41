"""Exports PyTorch models to ONNX with PyTorch's own exporter, with inputs and PyTorch's eval-mode outputs.

Usage: /usr/bin/python3 tests/pytorch/export_models.py OUT_DIR [--small | --torchvision | --benchmark]

--small: the committed test models; --torchvision: ResNet-18 and MobileNetV2 at 64x64 for the tests; --benchmark:
the same two at 224x224 with BatchNorm kept, for the benchmarks.

Every model gets non-trivial BatchNorm statistics (random affine parameters, then a few training-mode passes so the
running mean and variance move away from 0 and 1) and is exported twice: with BatchNorm kept
(training=TrainingMode.PRESERVE) and with PyTorch's default eval-mode export, which folds Conv+BatchNorm. The batch
dimension is dynamic. OUT_DIR/manifest.json lists each file with its input shape, opset and whether BatchNorm was
kept; NAME.input.bin and NAME.output.bin hold the float32 little-endian input batch and PyTorch's output.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision


class Residual(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(y)) + x)


class SmallCnn(nn.Module):
    """Every layer kind: conv with and without bias, BatchNorm, ReLU6, max and average pooling (ceil mode), a residual
    block, a depthwise convolution, global average pooling, a view to [N, features], dropout and a linear layer."""

    def __init__(self, view):
        super().__init__()
        self.view = view
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU6(),
                                  nn.MaxPool2d(3, stride=2, padding=1))
        self.block = Residual(8)
        self.depthwise = nn.Sequential(nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8), nn.BatchNorm2d(8), nn.ReLU(),
                                       nn.Conv2d(8, 16, 1), nn.BatchNorm2d(16), nn.ReLU(),
                                       nn.AvgPool2d(2, ceil_mode=True))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(16, 10))

    def forward(self, x):
        x = self.pool(self.depthwise(self.block(self.stem(x))))
        x = x.view(x.size(0), -1) if self.view else torch.flatten(x, 1)
        return self.classifier(x)


def mlp():
    return nn.Sequential(nn.Linear(20, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 5))


def with_statistics(model, shape, seed):
    """Random BatchNorm affine parameters, then running statistics from training-mode passes over shifted data."""
    generator = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.weight.data = torch.rand(module.weight.shape, generator=generator) + 0.5
            module.bias.data = torch.rand(module.bias.shape, generator=generator) - 0.5
    model.train()
    with torch.no_grad():
        for _ in range(5):
            model(torch.randn((16,) + shape[1:], generator=generator) * 1.5 + 0.3)
    model.eval()
    return model


def export(model, name, shape, opset, out, entries, seed, variants=(True, False)):
    generator = torch.Generator().manual_seed(seed + 1)
    x = torch.randn(shape, generator=generator)
    with torch.no_grad():
        y = model(x)
    for kept in variants:
        file = f"{name}-opset{opset}-{'bn' if kept else 'folded'}"
        mode = torch.onnx.TrainingMode.PRESERVE if kept else torch.onnx.TrainingMode.EVAL
        torch.onnx.export(model, x, os.path.join(out, file + ".onnx"), opset_version=opset, training=mode,
                          input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "N"}, "output": {0: "N"}})
        x.numpy().astype("<f4").tofile(os.path.join(out, file + ".input.bin"))
        y.numpy().astype("<f4").tofile(os.path.join(out, file + ".output.bin"))
        entries.append({"name": file, "input_shape": list(shape), "output_shape": list(y.shape), "opset": opset,
                        "batchnorm_kept": kept})


def main():
    out = sys.argv[1]
    which = sys.argv[2] if len(sys.argv) > 2 else "--all"
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    entries = []
    if which in ("--small", "--all"):
        for opset in (9, 11, 13, 17):
            export(with_statistics(SmallCnn(view=opset >= 13), (2, 3, 32, 32), 1), "small-cnn", (2, 3, 32, 32), opset, out, entries, 1)
        export(with_statistics(mlp(), (4, 20), 2), "mlp", (4, 20), 13, out, entries, 2)
    if which in ("--torchvision", "--all"):
        export(with_statistics(torchvision.models.resnet18(), (2, 3, 64, 64), 3), "resnet18", (2, 3, 64, 64), 13, out, entries, 3)
        export(with_statistics(torchvision.models.mobilenet_v2(), (2, 3, 64, 64), 4), "mobilenet_v2", (2, 3, 64, 64), 13, out, entries, 4)
    if which == "--benchmark":
        shape = (1, 3, 224, 224)
        export(with_statistics(torchvision.models.resnet18(), shape, 3), "resnet18-224", shape, 13, out, entries, 3, (True,))
        export(with_statistics(torchvision.models.mobilenet_v2(), shape, 4), "mobilenet_v2-224", shape, 13, out, entries, 4, (True,))
    with open(os.path.join(out, "manifest.json"), "w") as manifest:
        json.dump({"torch": torch.__version__, "torchvision": torchvision.__version__, "models": entries}, manifest, indent=1)


if __name__ == "__main__":
    main()
