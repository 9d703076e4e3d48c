"""Artifacts in the store, on both backends: versions per collection, the same content logging
no new version, aliases (``latest`` follows the newest; a user alias names one version),
lineage, edits and deletes."""

from __future__ import annotations

import pytest

from heron import records as r
from heron.artifacts.manifest import digest_of
from heron.errors import Conflict
from heron.store import SqlStore

from ._support import batch


def _entry(path: str, content: str) -> r.ArtifactEntry:
    sha = content.encode().hex().ljust(64, "0")[:64]
    return r.ArtifactEntry(path=path, size=len(content), sha256=sha,
                           media=f"media/{sha[:2]}/{sha}")


def _log(name: str, *files: tuple[str, str], kind: str = "dataset",
         aliases: tuple[str, ...] = ()) -> r.ArtifactLog:
    entries = [_entry(p, c) for p, c in files]
    return r.ArtifactLog(name=name, artifact_type=kind, digest=digest_of(entries),
                         entries=entries, aliases=list(aliases), metadata={"n": len(files)})


def _versions(store: SqlStore, name: str) -> list[tuple[int, list[str]]]:
    with store.artifact_session() as s:
        return [(v.version, v.aliases) for v in s.versions("", "proj", name)]


def test_versions_aliases_and_the_same_content(store: SqlStore) -> None:
    store.write(batch("maker", 1, r.RunStart(name="maker"),
                      _log("data", ("a.txt", "a"), aliases=("best",))))
    store.write(batch("maker", 2, _log("data", ("a.txt", "a"), ("b.txt", "b"))))
    # The first content again, in another order of entries: no new version; latest moves back.
    store.write(batch("maker", 3, _log("data", ("a.txt", "a"), aliases=("prod",))))

    assert _versions(store, "data") == [(1, []), (0, ["best", "latest", "prod"])]
    store.write(batch("maker", 4, _log("data", ("c.txt", "c"), aliases=("best",))))
    assert _versions(store, "data") == [(2, ["best", "latest"]), (1, []), (0, ["prod"])]
    with store.artifact_session() as s:
        v2 = s.get("", "proj", "data", "best")
        assert v2 is not None and (v2.version, v2.file_count, v2.size) == (2, 1, 1)
        assert [e.path for e in s.entries(v2.id)] == ["c.txt"]
        assert s.get("", "proj", "data", "v1") is not None
        assert s.get("", "proj", "data", "nope") is None
        assert v2.metadata == {"n": 1}


def test_a_name_keeps_its_type_and_other_records_of_the_batch_are_kept(store: SqlStore) -> None:
    store.write(batch("maker", 1, r.RunStart(name="maker"), _log("weights", ("w", "1"),
                                                                kind="model")))
    store.write(batch("maker", 2, _log("weights", ("w", "2"), kind="dataset"),
                      r.HistoryRow(0, {"_step": 0, "loss": 1.0})))
    assert _versions(store, "weights") == [(0, ["latest"])]
    assert store.get_run("proj", "maker").history_rows == 1
    with store.artifact_session() as s:
        assert [(c.name, c.type, c.version_count) for c in s.collections("", "proj")] == [
            ("weights", "model", 1)]


def test_lineage_edits_and_deletes(store: SqlStore) -> None:
    store.write(batch("maker", 1, r.RunStart(name="maker"), _log("data", ("a", "a"))))
    store.write(batch("user", 1, r.RunStart(name="user"),
                      r.ArtifactUse(project="proj", entity="", name="data", version=0),
                      r.ArtifactUse(project="proj", entity="", name="data", version=0),
                      r.ArtifactUse(project="proj", entity="", name="gone", version=3)))
    maker, user = store.get_run("proj", "maker"), store.get_run("proj", "user")
    with store.artifact_session() as s:
        v0 = s.get("", "proj", "data", "latest")
        assert v0 is not None and v0.run_pk == maker.pk
        assert s.users_of(v0.id) == [user.pk]
        assert [v.name for v in s.used_by_run(user.pk)] == ["data"]
        assert [v.name for v in s.logged_by_run(maker.pk)] == ["data"]
    with store.artifact_session(write=True) as s:
        s.edit(v0.id, description="clean", metadata={"rows": 3}, aliases=["gold"])
    with store.artifact_session() as s:
        edited = s.by_id(v0.id)
        assert edited is not None
        assert (edited.description, edited.metadata, edited.aliases) == (
            "clean", {"rows": 3}, ["gold", "latest"])
    with pytest.raises(Conflict, match="has aliases"), \
            store.artifact_session(write=True) as s:
        s.delete(v0.id)

    store.delete_run(maker.pk)  # the version stays, without its producer
    with store.artifact_session() as s:
        kept = s.by_id(v0.id)
        assert kept is not None and kept.run_pk is None
    with store.artifact_session(write=True) as s:
        s.delete(v0.id, delete_aliases=True)
    with store.artifact_session() as s:
        assert s.by_id(v0.id) is None and s.used_by_run(user.pk) == []


@pytest.mark.parametrize(("record", "message"), [
    (r.ArtifactLog(name="bad name", artifact_type="dataset", digest="0" * 64, entries=[]),
     "artifact name 'bad name' is not valid"),
    (r.ArtifactLog(name="ok", artifact_type="dataset", digest="0" * 64, entries=[],
                   aliases=["v3"]), "alias 'v3' is reserved"),
    (r.ArtifactLog(name="ok", artifact_type="dataset", digest="0" * 64,
                   entries=[r.ArtifactEntry(path="../x", size=1, sha256="0" * 64,
                                            media="media/00/" + "0" * 64)]),
     "must be relative"),
    (r.ArtifactLog(name="ok", artifact_type="dataset", digest="0" * 64,
                   entries=[r.ArtifactEntry(path="x", size=1, ref="ftp://host/x")]),
     "is not one of file://"),
])
def test_bad_artifacts_are_refused_naming_the_value(store: SqlStore, record: r.Record,
                                                    message: str) -> None:
    with pytest.raises(ValueError, match=message):
        store.write(batch("maker", 1, r.RunStart(name="maker"), record))
    assert store.get_run("proj", "maker") is None  # nothing of the batch was written
