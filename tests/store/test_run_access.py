"""The read side every backend shares (``RunAccess``): SQLite, PostgreSQL and a heron server.

The same runs are written into a SQL store; each backend then answers the same questions and
must give the same answers. The remote backend is a real ``heron server`` on that database,
read through ``heron.store.remote.RemoteStore`` (what ``heron.Api`` uses with ``HERON_HOST``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from heron import records as r
from heron.errors import NotFound
from heron.media.base import DirectoryMediaWriter
from heron.store import RunAccess, SqlStore, open_reader, open_store
from tests.server.conftest import Server, free_port
from tests.store.conftest import _empty_tables

READERS = ("sqlite", "postgresql", "remote")
PICTURE = b"\x89PNG\r\n\x1a\n-not-really-a-png-but-bytes"


def _fill(store: SqlStore) -> str:
    """Two runs in project "p"; returns the media path of the file saved on the first."""
    path = DirectoryMediaWriter(store.media_root).put(PICTURE, ".png")
    store.write(r.Batch(project="p", run_id="one", seq=1, records=[
        r.RunStart(name="first", config={"lr": 0.1}, tags=["a"], started_at=time.time()),
        *[r.HistoryRow(i, {"_step": i, "loss": 1.0 / (i + 1), "epoch": i // 2,
                           "note": "x" if i % 2 else None}) for i in range(6)],
        r.ConsoleLine(stream="stdout", timestamp=time.time(), text="hello"),
        r.FileSaved(name="weights.bin", path=path, size=len(PICTURE), sha256="0" * 64),
        r.SummarySet(summary={"loss": 1 / 6}),
        r.RunEnd(state="finished", exit_code=0, ended_at=time.time()),
    ]))
    store.write(r.Batch(project="p", run_id="two", seq=1, records=[
        r.RunStart(name="second", started_at=time.time()),
        r.HistoryRow(0, {"_step": 0, "loss": math.nan}),
        r.RunEnd(state="failed", exit_code=3, ended_at=time.time()),
    ]))
    return path


@pytest.fixture(params=READERS)
def reader(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunAccess]:
    kind = request.param
    if kind == "postgresql":
        url = str(request.getfixturevalue("pg_database"))  # the conformance suite's database
        _empty_tables(url)
        media = tmp_path / "media"
    else:
        url, media = f"sqlite:///{tmp_path / 'heron.db'}", tmp_path
    store = open_store(url, media_root=media)
    _fill(store)
    store.close()
    if kind != "remote":
        opened = open_reader(url) if kind == "sqlite" else open_store(url, media_root=media)
        yield opened
        opened.close()
        return
    server = Server(db=url, port=free_port(), media=media).start()
    try:
        remote = open_reader(server.url, server.key)
        yield remote
        remote.close()
    finally:
        server.stop()


def test_every_backend_reads_the_same_runs(reader: RunAccess) -> None:
    runs = {info.run_id: info for info in reader.list_runs("p")}
    assert set(runs) == {"one", "two"}
    one = reader.get_run("p", "one")
    assert one is not None and reader.get_run("p", "nope") is None
    assert (one.name, one.state, one.config, one.tags) == ("first", "finished", {"lr": 0.1}, ["a"])
    assert runs["two"].state == "failed" and runs["two"].exit_code == 3
    assert [p.name for p in reader.list_projects()] == ["p"]

    assert sorted(reader.history_keys(one.pk)) == ["epoch", "loss", "note"]
    loss = reader.read_series(one.pk, "loss")
    assert loss.steps.tolist() == list(range(6))
    assert np.allclose(loss.values.astype(float), [1.0 / (i + 1) for i in range(6)])
    epoch = reader.read_series(one.pk, "epoch", min_step=2, max_step=5)  # max exclusive
    assert epoch.steps.tolist() == [2, 3, 4] and epoch.values.tolist() == [1, 1, 2]
    assert [type(v) for v in epoch.values.tolist()] == [int] * 3
    two = reader.get_run("p", "two")
    assert two is not None and math.isnan(float(reader.read_series(two.pk, "loss").values[0]))
    assert [line.text for line in reader.console(one.pk)] == ["hello"]


def test_every_backend_lists_and_copies_the_same_files(reader: RunAccess,
                                                       tmp_path: Path) -> None:
    one = reader.get_run("p", "one")
    assert one is not None
    names = {f.name for f in reader.run_files(one.pk)}
    assert {"weights.bin", "config.yaml", "wandb-summary.json", "output.log"} <= names
    target = tmp_path / "copied.bin"
    reader.copy_file(one.pk, "weights.bin", target)
    assert target.read_bytes() == PICTURE
    reader.copy_file(one.pk, "output.log", tmp_path / "output.log")
    assert (tmp_path / "output.log").read_text().strip() == "hello"
    assert reader.file_url(one.pk, "weights.bin").startswith(("file://", "http"))
    with pytest.raises(NotFound):
        reader.copy_file(one.pk, "no-such-file", tmp_path / "x")


def test_every_backend_edits_and_deletes_the_same_way(reader: RunAccess) -> None:
    one = reader.get_run("p", "one")
    assert one is not None
    reader.update_run(one.pk, name="renamed", tags=["b"], summary={"loss": 0.5})
    edited = reader.get_run("p", "one")
    assert edited is not None
    assert (edited.name, edited.tags, edited.summary) == ("renamed", ["b"], {"loss": 0.5})
    reader.delete_run(one.pk)
    assert reader.get_run("p", "one") is None
    assert [info.run_id for info in reader.list_runs("p")] == ["two"]
