"""Every record kind written to SQLite and to PostgreSQL reads back exactly as it was logged:
ints stay ints, floats keep NaN and +/-Inf, bools stay bools, lists and strings stay whole."""

from __future__ import annotations

import math
from typing import Any

from heron import records as r
from heron.store import SqlStore

from ._support import batch, row

INF = float("inf")
NAN = float("nan")


def assert_exact(actual: Any, expected: Any) -> None:
    """Equal values of the same types, NaN equal to NaN, all the way down."""
    assert type(actual) is type(expected), (actual, expected)
    if isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(actual)
    elif isinstance(expected, dict):
        assert list(actual) == list(expected)
        for key in expected:
            assert_exact(actual[key], expected[key])
    elif isinstance(expected, list):
        assert len(actual) == len(expected), (actual, expected)
        for a, e in zip(actual, expected):
            assert_exact(a, e)
    else:
        assert actual == expected


def test_a_run_start_reads_back_with_its_identity_config_and_times(store: SqlStore) -> None:
    config = {"lr": 0.01, "opt": {"name": "adam", "betas": [0.9, 0.999]}, "nan": NAN,
              "inf": -INF, "big": 2**62, "flag": False, "none": None, "text": "naïve ✓"}
    start = r.RunStart(
        name="bright-river-1", entity="team", config=config, tags=["baseline", "gpu"],
        notes="first\ntry", group="g1", job_type="train",
        metadata={"host": "box", "user": "ada", "pid": 4242}, started_at=1_700_000_000.123456,
        sweep_id="sw1", heartbeat_interval=12.5,
    )

    assert store.write(batch("run1", 1, start, entity="team")) is True

    info = store.get_run("proj", "run1", "team")
    assert info is not None
    assert (info.entity, info.project, info.run_id, info.name, info.state) == (
        "team", "proj", "run1", "bright-river-1", "running")
    assert_exact(info.config, config)
    assert info.tags == ["baseline", "gpu"]
    assert (info.notes, info.group, info.job_type, info.sweep_id) == ("first\ntry", "g1",
                                                                      "train", "sw1")
    assert (info.user, info.host, info.pid) == ("ada", "box", 4242)
    assert info.created_at == 1_700_000_000.123456
    assert info.heartbeat_interval == 12.5
    assert (info.last_step, info.history_rows, info.last_seq) == (-1, 0, 1)
    assert store.get_run("proj", "run1", "other-team") is None
    assert store.get_run("other-proj", "run1") is None


def test_scalars_of_every_kind_read_back_with_their_type(store: SqlStore) -> None:
    store.write(batch(
        "run1", 1, r.RunStart(name="types"),
        row(0, f=1.5, i=3, b=True, s="hello", n=None, l=[1, 2.5, "x", None], d={"k": 1}),
        row(1, f=-2.0, i=-4, b=False, s="", n=None, l=[], d={}),
        row(2, f=NAN, i=2**63 - 1, b=True, s="ünï ✓ 🐦", n=None, l=[[1], {"a": NAN}], d={"x": INF}),
        row(3, f=INF, i=-(2**63), b=False, s="x" * 10_000, n=None, l=[True], d={"y": None}),
        row(4, f=-INF, i=0, b=True, s="'; DROP TABLE runs; --", n=None, l=[0.1], d={"z": "z"}),
    ))
    pk = store.get_run("proj", "run1").pk

    assert store.history_keys(pk) == ["b", "d", "f", "i", "l", "n", "s"]
    expected: dict[str, list[Any]] = {
        "f": [1.5, -2.0, NAN, INF, -INF],
        "i": [3, -4, 2**63 - 1, -(2**63), 0],
        "b": [True, False, True, False, True],
        "s": ["hello", "", "ünï ✓ 🐦", "x" * 10_000, "'; DROP TABLE runs; --"],
        "n": [None] * 5,
        "l": [[1, 2.5, "x", None], [], [[1], {"a": NAN}], [True], [0.1]],
        "d": [{"k": 1}, {}, {"x": INF}, {"y": None}, {"z": "z"}],
    }
    for key, values in expected.items():
        series = store.read_series(pk, key)
        assert series.steps.tolist() == [0, 1, 2, 3, 4], key
        assert_exact(series.values.tolist(), values)


def test_ints_past_64_bits_and_mixed_kinds_in_one_metric_keep_each_value(store: SqlStore) -> None:
    store.write(batch("run1", 1, r.RunStart(name="mixed"),
                      row(0, m=1), row(1, m=2.5), row(2, m="two"), row(3, m=2**70),
                      row(4, m=True), row(5, m=None), row(6, m=7)))
    pk = store.get_run("proj", "run1").pk

    series = store.read_series(pk, "m")

    assert series.steps.tolist() == [0, 1, 2, 3, 4, 5, 6]
    assert_exact(series.values.tolist(), [1, 2.5, "two", float(2**70), True, None, 7])


def test_steps_beyond_32_bits_are_kept(store: SqlStore) -> None:
    steps = [0, 2**31, 2**40, 2**62]
    store.write(batch("run1", 1, r.RunStart(name="big"), *[row(s, x=float(s)) for s in steps]))

    info = store.get_run("proj", "run1")
    series = store.read_series(info.pk, "x")

    assert series.steps.tolist() == steps
    assert info.last_step == 2**62


