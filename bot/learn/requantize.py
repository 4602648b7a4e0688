"""The packaged encoder with int8 matrix products: converted once, then loaded from a file.

The packaged all-MiniLM-L6-v2 is int8 *weight-only*: each weight is an int8 table cast to
float and multiplied by its scale in the graph. ONNX Runtime folds those constants at load, so
the session holds float32 weights (and the int8 ones) and multiplies in float32. Rewritten here
with ONNX Runtime's own dynamic quantisation (weights int8 per output channel, activations
quantised per batch: ``MatMulInteger``), the session keeps int8 weights and multiplies in int8:
measured on the dev files, 11 ms per ticket instead of 24 ms, +68 MB resident instead of
+132 MB, vectors at cosine 0.995 of the shipped model's (docs/classification.md).

The conversion takes one or two seconds and writes its file into the models folder
(atomically: a half-written file is never seen); later loads read that file and never import
``onnx``. Its vectors carry their own encoder id, so stored embeddings of the shipped model are
re-encoded rather than mixed with these.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

CONVERSION = "dyn1"  # bump when the conversion changes: a new file and a new encoder id


def requantized(source: Path, target: Path) -> Path:
    """``target``: the converted copy of ``source``, made now if missing; OSError when its
    folder cannot be written, ValueError when the model is not the weight-only kind."""
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".requantize-") as scratch:
        unfolded, result = Path(scratch) / "float.onnx", Path(scratch) / "int8.onnx"
        _write_float_weights(source, unfolded)
        _quantize(unfolded, result)
        os.replace(result, target)
    log.info("encoder: %s converted to int8 matrix products in %s", source.name, target)
    return target


def _write_float_weights(source: Path, target: Path) -> None:
    """``source`` with each ``Mul(Cast(int8 table), scale)`` replaced by its float32 table, so
    that the quantiser sees plain weights; nodes re-sorted into topological order."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(source))
    graph = model.graph
    constants = {tensor.name: tensor for tensor in graph.initializer}
    casts = {node.output[0]: node for node in graph.node
             if node.op_type == "Cast" and node.input[0] in constants}
    dropped: set[str] = set()
    weights = []
    for node in graph.node:
        cast = casts.get(node.input[0]) if node.op_type == "Mul" else None
        if cast is not None and node.input[1] in constants:
            table = numpy_helper.to_array(constants[cast.input[0]]).astype(np.float32)
            scale = numpy_helper.to_array(constants[node.input[1]]).astype(np.float32)
            weights.append(numpy_helper.from_array(table * scale, node.output[0]))
            dropped |= {cast.name, node.name}
    if not weights:
        raise ValueError(f"{source.name} has no weight-only int8 tables to convert")
    kept = [node for node in graph.node if node.name not in dropped]
    available = ({i.name for i in graph.input} | set(constants) | {w.name for w in weights}
                 | {""})
    ordered = []
    while kept:
        ready = [node for node in kept if all(name in available for name in node.input)]
        if not ready:
            raise ValueError(f"{source.name}: the graph has a cycle or a missing input")
        ordered += ready
        for node in ready:
            available.update(node.output)
        ready_names = {node.name for node in ready}
        kept = [node for node in kept if node.name not in ready_names]
    used = {name for node in ordered for name in node.input}
    constants_kept = [tensor for tensor in graph.initializer if tensor.name in used]
    del graph.node[:]
    graph.node.extend(ordered)
    del graph.initializer[:]
    graph.initializer.extend(constants_kept + weights)
    onnx.save(model, str(target))


def _quantize(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic  # type: ignore[import-untyped]

    root = logging.getLogger()
    was, root.disabled = root.disabled, True
    try:  # the quantiser logs a pre-processing hint through the root logger, as a WARNING
        quantize_dynamic(source, target, weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul", "Gather"])
    finally:
        root.disabled = was
