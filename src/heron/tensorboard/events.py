"""TensorBoard summary events as Heron values: scalars, histograms and images.

One converter for both paths: the live sync (events handed over by patched writers) and
``heron import tensorboard`` (events read back from files). Events are read by their fields
only, so tensorboard's, tensorboardX's and TensorFlow's ``Event`` messages all work.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from heron.media.histogram import Histogram
from heron.media.image import Image

MAX_BINS = Histogram.MAX_LENGTH
DBL_MAX = 1.7976931348623157e308
"""TensorFlow's histograms bound their outer buckets with +/- DBL_MAX."""

# TensorFlow's DataType numbers for the tensors summaries hold (types.proto).
_NUMPY_DTYPES: dict[int, str] = {1: "<f4", 2: "<f8", 3: "<i4", 9: "<i8", 10: "?", 19: "<f2"}
_DT_STRING = 7
_SCALAR_FIELDS = ("float_val", "double_val", "int_val", "int64_val", "bool_val")


@dataclass
class SummaryPoint:
    """The values of one event: ``values`` maps a (namespaced) tag to a float, a
    ``Histogram``, an ``Image`` or a list of images."""

    step: int
    wall_time: float
    values: dict[str, Any]


def namespaced(tag: str, namespace: str) -> str:
    """``tag`` under ``namespace`` (the run directory relative to the root logdir).

    Example:
        >>> namespaced("loss", "train")
        'train/loss'
    """
    return f"{namespace}/{tag}" if namespace else tag


def event_point(event: Any, namespace: str = "") -> SummaryPoint | None:
    """The scalars, histograms and images of one ``Event``; None for an event without a
    summary (file version, graph) or whose values are all of kinds Heron does not keep
    (audio, text, PR curves, hparams).

    Example:
        >>> point = event_point(event)           # an event of SummaryWriter.add_scalar
        >>> point.step, point.values
        (3, {'loss': 0.25})
    """
    if not event.HasField("summary"):
        return None
    values: dict[str, Any] = {}
    for value in event.summary.value:
        converted = summary_value(value)
        if converted is not None:
            values[namespaced(value.tag, namespace)] = converted
    if not values:
        return None
    return SummaryPoint(step=int(event.step), wall_time=float(event.wall_time), values=values)


def summary_value(value: Any) -> Any:
    """One ``Summary.Value`` as a Heron value, or None for a kind Heron does not keep."""
    kind = value.WhichOneof("value")
    if kind == "simple_value":
        return float(value.simple_value)
    if kind == "histo":
        return histogram_from_proto(value.histo)
    if kind == "image":
        return image_from_bytes(value.image.encoded_image_string)
    if kind == "tensor":
        plugin = value.metadata.plugin_data.plugin_name if value.HasField("metadata") else ""
        return _from_tensor(value.tensor, plugin)
    return None


def _from_tensor(tensor: Any, plugin: str) -> Any:
    """TensorBoard's tensor-based ("v2") summaries, as TF2 and ``new_style`` writers emit."""
    if plugin == "scalars":
        array = tensor_array(tensor)
        return float(array.reshape(-1)[0]) if array is not None and array.size else None
    if plugin == "histograms":
        array = tensor_array(tensor)  # rows of (left edge, right edge, count)
        if array is None or array.ndim != 2 or array.shape[1] != 3 or not len(array):
            return None
        edges = [*array[:, 0].tolist(), float(array[-1, 1])]
        return _histogram(array[:, 2].tolist(), edges)
    if plugin == "images" and tensor.dtype == _DT_STRING:
        images = [image_from_bytes(data) for data in list(tensor.string_val)[2:]]
        return images[0] if len(images) == 1 else (images or None)
    return None


def tensor_array(tensor: Any) -> np.ndarray | None:
    """A numeric ``TensorProto`` as a numpy array; None for a type that is not numeric."""
    dtype = _NUMPY_DTYPES.get(int(tensor.dtype))
    if dtype is None:
        return None
    shape = [int(d.size) for d in tensor.tensor_shape.dim]
    if tensor.tensor_content:
        return np.frombuffer(tensor.tensor_content, dtype=dtype).reshape(shape)
    if int(tensor.dtype) == 19:  # halves travel as the raw bits in half_val
        flat = np.asarray(list(tensor.half_val), dtype="<u2").view("<f2")
    else:
        flat = next((np.asarray(list(getattr(tensor, f)), dtype=dtype)
                     for f in _SCALAR_FIELDS if len(getattr(tensor, f))), np.zeros(0, dtype))
    count = int(np.prod(shape)) if shape else 1
    if flat.size == 1 and count > 1:  # one value stands for a filled tensor
        flat = np.full(count, flat[0], dtype=dtype)
    return flat.reshape(shape) if flat.size == count else flat


def histogram_from_proto(histo: Any) -> Histogram | None:
    """A ``HistogramProto`` (bucket right edges and counts) as a Heron ``Histogram``.

    The first bucket's left edge is the data's minimum; TensorFlow's +/- DBL_MAX outer
    limits are clamped to the minimum and maximum so every edge is a finite number.
    """
    counts = list(histo.bucket)
    limits = [float(x) for x in histo.bucket_limit]
    if not counts or len(counts) != len(limits):
        return None
    low, high = float(histo.min), float(histo.max)
    if not (math.isfinite(low) and math.isfinite(high) and low <= high):
        finite = [x for x in limits if abs(x) < DBL_MAX]
        if not finite:
            return None
        low, high = min(finite), max(finite)
    edges = [min(low, limits[0]), *limits]
    edges = [min(max(e, edges[0]), max(high, edges[0])) for e in edges]
    for i in range(1, len(edges)):  # clamping may not reorder, but keep the order certain
        edges[i] = max(edges[i], edges[i - 1])
    # Writers pad with empty buckets (PyTorch adds one ending where the data starts): an
    # empty bucket of no width says nothing, and would show as a spike of nothing.
    kept = [i for i, c in enumerate(counts) if c or edges[i + 1] > edges[i]] or [0]
    if len(kept) < len(counts):
        counts = [counts[i] for i in kept]
        edges = [edges[kept[0]], *(edges[i + 1] for i in kept)]
    return _histogram(counts, edges)


def _histogram(counts: list[Any], edges: list[float]) -> Histogram | None:
    """A ``Histogram`` of ``counts`` over ``edges``, merging neighbouring bins when there
    are more than Heron keeps (TensorFlow's default buckets can number over a thousand)."""
    if not all(math.isfinite(e) for e in edges):
        return None
    group = math.ceil(len(counts) / MAX_BINS)
    if group > 1:
        counts = [sum(counts[i:i + group]) for i in range(0, len(counts), group)]
        edges = [*edges[::group][:len(counts)], edges[-1]]
    counts = [int(c) if float(c).is_integer() else float(c) for c in counts]
    return Histogram(np_histogram=(counts, edges))


def image_from_bytes(data: bytes) -> Image:
    """An encoded image (PNG, JPEG, GIF's first frame) as a Heron ``Image``."""
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(data)) as picture:
        picture.load()
        if picture.mode in ("1", "L", "LA", "P", "RGB", "RGBA"):
            return Image(picture)
        return Image(picture.convert("RGBA" if "A" in picture.getbands() else "RGB"))
