"""Writes ONNX's backend node test cases into a folder, for tests/NativeBn.Interop.Tests/OnnxNodeTestCases.cs.

Debian's python3-onnx (1.12) ships the test-case generators (onnx.backend.test.case) but not their generated data.
This runs onnx's own `generate-data` command, which writes DIR/node/test_*/model.onnx with
test_data_set_0/input_*.pb and output_*.pb (TensorProto), plus DIR/simple and DIR/real, which the tests do not read.

Usage: /usr/bin/python3 tests/onnx/generate_node_tests.py DIR
"""

import sys

import numpy as np

# numpy 1.24 removed these aliases; the onnx 1.12 generators still use them.
for alias, builtin in (("float", float), ("int", int), ("bool", bool), ("object", object)):
    if alias not in np.__dict__:
        setattr(np, alias, builtin)

from onnx.backend.test import cmd_tools  # noqa: E402  (after the aliases above)


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: generate_node_tests.py DIR")
    sys.argv = [sys.argv[0], "generate-data", "--output", sys.argv[1]]
    cmd_tools.main()


if __name__ == "__main__":
    main()
