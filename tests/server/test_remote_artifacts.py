"""Artifacts logged by a run that writes to ``heron server``: the server stores the version,
its entries and its files; reading back through the server is not there yet and says so."""

from __future__ import annotations

from pathlib import Path

import pytest

import heron
from heron.errors import UsageError
from heron.store import SqlStore

from .conftest import Server


def test_a_run_on_the_server_logs_artifact_versions(remote_env: Server,
                                                    tmp_path: Path) -> None:
    (tmp_path / "w.bin").write_bytes(b"\x01weights" * 1000)
    with heron.init(project="remote-arts") as run:
        art = heron.Artifact("net", type="model", metadata={"acc": 0.9})
        art.add_file(tmp_path / "w.bin")
        run.log_artifact(art, aliases=["prod"])
        with pytest.raises(UsageError, match="not supported yet"):
            art.wait()
        run.log({"after": 1})

    store = SqlStore(remote_env.db, media_root=remote_env.media)
    with store.artifact_session() as s:
        stored = s.get("", "remote-arts", "net", "prod")
        assert stored is not None
        assert (stored.version, stored.type, stored.metadata, stored.aliases) == (
            0, "model", {"acc": 0.9}, ["latest", "prod"])
        (entry,) = s.entries(stored.id)
    assert entry.path == "w.bin" and entry.media is not None
    assert (remote_env.media / entry.media).read_bytes() == b"\x01weights" * 1000
    assert heron.Api().run(f"remote-arts/{run.id}").summary["after"] == 1
