"""Edge values a client (or a fuzzer) can send, on both backends: text with NUL characters,
ids and steps past 64 bits, infinite chart bounds, and edits that are not valid Unicode."""

from __future__ import annotations

import math

import pytest

from heron import records as r
from heron.errors import ValueRejected
from heron.store import SqlStore

from ._support import batch, row

NUL = "\x00"
INT64_MAX = 2**63 - 1


@pytest.fixture
def run_pk(store: SqlStore) -> int:
    store.write(batch("run1", 1, r.RunStart(name="edges"),
                      *(row(s, v=float(s), label=f"l{s}") for s in range(10)),
                      r.ConsoleLine("stdout", 1.0, "one"), r.ConsoleLine("stdout", 2.0, "two")))
    return store.get_run("proj", "run1").pk


def test_text_with_nul_characters_is_stored_the_same_on_both_backends(store: SqlStore) -> None:
    key = f"odd{NUL}key"
    store.write(batch("run1", 1, r.RunStart(name=f"a{NUL}b", notes=f"n{NUL}"),
                      row(0, **{key: 1.0}), r.ConsoleLine("stdout", 1.0, f"bin{NUL}ary"),
                      r.Alert(f"t{NUL}", f"x{NUL}", "INFO", 1.0)))

    info = store.get_run("proj", "run1")
    # PostgreSQL text cannot hold NUL, so both backends keep U+FFFD in its place (one rule,
    # docs/server.md "Limits"); lookups are replaced the same way, so they match.
    stored = "\ufffd"
    assert (info.name, info.notes) == (f"a{stored}b", f"n{stored}")
    assert [ln.text for ln in store.console(info.pk)] == [f"bin{stored}ary"]
    assert store.history_keys(info.pk) == [f"odd{stored}key"]
    assert store.read_series(info.pk, key).values.tolist() == [1.0]
    store.update_run(info.pk, name=f"c{NUL}d")
    assert store.get_run("proj", "run1").name == f"c{stored}d"


@pytest.mark.parametrize(
    ("min_step", "max_step", "expected"),
    [
        (-(2**70), None, list(range(10))),
        (None, 2**70, list(range(10))),
        (2**70, None, []),
        (None, -(2**70), []),
        (INT64_MAX + 1, 2**80, []),
        (3, 2**64, list(range(3, 10))),
    ],
)
def test_step_bounds_past_64_bits_read_what_they_bound(
    store: SqlStore, run_pk: int, min_step: int | None, max_step: int | None,
    expected: list[int],
) -> None:
    for key in ("v", "label"):
        series = store.read_series(run_pk, key, min_step=min_step, max_step=max_step)
        assert series.steps.tolist() == expected


def test_console_cursors_past_64_bits_return_nothing_more(store: SqlStore, run_pk: int) -> None:
    assert store.console(run_pk, after_id=2**70) == []
    assert [ln.text for ln in store.console(run_pk, after_id=-(2**70))] == ["one", "two"]
    assert [ln.text for ln in store.console(run_pk, limit=2**70)] == ["one", "two"]


@pytest.mark.parametrize(
    ("x_min", "x_max", "total"),
    [
        (-math.inf, None, 10),
        (None, math.inf, 10),
        (-math.inf, math.inf, 10),
        (math.inf, None, 0),
        (None, -math.inf, 0),
        (math.nan, None, 0),
        (None, math.nan, 0),
        (-1e308, 1e308, 10),
        (1e308, None, 0),
        (2.0, 4.5, 3),
    ],
)
def test_chart_bounds_may_be_infinite_or_huge(
    store: SqlStore, run_pk: int, x_min: float | None, x_max: float | None, total: int
) -> None:
    buckets, _ = store.series(run_pk, "v", points=4, x_min=x_min, x_max=x_max)

    assert buckets.total == total
    assert int(buckets.count.sum()) == total
    raw, cursor = store.series(run_pk, "v", after=2**70)
    assert raw.total == 0 and cursor == 2**70


def test_edits_holding_ints_past_64_bits_keep_them_as_floats(store: SqlStore, run_pk: int) -> None:
    store.update_run(run_pk, summary={"big": 2**70, "small": 3}, config={"n": -(2**80)})

    info = store.get_run("proj", "run1")
    assert info.summary == {"big": float(2**70), "small": 3}
    assert info.config == {"n": float(-(2**80))}


@pytest.mark.parametrize(
    "fields",
    [{"name": "\ud800"}, {"notes": "x\udfff"}, {"config": {"\ud800": 1}}, {"tags": ["\udc00"]},
     {"summary": {"k": ["\ud800"]}}],
)
def test_an_edit_that_is_not_valid_unicode_is_refused_naming_the_field(
    store: SqlStore, run_pk: int, fields: dict[str, object]
) -> None:
    (field,) = fields

    with pytest.raises(ValueRejected, match=f"run field '{field}' holds text that is not valid"):
        store.update_run(run_pk, **fields)

    assert store.get_run("proj", "run1").name == "edges"
