"""The limits of docs/server.md ("Limits") on both backends: a batch past one is refused whole,
naming the batch, the record, the key and the limit; a run stored past one before (written
here behind the store's back) still reads, with the deep part cut."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from sqlalchemy import text

from heron import records as r
from heron.limits import DEEP_MARKER, MAX_DEPTH, MAX_KEY_LENGTH, MAX_ROW_KEYS, MAX_STRING
from heron.store import BatchRejected, SqlStore
from heron.store.engine import make_engine

from ._support import batch, row


def nested(levels: int, leaf: Any = 1) -> Any:
    """A value nesting ``levels`` lists and dicts (alternating), ``leaf`` innermost."""
    value = leaf
    for i in range(levels):
        value = {"a": value} if i % 2 else [value]
    return value


def depth_of(value: Any) -> int:
    levels = 0
    while isinstance(value, (list, dict)):
        value = value["a"] if isinstance(value, dict) else value[0]
        levels += 1
    return levels


def refused(store: SqlStore, *records: r.Record) -> str:
    """The message ``store`` refuses a batch of ``records`` with; the run must not exist."""
    with pytest.raises(BatchRejected) as caught:
        store.write(batch("lim1", 3, r.RunStart(name="limits"), *records))
    assert store.get_run("proj", "lim1") is None, "a refused batch wrote something"
    return str(caught.value)


def test_values_may_nest_100_levels_and_no_more(store: SqlStore) -> None:
    store.write(batch("ok1", 1, r.RunStart(name="ok", config={"deep": nested(MAX_DEPTH)}),
                      row(0, v=nested(MAX_DEPTH)), r.SummarySet({"s": nested(MAX_DEPTH)})))
    assert depth_of(store.get_run("proj", "ok1").config["deep"]) == MAX_DEPTH

    too_deep = nested(MAX_DEPTH + 1)
    message = refused(store, r.ConfigSet({"lr": 0.1, "deep": too_deep}))
    assert "batch 3 of run 'lim1' refused: config key 'deep' nests deeper than 100 levels" in (
        message)
    assert "summary key 's'" in refused(store, r.SummarySet({"s": too_deep}))
    assert "metadata key 'm'" in refused(store, r.RunStart(name="x", metadata={"m": too_deep}))
    assert "HistoryRow at step 4 key 'v'" in refused(store, row(4, v=too_deep))
    assert "SystemSample 2 key 'gpu'" in refused(store, r.SystemSample(2, {"gpu": too_deep}))
    assert "metric definitions key 'loss'" in refused(store, r.MetricsSet({"loss": {
        "summary": too_deep}}))


def test_a_config_nested_500_levels_is_refused(store: SqlStore) -> None:
    assert "nests deeper than 100 levels" in refused(store, r.ConfigSet({"x": nested(500)}))


def test_keys_rows_and_strings_have_limits(store: SqlStore) -> None:
    long_key = "k" * (MAX_KEY_LENGTH + 1)
    message = refused(store, row(0, **{long_key: 1.0}))
    assert "HistoryRow at step 0 key 'kkkk" in message and "513 characters" in message
    assert "at most 512" in message
    assert "holds a key of 513 characters" in refused(store, r.ConfigSet({"opt": {long_key: 1}}))

    wide = {f"m{i}": 1.0 for i in range(MAX_ROW_KEYS)}  # and _step: one key too many
    assert "has 10,001 keys; the limit is 10,000" in refused(store, row(0, **wide))

    big = "x" * (MAX_STRING + 1)
    assert "key 'text' holds a string of 1,048,577 characters" in refused(store, row(0, text=big))
    assert "ConsoleLine text is 1,048,577 characters long" in refused(
        store, r.ConsoleLine("stdout", 1.0, big))
    assert "RunEnd traceback" in refused(store, r.RunEnd(state="failed", exit_code=1,
                                                           ended_at=1.0, traceback=big))
    assert "holds 1,048,577 bytes" in refused(store, r.SummarySet({"blob": big.encode()}))

    # At the limits, everything is kept.
    store.write(batch("edge1", 1, r.RunStart(name="edge"), row(0, **{"k" * MAX_KEY_LENGTH: 1.0}),
                      row(1, **{f"m{i}": 1.0 for i in range(MAX_ROW_KEYS - 1)}),
                      r.ConsoleLine("stdout", 1.0, "y" * MAX_STRING)))
    pk = store.get_run("proj", "edge1").pk
    assert store.read_series(pk, "k" * MAX_KEY_LENGTH).values.tolist() == [1.0]
    assert len(store.history_keys(pk)) == MAX_ROW_KEYS
    assert [len(line.text) for line in store.console(pk)] == [MAX_STRING]


def test_msgpack_extension_values_are_refused(store: SqlStore) -> None:
    message = refused(store, r.ConfigSet({"odd": [msgspec.msgpack.Ext(5, b"abc")]}))
    assert "config key 'odd' holds a value of type msgspec.msgpack.Ext" in message


@pytest.mark.parametrize("path", [
    "///attacker.example/x.png", "https://attacker.example/x.png", "//attacker.example/x.png",
    "/etc/passwd", "media/../x.png", "media/ab/../../x", "../media/ab/x.png",
    "javascript:alert(1)", "media/ab/x.png?x=1", "media/ab/", "media//x.png", 7,
])
def test_media_references_must_point_inside_the_media_folder(
    store: SqlStore, path: Any
) -> None:
    image = {"_type": "image-file", "path": path, "width": 1, "height": 1}
    shown = repr(path) if isinstance(path, str) else "int"

    message = refused(store, row(0, img=image))
    assert f"HistoryRow at step 0 key 'img' is a 'image-file' whose media path {shown}" in message
    assert "not a relative path inside the media folder" in message
    assert "summary key 'best'" in refused(store, r.SummarySet({"best": image}))
    assert "key 'pair'" in refused(store, row(0, pair=[1, {"k": image}]))  # nested anywhere
    table = {"_type": "table-file", "path": path, "ncols": 1, "nrows": 1}
    assert "'table-file'" in refused(store, row(0, preds=table))
    images = {"_type": "images/separated", "filenames": ["media/ab/ok.png", path], "count": 2}
    assert "'images/separated'" in refused(store, row(0, batch=images))
    masked = {**image, "path": "media/ab/ok.png",
              "masks": {"pred": {"_type": "mask", "path": path}}}
    assert "'mask'" in refused(store, row(0, seg=masked))
    assert "FileSaved 'notes.txt'" in refused(store, r.FileSaved("notes.txt", path, 1, "0" * 64))


def test_media_references_inside_the_media_folder_are_kept(store: SqlStore) -> None:
    image = {"_type": "image-file", "path": "media/ab/" + "ab" * 32 + ".png", "width": 1}
    store.write(batch("img1", 1, r.RunStart(name="img"), row(0, img=image),
                      r.SummarySet({"img": image})))
    info = store.get_run("proj", "img1")
    assert info.summary["img"] == image
    assert store.read_series(info.pk, "img").values.tolist() == [image]


@pytest.mark.parametrize("name", ["/home/victim/.bashrc", "../x", "a/../../x", "..\\x",
                                  "\\\\server\\share\\x", "C:\\Users\\x", "c:x", "", ".",
                                  "./", "a\x00b"])
def test_saved_file_names_must_stay_inside_the_run(store: SqlStore, name: str) -> None:
    message = refused(store, r.FileSaved(name, "media/ab/cd.txt", 1, "0" * 64))
    assert message.startswith("batch 3 of run 'lim1' refused: FileSaved: ")
    if name:
        assert repr(name) in message


def test_nul_in_text_reads_back_as_u_fffd_on_both_backends(store: SqlStore) -> None:
    # One rule (docs/server.md "Limits"): text columns keep U+FFFD for NUL on both backends;
    # values inside configs and history objects are msgpack and keep NUL on both.
    store.write(batch("nul1", 1, r.RunStart(name="a\x00b", tags=["t\x00"],
                                            config={"c": "x\x00y"}),
                      row(0, **{"k\x00": 1.0, "s": "v\x00"}),
                      r.ConsoleLine("stdout", 1.0, "out\x00"), r.FileSaved(
                          "f.txt", "media/ab/cd.txt", 1, "0" * 64)))
    info = store.get_run("proj", "nul1")
    assert info.name == "a\ufffdb"
    assert info.tags == ["t\x00"] and info.config == {"c": "x\x00y"}
    assert sorted(store.history_keys(info.pk)) == ["k\ufffd", "s"]
    assert store.read_series(info.pk, "k\x00").values.tolist() == [1.0]  # lookups match
    assert store.read_series(info.pk, "s").values.tolist() == ["v\x00"]
    assert [line.text for line in store.console(info.pk)] == ["out\ufffd"]


def write_behind(store_url: str, statement: str, **params: Any) -> None:
    """Change the database behind the store's back, as a store from before the limits was."""
    engine = make_engine(store_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(statement), params)
    finally:
        engine.dispose()


