#!/usr/bin/python3
"""Build the broken ONNX detectors of the bad-input catalogue (docs/bad-inputs.md) that detect/ must refuse with a
clear error through the real ONNX Runtime. Run from the repository root:

    /usr/bin/python3 scripts/make_bad_models.py

Needs Debian's python3-onnx (no torch: the graphs are written node by node with onnx.helper). Deterministic: the
same bytes on every run. Writes detect/testdata/bad/<name>.onnx (each < 2 kB), all with a 64x64 input:

  name                 input                   outputs                                  what is wrong
  nan_scores           float32 [1,3,64,64]     boxes [1,8,4], scores [1,8,1]            YOLO-NAS raw layout; scores =
                                                                                        Sqrt(k + 0*mean(image)) with k < 0
                                                                                        at anchors 2 and 5: NaN there, on
                                                                                        any image
  inf_boxes            float32 [1,3,64,64]     boxes [1,8,4], scores [1,8,1]            boxes = Exp(b + 0*mean(image)) with
                                                                                        b = 1000 for anchor 3's x2: +Inf
  unexpected_outputs   float32 [1,3,64,64]     logits [1,10]                            a classifier head: no detector
                                                                                        layout fits
  nhwc_input           float32 [1,64,64,3]     boxes [1,8,4], scores [1,8,1]            channels-last input (accepted since
                                                                                        detect reads NHWC: InputLayout nhwc)
"""

import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "detect", "testdata", "bad")
OPSET = 13
N = 8  # anchors


def const(name, arr):
    return numpy_helper.from_array(np.asarray(arr, dtype=np.float32), name)


def zero_from_image(nodes, inits, image, rank):
    """Nodes computing z = 0 * mean(image) reshaped to rank `rank` (all ones): ties an output to the input, so
    ONNX Runtime cannot fold the graph into constants before the run."""
    nodes.append(helper.make_node("ReduceMean", [image], ["m"], axes=[1, 2, 3], keepdims=1))
    inits.append(numpy_helper.from_array(np.ones(rank, dtype=np.int64), "z_shape"))
    nodes.append(helper.make_node("Reshape", ["m", "z_shape"], ["m_r"]))
    inits.append(const("zero", 0.0))
    nodes.append(helper.make_node("Mul", ["m_r", "zero"], ["z"]))


def base_boxes():
    """Eight plausible x1y1x2y2 boxes in a 64x64 input, anchor i at (4i, 4i) size 16x12."""
    b = np.zeros((1, N, 4), dtype=np.float32)
    for i in range(N):
        b[0, i] = [4 * i, 4 * i, 4 * i + 16, 4 * i + 12]
    return b


def save(name, nodes, inits, inputs, outputs):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="detparity")
    model.ir_version = 8
    onnx.checker.check_model(model)
    path = os.path.join(OUT, name + ".onnx")
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    print(path, os.path.getsize(path), "bytes")


def image_input(shape):
    return helper.make_tensor_value_info("images", TensorProto.FLOAT, shape)


def yolonas_outputs():
    return [helper.make_tensor_value_info("boxes", TensorProto.FLOAT, [1, N, 4]),
            helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, N, 1])]


def nan_scores():
    nodes, inits = [], []
    zero_from_image(nodes, inits, "images", 3)
    k = np.linspace(0.1, 0.9, N, dtype=np.float32).reshape(1, N, 1) ** 2  # sqrt -> 0.1 .. 0.9
    k[0, 2, 0] = -1.0  # sqrt(-1) = NaN
    k[0, 5, 0] = -0.25
    inits += [const("k", k), const("b", base_boxes())]
    nodes += [helper.make_node("Add", ["k", "z"], ["k_z"]), helper.make_node("Sqrt", ["k_z"], ["scores"]),
              helper.make_node("Add", ["b", "z"], ["boxes"])]
    save("nan_scores", nodes, inits, [image_input([1, 3, 64, 64])], yolonas_outputs())


def inf_boxes():
    nodes, inits = [], []
    zero_from_image(nodes, inits, "images", 3)
    # log of the boxes, exponentiated in the graph; anchor 3's x2 is exp(1000) = +Inf in float32.
    lb = np.log(base_boxes() + 1.0)
    lb[0, 3, 2] = 1000.0
    inits += [const("lb", lb), const("one", 1.0), const("s", np.full((1, N, 1), 0.5, dtype=np.float32))]
    nodes += [helper.make_node("Add", ["lb", "z"], ["lb_z"]), helper.make_node("Exp", ["lb_z"], ["e"]),
              helper.make_node("Sub", ["e", "one"], ["boxes"]), helper.make_node("Add", ["s", "z"], ["scores"])]
    save("inf_boxes", nodes, inits, [image_input([1, 3, 64, 64])], yolonas_outputs())


def unexpected_outputs():
    nodes, inits = [], []
    nodes.append(helper.make_node("ReduceMean", ["images"], ["m"], axes=[2, 3], keepdims=0))  # [1,3]
    w = np.arange(30, dtype=np.float32).reshape(3, 10) / 30.0
    inits.append(const("w", w))
    nodes.append(helper.make_node("MatMul", ["m", "w"], ["logits"]))
    save("unexpected_outputs", nodes, inits, [image_input([1, 3, 64, 64])],
         [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])])


def nhwc_input():
    nodes, inits = [], []
    zero_from_image(nodes, inits, "images", 3)
    inits += [const("b", base_boxes()), const("s", np.full((1, N, 1), 0.5, dtype=np.float32))]
    nodes += [helper.make_node("Add", ["b", "z"], ["boxes"]), helper.make_node("Add", ["s", "z"], ["scores"])]
    save("nhwc_input", nodes, inits, [image_input([1, 64, 64, 3])], yolonas_outputs())


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    nan_scores()
    inf_boxes()
    unexpected_outputs()
    nhwc_input()
