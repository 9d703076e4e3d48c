"""Chart buckets: at most N, spikes kept (min and max per bucket), raw points when few."""

from __future__ import annotations

import numpy as np

from heron.store.buckets import bucket


def test_few_points_come_back_raw() -> None:
    b = bucket(np.arange(5), np.array([1.0, 2.0, 3.0, 4.0, 5.0]), points=10)
    assert b.x.tolist() == [0, 1, 2, 3, 4] and b.last.tolist() == [1, 2, 3, 4, 5]
    assert b.count.tolist() == [1] * 5 and b.total == 5


def test_a_million_points_keep_every_spike() -> None:
    y = np.zeros(1_000_000)
    y[123_457] = 100.0
    y[654_321] = -50.0
    b = bucket(np.arange(1_000_000), y, points=1000)
    assert len(b.x) == 1000 and b.count.sum() == 1_000_000
    assert b.max.max() == 100.0 and b.min.min() == -50.0
    spike = int(np.argmax(b.max))
    assert b.x[spike - 1] < 123_457 <= b.x[spike]


def test_range_and_nan() -> None:
    y = np.array([1.0, np.nan, 3.0, 4.0, np.nan, 6.0])
    b = bucket(np.arange(6), y, points=2, x_min=1, x_max=5)
    assert b.total == 5 and b.x.tolist() == [2.0, 5.0]
    assert b.min.tolist() == [3.0, 4.0] and b.max.tolist() == [3.0, 6.0]
    assert b.last.tolist() == [3.0, 6.0]
    trailing_nan = bucket(np.arange(4), np.array([1.0, np.nan, 2.0, np.nan]), points=2)
    assert trailing_nan.min.tolist() == [1.0, 2.0] and np.isnan(trailing_nan.last).all()


def test_unsorted_x_such_as_another_metric() -> None:
    b = bucket(np.array([3.0, 1.0, 2.0]), np.array([30.0, 10.0, 20.0]), points=10)
    assert b.x.tolist() == [1.0, 2.0, 3.0] and b.last.tolist() == [10.0, 20.0, 30.0]