def test_run_changes_summary_metrics_patch_and_end_read_back(store: SqlStore) -> None:
    summary = {"loss": 0.125, "best": NAN, "acc": INF, "n": 3, "ok": True, "img": {"_type": "x"}}
    store.write(batch("run1", 1, r.RunStart(name="before", tags=["a"])))
    store.write(batch(
        "run1", 2,
        r.RunPatch(name="after", tags=["b", "c"], notes="note"),
        r.ConfigSet({"lr": 0.1, "layers": [64, 64]}),
        r.SummarySet(summary),
        r.MetricsSet({"loss": {"summary": "min", "goal": "minimize"}}),
        r.RunEnd(state="failed", exit_code=2**40, ended_at=1_700_000_123.25,
                 traceback="Traceback ...\nValueError: x"),
    ))

    info = store.get_run("proj", "run1")

    assert (info.name, info.tags, info.notes) == ("after", ["b", "c"], "note")
    assert_exact(info.config, {"lr": 0.1, "layers": [64, 64]})
    assert_exact(info.summary, summary)
    assert info.metrics == {"loss": {"summary": "min", "goal": "minimize"}}
    assert (info.state, info.exit_code, info.ended_at) == ("failed", 2**40, 1_700_000_123.25)
    assert info.traceback == "Traceback ...\nValueError: x"


def test_long_names_keys_and_states_are_taken_as_sqlite_takes_them(store: SqlStore) -> None:
    run_id = "r" * 128
    long_key = "k" * 512  # the limit (heron.limits.MAX_KEY_LENGTH); longer is refused
    store.write(batch(run_id, 1, r.RunStart(name="n" * 1000, group="g" * 300, job_type="j" * 200,
                                            metadata={"host": "h" * 300, "user": "u" * 200}),
                      row(0, **{long_key: 1.0}), r.ConsoleLine("stdout-long", 1.0, "x"),
                      r.FileSaved("f" * 1100, "media/ab/cd", 1, "0" * 64),
                      r.Alert("t", "x", "LEVEL-NAME-LONGER", 1.0),
                      r.RunEnd(state="a-custom-long-state", exit_code=0, ended_at=1.0)))

    info = store.get_run("proj", run_id)

    assert (info.name, info.group, info.host) == ("n" * 1000, "g" * 300, "h" * 300)
    assert info.state == "a-custom-long-state"
    assert store.read_series(info.pk, long_key).values.tolist() == [1.0]
    assert [line.stream for line in store.console(info.pk)] == ["stdout-long"]
    assert [f.name for f in store.files(info.pk)] == ["f" * 1100]


def test_system_samples_live_on_their_own_axis(store: SqlStore) -> None:
    store.write(batch("run1", 1, r.RunStart(name="sys"), row(0, loss=1.0),
                      r.SystemSample(0, {"cpu": 12.5, "gpu.0.temp": 60}),
                      r.SystemSample(1, {"cpu": 13.0, "gpu.0.temp": 61})))
    pk = store.get_run("proj", "run1").pk

    assert store.history_keys(pk) == ["loss"]
    assert store.history_keys(pk, stream=1) == ["cpu", "gpu.0.temp"]
    assert store.read_series(pk, "cpu", stream=1).values.tolist() == [12.5, 13.0]
    assert_exact(store.read_series(pk, "gpu.0.temp", stream=1).values.tolist(), [60, 61])
    assert len(store.read_series(pk, "cpu")) == 0


def test_console_lines_and_files_read_back_in_order(store: SqlStore) -> None:
    store.write(batch("run1", 1, r.RunStart(name="io"),
                      r.ConsoleLine("stdout", 1.5, "first"), r.ConsoleLine("stderr", 2.5, "warn"),
                      r.FileSaved("b.txt", "media/aa/b", 10, "1" * 64),
                      r.FileSaved("B.txt", "media/aa/B", 11, "2" * 64),
                      r.FileSaved("a/z.txt", "media/aa/z", 2**40, "3" * 64)))
    store.write(batch("run1", 2, r.ConsoleLine("stdout", 3.5, "third"),
                      r.FileSaved("b.txt", "media/bb/b2", 12, "4" * 64)))
    pk = store.get_run("proj", "run1").pk

    lines = store.console(pk)
    assert [(ln.stream, ln.timestamp, ln.text) for ln in lines] == [
        ("stdout", 1.5, "first"), ("stderr", 2.5, "warn"), ("stdout", 3.5, "third")]
    assert [ln.text for ln in store.console(pk, after_id=lines[0].id)] == ["warn", "third"]
    assert [ln.text for ln in store.console(pk, limit=1)] == ["first"]
    # Byte order, as SQLite sorts, whatever the PostgreSQL locale.
    assert [(f.name, f.path, f.size) for f in store.files(pk)] == [
        ("B.txt", "media/aa/B", 11), ("a/z.txt", "media/aa/z", 2**40),
        ("b.txt", "media/bb/b2", 12)]


def test_key_summary_names_each_key_kind_and_count(store: SqlStore) -> None:
    image = {"_type": "image-file", "path": "media/x.png"}
    store.write(batch("run1", 1, r.RunStart(name="keys"),
                      row(0, loss=1.0, img=image, hist={"_type": "histogram"}, note="a"),
                      row(1, loss=0.5, img=None, note="b")))
    pk = store.get_run("proj", "run1").pk

    assert store.key_summary(pk) == [
        {"key": "hist", "kind": "histogram", "count": 1},
        {"key": "img", "kind": "image", "count": 2},
        {"key": "loss", "kind": "number", "count": 2},
        {"key": "note", "kind": "other", "count": 2},
    ]
