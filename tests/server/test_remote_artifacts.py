"""Artifacts through ``heron server``: a run logs versions to the server, another run uses
one, and ``heron.Api()`` reads, downloads, edits and deletes them, all over HTTP."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

import heron
from heron.errors import Conflict
from heron.store import SqlStore

from .conftest import Server


def test_artifacts_are_logged_used_and_read_through_the_server(remote_env: Server,
                                                               tmp_path: Path) -> None:
    (tmp_path / "w.bin").write_bytes(b"\x01weights" * 1000)
    with heron.init(project="remote-arts") as maker:
        art = heron.Artifact("net", type="model", metadata={"acc": 0.9})
        art.add_file(tmp_path / "w.bin")
        assert maker.log_artifact(art, aliases=["prod"]).wait().version == "v0"
        maker.log({"after": 1})
    with heron.init(project="remote-arts") as user:
        used = user.use_artifact("net:prod", type="model")
        folder = Path(used.download(tmp_path / "out"))
        assert (folder / "w.bin").read_bytes() == b"\x01weights" * 1000
        used.verify(folder)

    # What the server stored, read behind its back.
    store = SqlStore(remote_env.db, media_root=remote_env.media)
    with store.artifact_session() as s:
        stored = s.get("", "remote-arts", "net", "prod")
        assert stored is not None and (stored.version, stored.aliases) == (0, ["latest", "prod"])
        (entry,) = s.entries(stored.id)
    assert (remote_env.media / str(entry.media)).read_bytes() == b"\x01weights" * 1000

    api = heron.Api()
    net = api.artifact("remote-arts/net:latest")
    assert (net.type, net.metadata, net.logged_by().id) == ("model", {"acc": 0.9}, maker.id)
    assert [r.id for r in net.used_by()] == [user.id]
    assert [a.name for a in api.run(f"remote-arts/{user.id}").used_artifacts()] == ["net:v0"]
    assert [c.name for c in api.artifact_collections("remote-arts", "model")] == ["net"]
    net.aliases = ["prod", "stable"]
    net.description = "small"
    net.save()
    assert api.artifact("remote-arts/net:stable").description == "small"
    with pytest.raises(Conflict, match="has aliases"):
        net.delete()
    net.delete(delete_aliases=True)
    assert api.artifacts("model", "remote-arts/net") == []


def test_artifact_routes_need_a_reader_and_hide_other_projects(server: Server) -> None:
    with httpx.Client(base_url=server.url + "/api/v1", timeout=30) as anyone:
        assert anyone.get("/projects/x/artifacts").status_code == 401
        assert anyone.get("/artifacts/1").status_code == 401
    with httpx.Client(base_url=server.url + "/api/v1", timeout=30,
                      headers={"Authorization": f"Bearer {server.key}"}) as admin:
        assert admin.get("/projects/nothing/artifacts").json() == []
        missing = admin.get("/projects/nothing/artifacts/net/latest")
        assert missing.status_code == 404 and "no artifact net:latest" in missing.text
        assert admin.get("/artifacts/12345").status_code == 404
