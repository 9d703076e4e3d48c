"""``Histogram``: counts over equal-width bins, from data, a tensor, or a precomputed pair."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from heron.errors import ValueRejected
from heron.media._convert import is_torch_tensor, plain_number, type_name
from heron.media.base import Media, MediaWriter

if TYPE_CHECKING:
    import torch

# Float32 counts are exact only up to 2**24; past that many elements torch.histc runs in float64.
_FLOAT32_EXACT = 2**24


class Histogram(Media):
    """A histogram, like ``wandb.Histogram``.

    ``sequence`` may be any sequence of numbers, a numpy array or a torch tensor (binned on the
    tensor's own device); ``np_histogram`` a precomputed ``(counts, edges)`` pair such as
    ``numpy.histogram`` returns. NaN and infinities are left out of the bins and counted in
    ``nonfinite``.

    Attributes:
        histogram: the count in each bin (``len(bins) - 1`` numbers).
        bins: the bin edges.
        nonfinite: how many NaN or infinite values were left out.
    """

    MAX_LENGTH: int = 512

    histogram: list[Any]
    bins: list[float]
    nonfinite: int

    def __init__(
        self,
        sequence: Sequence[Any] | Any | None = None,
        np_histogram: tuple[Any, Any] | Sequence[Any] | None = None,
        num_bins: int = 64,
    ) -> None:
        if np_histogram is not None:
            counts, edges = _unpack_np_histogram(np_histogram)
            self._set(counts, edges, 0)
        elif sequence is not None:
            _check_num_bins(num_bins)
            if is_torch_tensor(sequence):
                counts, edges, nonfinite = _tensor_counts(cast("torch.Tensor", sequence), num_bins)
            else:
                counts, edges, nonfinite = _array_counts(sequence, num_bins)
            self._set(counts, edges, nonfinite)
        else:
            raise ValueRejected(
                "Histogram needs data: pass sequence= (numbers, a numpy array or a torch tensor) "
                "or np_histogram=(counts, bin_edges)"
            )

    def _set(self, counts: list[Any], edges: list[float], nonfinite: int) -> None:
        if len(counts) > self.MAX_LENGTH:
            raise ValueRejected(
                f"Histogram has {len(counts)} bins; the maximum length of a histogram is "
                f"{self.MAX_LENGTH}"
            )
        if len(counts) + 1 != len(edges):
            raise ValueRejected(
                f"Histogram has {len(counts)} counts and {len(edges)} bin edges; "
                "len(bins) must be len(histogram) + 1"
            )
        self.histogram = counts
        self.bins = edges
        self.nonfinite = nonfinite

    def _to_json(self, writer: MediaWriter) -> dict[str, Any]:
        out: dict[str, Any] = {"_type": "histogram", "values": self.histogram, "bins": self.bins}
        if self.nonfinite > 0:
            out["nonfinite"] = self.nonfinite
        return out

    def __repr__(self) -> str:
        return f"Histogram(bins={len(self.histogram)}, nonfinite={self.nonfinite})"


def histogram_of_tensor(t: torch.Tensor, num_bins: int = 64) -> Histogram:
    """Histogram of a torch tensor computed on the tensor's device (``torch.histc``).

    Only the ``num_bins`` counts and three scalars (non-finite count, min, max) travel to the
    CPU, so this is cheap for large GPU tensors; ``watch()`` uses it for weights and gradients.
    """
    if not is_torch_tensor(t):
        raise ValueRejected(f"histogram_of_tensor needs a torch.Tensor, got {type_name(t)}")
    _check_num_bins(num_bins)
    counts, edges, nonfinite = _tensor_counts(t, num_bins)
    hist = Histogram.__new__(Histogram)
    hist._set(counts, edges, nonfinite)
    return hist


def _check_num_bins(num_bins: Any) -> None:
    if isinstance(num_bins, bool) or not isinstance(num_bins, int) or num_bins < 1:
        raise ValueRejected(f"num_bins must be a positive integer, got {num_bins!r}")
    if num_bins > Histogram.MAX_LENGTH:
        raise ValueRejected(
            f"num_bins={num_bins} is too many; the maximum length of a histogram is "
            f"{Histogram.MAX_LENGTH}"
        )


def _edges(lo: float, hi: float, num_bins: int) -> list[float]:
    """numpy's edges for a data range (an empty or constant range is widened as numpy does)."""
    import numpy as np

    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return [float(e) for e in np.linspace(lo, hi, num_bins + 1)]


def _array_counts(sequence: Any, num_bins: int) -> tuple[list[int], list[float], int]:
    import numpy as np

    try:
        arr = np.asarray(sequence)
    except (TypeError, ValueError) as exc:
        raise ValueRejected(
            f"Histogram cannot read a {type_name(sequence)} as numbers ({exc}); pass a sequence "
            "of numbers, a numpy array or a torch tensor"
        ) from None
    if arr.dtype.kind not in "biuf":
        raise ValueRejected(
            f"Histogram needs numbers, got a {type_name(sequence)} of dtype {arr.dtype}; "
            "accepted: bool, integer or floating point values"
        )
    arr = arr.reshape(-1)
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int8)
    nonfinite = 0
    if arr.dtype.kind == "f":
        finite = np.isfinite(arr)
        nonfinite = int(arr.size - np.count_nonzero(finite))
        if nonfinite:
            arr = arr[finite]
    counts, edges = np.histogram(arr, bins=num_bins)
    return counts.tolist(), edges.tolist(), nonfinite