def _deep_packed(levels: int) -> bytes:
    """msgpack of ``{"deep": [[...[1]...]], "ok": 1}`` nested ``levels`` lists under "deep",
    written by hand: msgspec itself cannot encode (or decode) values that deep."""
    return b"\x82\xa4deep" + b"\x91" * levels + b"\x01" + b"\xa2ok\x01"


@pytest.mark.parametrize("levels", [500, 10_000])
def test_a_run_stored_past_the_depth_limit_still_reads_cut(
    store: SqlStore, store_url: str, levels: int
) -> None:
    store.write(batch("old1", 1, r.RunStart(name="old"), row(0, v=[1])))
    pk = store.get_run("proj", "old1").pk
    deep = _deep_packed(levels)
    write_behind(store_url, "UPDATE runs SET config = :v, summary = :v, metadata = :v "
                 "WHERE id = :pk", v=deep, pk=pk)
    write_behind(store_url, "UPDATE history_objects SET value = :v WHERE run_pk = :pk", pk=pk,
                 v=b"\x91" * levels + b"\x01")

    [listed] = store.list_runs("proj")
    info = store.get_run("proj", "old1")
    for got in (listed, info):
        assert got.config["ok"] == 1 and got.summary["ok"] == 1 and got.metadata["ok"] == 1
    if levels > 900:  # too deep for msgspec: read with the deep part cut at the limit
        assert depth_of(info.config["deep"]) == MAX_DEPTH
        assert DEEP_MARKER in repr(info.config["deep"])
    [value] = store.read_series(pk, "v").values.tolist()
    assert depth_of(value) == (levels if levels < 900 else MAX_DEPTH)
