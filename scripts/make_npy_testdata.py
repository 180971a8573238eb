#!/usr/bin/python3
"""Write the .npy files npy/testdata/ holds, with Debian's numpy (np.save and
numpy.lib.format.write_array), for the Go reader's tests (npy/read_test.go).

Run from the repository root: /usr/bin/python3 scripts/make_npy_testdata.py
The output is deterministic (fixed seeds); each file's content is described in
npy/testdata/README.md.
"""
import os

import numpy as np
from numpy.lib import format as npf

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "npy", "testdata")


def save(name, a, version=None):
    with open(os.path.join(OUT, name), "wb") as f:
        npf.write_array(f, a, version=version, allow_pickle=False)


def main():
    os.makedirs(OUT, exist_ok=True)
    base = (np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5) * 0.25 - 7.0)
    save("f32_v1.npy", base.astype(np.float32))
    save("f32_v2.npy", base.astype(np.float32), version=(2, 0))
    save("f32_v3.npy", base.astype(np.float32), version=(3, 0))
    save("f32_big_endian.npy", base.astype(">f4"))
    save("f64.npy", base)
    save("f16.npy", base.astype(np.float16))
    save("f16_big_endian.npy", base.astype(">f2"))
    save("u8.npy", (np.arange(2 * 3 * 4 * 5) % 256).astype(np.uint8).reshape(2, 3, 4, 5))
    save("scalar.npy", np.array(3.5, dtype=np.float32))
    save("empty.npy", np.zeros((0, 3), dtype=np.float32))
    save("vector.npy", np.array([1, 2, 3, 4, 5], dtype=np.float32))
    save("fortran.npy", np.asfortranarray(base[0, 0].astype(np.float32)))
    save("int64.npy", np.arange(6, dtype=np.int64))
    save("structured.npy", np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]))

    # float32 -> float16 rounding as numpy does it (astype), for HalfOf: edge
    # cases (ties, subnormals, overflow) and random values over the whole range.
    rng = np.random.default_rng(13)
    edge = np.array([0.0, -0.0, 1.0, -1.0, 65504.0, 65519.99, 65520.0, 1e6, -1e6,
                     2.0 ** -24, 2.0 ** -25, 2.0 ** -25 * 1.0001, 3 * 2.0 ** -25, 2.0 ** -14,
                     2.0 ** -14 - 2.0 ** -25, 1 + 2.0 ** -11, 1 + 3 * 2.0 ** -11, 0.1, 1 / 3,
                     np.inf, -np.inf], dtype=np.float32)
    bits = rng.integers(0, 2 ** 32, size=4000, dtype=np.uint64).astype(np.uint32).view(np.float32)
    bits = bits[np.isfinite(bits)]
    small = (rng.standard_normal(4000) * 10.0 ** rng.uniform(-9, 5, 4000)).astype(np.float32)
    x = np.concatenate([edge, bits, small]).astype(np.float32)
    save("half_in.npy", x)
    with np.errstate(over="ignore"):  # values beyond 65504 become inf, as intended
        save("half_out.npy", x.astype(np.float16))


if __name__ == "__main__":
    main()
