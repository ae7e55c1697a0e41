"""Writes the .npy fixtures of NpyReaderTests with NumPy itself (run with /usr/bin/python3, NumPy 1.24):
each array through np.save or np.lib.format.write_array, and beside it a text oracle (<name>.txt) written
independently of the .npy format: the shape on the first line, then one value per line as Python's repr of
the value the reader must produce (float32 values as exact doubles, labels as integers)."""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(2024)


def oracle(name, values, shape):
    with open(os.path.join(HERE, name + ".txt"), "w") as f:
        f.write(" ".join(str(d) for d in shape) + "\n")
        for v in np.asarray(values).ravel(order="C"):
            f.write(repr(float(v)) if np.asarray(values).dtype.kind == "f" else str(int(v)))
            f.write("\n")


def save(name, array, version=None):
    path = os.path.join(HERE, name + ".npy")
    if version is None:
        np.save(path, array)
    else:
        with open(path, "wb") as f:
            np.lib.format.write_array(f, array, version=version)


images = rng.normal(0.0, 2.0, size=(4, 3, 5, 6)).astype(np.float32)
images[0, 0, 0, :3] = [np.float32(1e-42), np.float32(-0.0), np.float32(3.4e38)]
save("f4_nchw", images)
oracle("f4_nchw", images, images.shape)

save("f4_nhwc", np.ascontiguousarray(images.transpose(0, 2, 3, 1)))

table = rng.uniform(-1e3, 1e3, size=(5, 7)).astype(np.float64)
table[0, :3] = [0.1, 1.0 + 2.0 ** -30, 3.4028235e38]
save("f8_table", table)
oracle("f8_table", table.astype(np.float32), table.shape)

v2 = rng.normal(size=(3, 2, 4, 4)).astype(np.float32)
save("f4_v2", v2, version=(2, 0))
oracle("f4_v2", v2, v2.shape)

v3 = rng.normal(size=(2, 5)).astype(np.float32)
save("f4_v3", v3, version=(3, 0))
oracle("f4_v3", v3, v3.shape)

save("f4_fortran", np.asfortranarray(rng.normal(size=(3, 4, 5)).astype(np.float32)))
save("f4_big_endian", images.astype(">f4"))
save("f8_big_endian", table.astype(">f8"))
save("f2_half", v3.astype(np.float16))
save("f4_scalar", np.float32(3.5))
save("f4_no_samples", np.zeros((0, 3), dtype=np.float32))
save("f4_nan", np.array([[1.0, np.nan], [2.0, 3.0]], dtype=np.float32))
save("f8_too_large", np.array([[1.0, 1e39]], dtype=np.float64))

labels = np.array([2, 0, 1, 2], dtype=np.int64)
for dtype, name in [(np.int64, "i8"), (np.int32, "i4"), (np.uint8, "u1")]:
    save("labels_" + name, labels.astype(dtype))
oracle("labels", labels, labels.shape)
save("labels_negative", np.array([0, -1, 1, 0], dtype=np.int32))
save("labels_2d", labels.reshape(2, 2))
