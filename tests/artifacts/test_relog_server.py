"""Logging the same files again through a ``heron server`` sends none of them: the writer asks
the server (``HEAD /api/v1/media/...``) before it sends a file of 256 KiB or more, and the
server already holds it by its SHA-256; a changed file is the only one sent."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import heron
from tests.support.postgres import free_port
from tests.support.relay import CountingRelay
from tests.support.server import ServerProcess

BIG = 2 << 20


@pytest.fixture
def relay(tmp_path: Path, heron_dir: Path, monkeypatch: pytest.MonkeyPatch
          ) -> Iterator[CountingRelay]:
    """A server this process logs to through a relay that counts the bytes sent to it."""
    server = ServerProcess(f"sqlite:///{tmp_path / 'server.db'}", tmp_path / "media",
                           free_port(), env={"HERON_CONFIG_DIR": str(tmp_path / "config")})
    counting = None
    try:
        server.wait_ready()
        counting = CountingRelay(server.port)
        monkeypatch.setenv("HERON_HOST", f"http://127.0.0.1:{counting.port}")
        monkeypatch.setenv("HERON_API_KEY", server.wait_admin_key())
        yield counting
    finally:
        if counting is not None:
            counting.close()
        server.stop()


def _log(data: Path) -> str:
    with heron.init(project="relog") as run:
        art = heron.Artifact("blobs", type="dataset")
        art.add_dir(data)
        return run.log_artifact(art).wait().version


def test_logging_the_same_files_again_sends_none_of_them(relay: CountingRelay,
                                                         tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("a.bin", "b.bin"):
        (data / name).write_bytes(os.urandom(BIG))
    assert _log(data) == "v0"
    assert relay.sent > 2 * BIG

    before = relay.sent
    assert _log(data) == "v0"
    assert relay.sent - before < BIG // 4, relay.sent - before

    (data / "b.bin").write_bytes(os.urandom(BIG))
    before = relay.sent
    assert _log(data) == "v1"
    assert BIG < relay.sent - before < BIG + BIG // 4, relay.sent - before
    got = Path(heron.Api().artifact("relog/blobs:v1").download(tmp_path / "got"))
    assert {p.name: p.read_bytes() for p in got.iterdir()} == {
        p.name: p.read_bytes() for p in data.iterdir()}
