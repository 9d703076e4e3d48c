"""Chart buckets: at most N, spikes kept (min and max per bucket), raw points when few."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from heron.store.buckets import bucket, lattice_width


def test_few_points_come_back_raw() -> None:
    b = bucket(np.arange(5), np.array([1.0, 2.0, 3.0, 4.0, 5.0]), points=10)
    assert b.x.tolist() == [0, 1, 2, 3, 4] and b.last.tolist() == [1, 2, 3, 4, 5]
    assert b.count.tolist() == [1] * 5 and b.total == 5


def test_a_million_points_keep_every_spike() -> None:
    y = np.zeros(1_000_000)
    y[123_457] = 100.0
    y[654_321] = -50.0
    b = bucket(np.arange(1_000_000), y, points=1000)
    # a power-of-two width: between half and all of the buckets asked for
    assert b.width == 1024 and 500 < len(b.x) <= 1000 and b.count.sum() == 1_000_000
    assert b.max.max() == 100.0 and b.min.min() == -50.0
    spike = int(np.argmax(b.max))
    assert b.x[spike - 1] < 123_457 <= b.x[spike]


def test_range_and_nan() -> None:
    y = np.array([1.0, np.nan, 3.0, 4.0, np.nan, 6.0])
    b = bucket(np.arange(6), y, points=2, x_min=1, x_max=5)
    # cells of width 4 from 0: [0, 4) holds steps 1-3 (NaN, 3, 4), [4, 8) steps 4-5 (NaN, 6)
    assert b.total == 5 and b.width == 4 and b.x.tolist() == [3.0, 5.0]
    assert b.min.tolist() == [3.0, 6.0] and b.max.tolist() == [4.0, 6.0]
    assert b.last.tolist() == [4.0, 6.0]
    trailing_nan = bucket(np.arange(4), np.array([1.0, np.nan, 2.0, np.nan]), points=2)
    assert trailing_nan.min.tolist() == [1.0, 2.0] and np.isnan(trailing_nan.last).all()


def test_unsorted_x_such_as_another_metric() -> None:
    b = bucket(np.array([3.0, 1.0, 2.0]), np.array([30.0, 10.0, 20.0]), points=10)
    assert b.x.tolist() == [1.0, 2.0, 3.0] and b.last.tolist() == [10.0, 20.0, 30.0]


def test_bucket_width_is_the_smallest_power_of_two_that_fits() -> None:
    assert lattice_width(0, 999, 1000) == 1
    assert lattice_width(0, 1000, 1000) == 2  # 1,001 cells of width 1 are one too many
    assert lattice_width(1.7e9, 1.7e9 + 60, 512) == 0.125  # wall time: fractions of a second
    assert lattice_width(3, 3, 10) == 1  # one x: any width holds it in one cell
    for lo, hi, points in [(0.0, 1e-9, 7), (-5.5, 1e12, 300), (-1e300, 1e300, 2)]:
        w = lattice_width(lo, hi, points)
        assert np.floor(hi / w) - np.floor(lo / w) + 1 <= points
        assert np.floor(hi / (w / 2)) - np.floor(lo / (w / 2)) + 1 > points


def test_buckets_of_a_growing_run_only_ever_merge() -> None:
    """A chart that merges live points into the buckets it holds must meet what a fresh
    request returns: every bucket of a prefix lies inside one bucket of the whole."""
    rng = np.random.default_rng(3)
    y = rng.normal(size=5000)
    whole = bucket(np.arange(5000), y, points=300)
    for n in (301, 777, 2048, 4999):
        part = bucket(np.arange(n), y[:n], points=300)
        assert part.width <= whole.width
        cells = np.floor(part.x / whole.width)
        assert set(cells.tolist()) <= set(np.floor(whole.x / whole.width).tolist())


# The dashboard continues these buckets with live points (web/src/panels/series.ts); its unit
# tests check that against this file, which must hold what bucket() returns. Regenerate it
# after changing bucket() with `python -m tests.store.test_buckets`.
FIXTURE = Path(__file__).resolve().parents[2] / "web" / "test" / "fixtures" / "buckets.json"


def _fixture_cases() -> list[dict[str, Any]]:
    rng = np.random.default_rng(7)
    steps = np.arange(1000)
    spiky = (np.round(np.sin(steps / 40) * 64) / 8).astype(float)
    spiky[[17, 333, 900]] = [90.0, -70.0, 55.5]
    with_nan = spiky.copy()
    with_nan[[0, 5, 6, 400, 999]] = np.nan
    loss_vs_acc = rng.integers(0, 60, 300).astype(float)  # an x that goes back and forth
    return [
        {"name": "steps", "x": steps, "y": spiky, "points": 128,
         "prefixes": [1, 13, 128, 129, 500, 999]},
        {"name": "few points stay raw", "x": steps[:80], "y": steps[:80].astype(float),
         "points": 128, "prefixes": [1, 13, 79]},
        {"name": "NaN values", "x": steps, "y": with_nan, "points": 64,
         "prefixes": [3, 64, 65, 401]},
        {"name": "another metric as x", "x": loss_vs_acc, "y": np.arange(300) / 4, "points": 16,
         "prefixes": [5, 16, 17, 150]},
        {"name": "zoomed", "x": steps, "y": spiky, "points": 64, "x_min": 100.5, "x_max": 700.0,
         "prefixes": [50, 102, 160, 650]},
        {"name": "wall time", "x": 1.7e9 + steps * 0.375, "y": spiky, "points": 32,
         "prefixes": [10, 33, 600]},
        {"name": "negative x", "x": steps - 500.0, "y": spiky, "points": 128,
         "prefixes": [200, 700]},
    ]


def _json_floats(a: np.ndarray) -> list[Any]:
    return [v if math.isfinite(v) else str(v).replace("nan", "NaN").replace("inf", "Infinity")
            for v in np.asarray(a, dtype=np.float64).tolist()]


def _encode(b: Any) -> dict[str, Any]:
    return {"x": _json_floats(b.x), "min": _json_floats(b.min), "max": _json_floats(b.max),
            "last": _json_floats(b.last), "count": b.count.tolist(), "total": b.total,
            "lo": _json_floats(np.array([b.lo]))[0], "hi": _json_floats(np.array([b.hi]))[0],
            "width": b.width}


def _fixture() -> list[dict[str, Any]]:
    out = []
    for case in _fixture_cases():
        x, y, points = case["x"], case["y"], case["points"]
        lo, hi = case.get("x_min"), case.get("x_max")
        out.append({
            "name": case["name"], "points": points, "x_min": lo, "x_max": hi,
            "x": _json_floats(x), "y": _json_floats(y),
            "whole": _encode(bucket(x, y, points, lo, hi)),
            "prefixes": {str(n): _encode(bucket(x[:n], y[:n], points, lo, hi))
                         for n in case["prefixes"]},
        })
    return out


def test_the_dashboards_bucket_fixture_is_what_the_server_returns() -> None:
    assert json.loads(FIXTURE.read_text()) == _fixture(), (
        f"{FIXTURE} is out of date: run `python -m tests.store.test_buckets`")


if __name__ == "__main__":
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(json.dumps(_fixture(), separators=(",", ":")) + "\n")
