"""Histograms: the counts a user sees match numpy's, NaN/Inf are counted apart, limits hold."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
import torch
from torch.overrides import TorchFunctionMode

from heron.errors import ValueRejected
from heron.media import Histogram, histogram_of_tensor

from .conftest import CountingWriter


def test_histogram_of_a_list_matches_numpy(writer: CountingWriter) -> None:
    values = [0.5, 1.0, 1.5, 2.0, 2.0, 3.5, 9.0]
    hist = Histogram(values, num_bins=5)
    counts, edges = np.histogram(values, bins=5)
    assert hist.histogram == counts.tolist()
    assert hist.bins == edges.tolist()
    assert hist.nonfinite == 0
    assert hist.to_json(writer) == {
        "_type": "histogram",
        "values": counts.tolist(),
        "bins": edges.tolist(),
    }


def test_histogram_needs_no_file(writer: CountingWriter) -> None:
    Histogram(np.arange(100)).to_json(writer)
    assert writer.calls == []
    assert not (writer.root / "media").exists()


def test_default_is_64_bins() -> None:
    hist = Histogram(np.random.default_rng(0).normal(size=1000))
    assert len(hist.histogram) == 64
    assert len(hist.bins) == 65
    assert sum(hist.histogram) == 1000


@pytest.mark.parametrize(
    "values",
    [
        np.arange(-20, 20, dtype=np.int16),
        np.array([True, False, True, True]),
        np.random.default_rng(1).normal(size=(10, 10)).astype(np.float32),
        (1, 2, 3),
    ],
    ids=["int16", "bool", "float32-2d", "tuple"],
)
def test_numpy_and_sequences_of_any_numeric_kind(values: Any) -> None:
    hist = Histogram(values, num_bins=8)
    arr = np.asarray(values).reshape(-1)
    if arr.dtype == bool:
        arr = arr.astype(np.int8)
    assert hist.histogram == np.histogram(arr, bins=8)[0].tolist()


def test_nan_and_inf_are_left_out_and_counted(writer: CountingWriter) -> None:
    values = [1.0, 2.0, float("nan"), 3.0, float("inf"), -float("inf"), 2.5]
    hist = Histogram(values, num_bins=4)
    finite = [1.0, 2.0, 3.0, 2.5]
    assert hist.histogram == np.histogram(finite, bins=4)[0].tolist()
    assert hist.bins == np.histogram(finite, bins=4)[1].tolist()
    assert hist.nonfinite == 3
    out = hist.to_json(writer)
    assert out["nonfinite"] == 3
    json.dumps(out, allow_nan=False)  # the JSON itself holds no NaN


def test_all_nan_gives_empty_bins() -> None:
    hist = Histogram([float("nan")] * 3, num_bins=4)
    assert hist.histogram == [0, 0, 0, 0]
    assert hist.nonfinite == 3


def test_precomputed_numpy_histogram() -> None:
    counts, edges = np.histogram(np.arange(10), bins=3)
    hist = Histogram(np_histogram=(counts, edges))
    assert hist.histogram == counts.tolist()
    assert hist.bins == edges.tolist()
    hist = Histogram(np_histogram=([1, 2], [0, 1, 2]))
    assert hist.histogram == [1, 2]
    assert hist.bins == [0.0, 1.0, 2.0]


def test_bins_limit() -> None:
    assert len(Histogram(np.arange(1000), num_bins=512).histogram) == 512
    with pytest.raises(ValueRejected, match="512"):
        Histogram(np.arange(1000), num_bins=513)
    with pytest.raises(ValueRejected, match="512"):
        Histogram(np_histogram=([0] * 513, list(range(514))))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "sequence"),
        ({"sequence": [1, 2], "num_bins": 0}, "num_bins"),
        ({"sequence": [1, 2], "num_bins": 2.5}, "num_bins"),
        ({"sequence": ["a", "b"]}, "dtype"),
        ({"sequence": [1 + 2j]}, "dtype"),
        ({"np_histogram": ([1, 2], [0, 1])}, "len\\(bins\\) must be len\\(histogram\\) \\+ 1"),
        ({"np_histogram": ([1, 2, 3],)}, "pair"),
        ({"np_histogram": ([1], [0, float("nan")])}, "finite"),
        ({"np_histogram": ([1, 1], [0, 2, 1])}, "increasing"),
    ],
)
def test_bad_inputs_are_rejected_with_a_reason(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueRejected, match=match):
        Histogram(**kwargs)


# -- torch -----------------------------------------------------------------------------------


def test_torch_tensor_counts_match_numpy_exactly_in_float64() -> None:
    t = torch.randn(100_000, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    hist = Histogram(t)
    counts, edges = np.histogram(t.numpy(), bins=64)
    assert hist.histogram == counts.tolist()
    assert hist.bins == pytest.approx(edges.tolist())


def test_torch_float32_counts_match_numpy_up_to_values_on_bin_edges() -> None:
    t = torch.randn(100_000, generator=torch.Generator().manual_seed(4))
    hist = histogram_of_tensor(t, num_bins=64)
    counts = np.histogram(t.numpy(), bins=64)[0]
    assert sum(hist.histogram) == t.numel()
    # float32 rounding may move a value sitting exactly on an edge into the next bin
    assert np.abs(np.array(hist.histogram) - counts).sum() <= 4


@pytest.mark.parametrize(
    "tensor",
    [
        torch.randint(-50, 50, (5000,), generator=torch.Generator().manual_seed(5)),
        torch.arange(100, dtype=torch.uint8),
        torch.tensor([True, False, True]),
        torch.full((10,), 7.0),
        torch.randn(4, 8, 16, generator=torch.Generator().manual_seed(6)).half(),
        torch.empty(0),
    ],
    ids=["int64", "uint8", "bool", "constant", "half-3d", "empty"],
)
def test_torch_tensors_of_many_dtypes_match_numpy(tensor: torch.Tensor) -> None:
    hist = histogram_of_tensor(tensor, num_bins=10)
    arr = tensor.float().numpy() if tensor.dtype == torch.float16 else tensor.numpy()
    if arr.dtype == bool:
        arr = arr.astype(np.int8)
    counts, edges = np.histogram(arr.astype(np.float64).reshape(-1), bins=10)
    assert hist.histogram == counts.tolist()
    assert hist.bins == pytest.approx(edges.tolist())


def test_torch_nonfinite_values_are_counted() -> None:
    t = torch.tensor([1.0, float("nan"), 2.0, float("inf"), 3.0])
    hist = histogram_of_tensor(t, num_bins=2)
    assert hist.nonfinite == 2
    assert hist.histogram == np.histogram([1.0, 2.0, 3.0], bins=2)[0].tolist()


def test_tensor_that_requires_grad_is_accepted() -> None:
    w = torch.nn.Parameter(torch.randn(50, generator=torch.Generator().manual_seed(7)))
    hist = Histogram(w, num_bins=5)
    assert sum(hist.histogram) == 50


class _HostTransfers(TorchFunctionMode):
    """Records the size of every tensor whose values are read back to the host."""

    READS = {"cpu", "numpy", "tolist", "item", "__array__"}

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    def __torch_function__(
        self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: Any = None
    ) -> Any:
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        to_host = name == "to" and any(str(a) == "cpu" for a in (*args[1:], kwargs.get("device")))
        if (name in self.READS or to_host) and isinstance(args[0], torch.Tensor):
            self.sizes.append(args[0].numel())
        return func(*args, **kwargs)


def test_tensor_histogram_reads_back_only_counts_and_scalars() -> None:
    t = torch.randn(10_000, generator=torch.Generator().manual_seed(8))
    t[::100] = float("nan")
    with _HostTransfers() as transfers:
        hist = histogram_of_tensor(t, num_bins=32)
    assert hist.nonfinite == 100
    assert transfers.sizes, "the recorder saw no host reads at all"
    assert max(transfers.sizes) <= 32


def test_histogram_of_tensor_refuses_other_values() -> None:
    with pytest.raises(ValueRejected, match=r"torch\.Tensor"):
        histogram_of_tensor(np.arange(3))  # type: ignore[arg-type]
    with pytest.raises(ValueRejected, match="complex"):
        histogram_of_tensor(torch.zeros(3, dtype=torch.complex64))


def test_histogram_json_is_finite_numbers() -> None:
    out = Histogram([1, 2, 3]).to_json(None)  # type: ignore[arg-type]
    assert all(math.isfinite(b) for b in out["bins"])
