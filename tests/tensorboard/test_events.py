"""Converting TensorBoard histogram protos: counts kept, edges finite and ordered."""

from __future__ import annotations

import pytest

from heron.tensorboard.events import DBL_MAX, MAX_BINS, histogram_from_proto

summary_pb2 = pytest.importorskip("tensorboard.compat.proto.summary_pb2")


def _proto(lo: float, hi: float, limits: list[float], counts: list[float]) -> object:
    return summary_pb2.HistogramProto(min=lo, max=hi, num=sum(counts), bucket_limit=limits,
                                      bucket=counts)


def test_tensorflow_outer_limits_are_clamped_to_the_data() -> None:
    histogram = histogram_from_proto(_proto(0.0, 10.0, [0.0, 5.0, DBL_MAX], [0, 3, 4]))
    assert histogram is not None
    assert histogram.bins == [0.0, 5.0, 10.0]
    assert histogram.histogram == [3, 4]


def test_more_buckets_than_heron_keeps_are_merged_with_every_count_kept() -> None:
    limits = [float(i + 1) for i in range(1000)]
    histogram = histogram_from_proto(_proto(0.0, 1000.0, limits, [1.0] * 1000))
    assert histogram is not None
    assert len(histogram.histogram) <= MAX_BINS
    assert sum(histogram.histogram) == 1000
    assert histogram.bins[0] == 0.0 and histogram.bins[-1] == 1000.0


def test_an_empty_histogram_is_left_out() -> None:
    assert histogram_from_proto(_proto(0.0, 0.0, [], [])) is None
