#!/usr/bin/python3
"""Make an FP16-weight copy of the fixture detector, for detparity's "two models, one pipeline" comparison.

Run with Debian's interpreter (python3-onnx, python3-numpy), from the repository root:

    /usr/bin/python3 scripts/make_fp16_model.py --in fixtures/model/detector.onnx --out fixtures/model/detector_fp16.onnx

Every float32 initializer (weights, biases, batch-norm folded constants) is stored as float16 and cast back to float32
by a Cast node at the start of the graph, so the file is half the size, the graph's inputs, outputs and activations stay
float32 and any float32 runtime runs it: the numbers are those of a model whose weights were shipped in half precision
(what an FP16 export costs in weight precision). Deterministic: the same input gives the same bytes.
"""
import argparse

import numpy as np
import onnx
from onnx import numpy_helper


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--in", dest="src", default="fixtures/model/detector.onnx")
    ap.add_argument("--out", default="fixtures/model/detector_fp16.onnx")
    a = ap.parse_args()
    m = onnx.load(a.src)
    changed = 0
    casts = []
    for init in m.graph.initializer:
        if init.data_type != onnx.TensorProto.FLOAT:
            continue
        w = numpy_helper.to_array(init)
        h = w.astype(np.float16)
        changed += int(np.count_nonzero(h.astype(np.float32) != w))
        name = init.name
        init.CopyFrom(numpy_helper.from_array(h, name + "_fp16"))
        casts.append(onnx.helper.make_node("Cast", [name + "_fp16"], [name], to=onnx.TensorProto.FLOAT,
                                           name="cast_" + name))
    nodes = casts + list(m.graph.node)
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    m.doc_string = (m.doc_string + "\n" if m.doc_string else "") + "weights rounded to float16 by scripts/make_fp16_model.py"
    onnx.checker.check_model(m)
    onnx.save(m, a.out)
    print(f"{a.out}: {changed} weights changed by float16 rounding")


if __name__ == "__main__":
    main()