def _tensor_counts(t: torch.Tensor, num_bins: int) -> tuple[list[int], list[float], int]:
    """Bin a tensor where it lives; only scalars and the counts are copied to the host."""
    import torch

    x = t.detach()
    if x.is_complex():
        raise ValueRejected(
            f"Histogram needs real numbers, got a tensor of dtype {x.dtype}; "
            "accepted: bool, integer or floating point tensors"
        )
    x = x.reshape(-1)
    no_double = x.device.type == "mps"
    if x.dtype == torch.bool or not x.is_floating_point():
        wide = x.element_size() >= 4 and not no_double
        x = x.to(torch.float64 if wide else torch.float32)
    elif x.dtype in (torch.float16, torch.bfloat16):
        x = x.to(torch.float32)
    if x.numel() > _FLOAT32_EXACT and x.dtype == torch.float32 and not no_double:
        x = x.to(torch.float64)

    nonfinite = 0
    if x.is_floating_point() and x.numel():
        finite = torch.isfinite(x)
        nonfinite = int(x.numel() - int(finite.sum().item()))
        if nonfinite:
            x = x[finite]
    if x.numel() == 0:
        return [0] * num_bins, _edges(0.0, 1.0, num_bins), nonfinite

    lo, hi = (float(v) for v in torch.stack(torch.aminmax(x)).tolist())
    edges = _edges(lo, hi, num_bins)
    counts = torch.histc(x, bins=num_bins, min=edges[0], max=edges[-1])
    return [int(c) for c in counts.to("cpu").tolist()], edges, nonfinite


def _unpack_np_histogram(np_histogram: Any) -> tuple[list[Any], list[float]]:
    try:
        counts_in, edges_in = np_histogram
    except (TypeError, ValueError):
        raise ValueRejected(
            f"np_histogram must be a (counts, bin_edges) pair such as numpy.histogram returns, "
            f"got {type_name(np_histogram)}"
        ) from None
    counts = [plain_number(c, "np_histogram count") for c in _as_list(counts_in, "counts")]
    edges = [float(plain_number(e, "np_histogram bin edge")) for e in _as_list(edges_in, "edges")]
    if not all(math.isfinite(e) for e in edges):
        raise ValueRejected(f"np_histogram bin edges must be finite numbers, got {edges!r:.200}")
    if any(b < a for a, b in itertools.pairwise(edges)):
        raise ValueRejected("np_histogram bin edges must be in increasing order")
    return counts, edges


def _as_list(value: Any, what: str) -> list[Any]:
    if is_torch_tensor(value):
        value = value.detach().cpu()
    if hasattr(value, "tolist"):
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        raise ValueRejected(f"np_histogram {what} must be a sequence, got {type_name(value)}")
    return list(value)
