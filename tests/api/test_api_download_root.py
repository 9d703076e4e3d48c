"""``File.download(root=...)`` writes only inside ``root``, whatever name a file was saved under:
the store refuses such names now, but a database from before (written here behind the store's
back) may hold ``/home/victim/.bashrc`` or ``../x``, from the embedded store or a server."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import heron
from heron import records as r
from heron.errors import ValueRejected
from heron.media.base import DirectoryMediaWriter
from heron.store import BatchRejected, open_store
from tests.support.server import create_key, heron_servers

PAYLOAD = b"#!/bin/sh\necho owned\n"


def evil_names(home: Path) -> list[str]:
    """Names a client with a write key once could give a saved file."""
    return [str(home / ".bashrc"), "../x", "../../x", "ok/../../../x", "..\\x", "/x",
            "link/escaped.txt"]


def plant(db_file: Path, run_pk: int, names: list[str], path: str) -> None:
    with sqlite3.connect(db_file) as db:
        db.executemany("INSERT INTO run_files (run_pk, name, path, size, sha256, updated_at) "
                       "VALUES (?, ?, ?, ?, ?, 1.0)",
                       [(run_pk, name, path, len(PAYLOAD), hashlib.sha256(PAYLOAD).hexdigest())
                        for name in names])


def check_downloads(run: heron.api.Run, tmp_path: Path, home: Path) -> None:
    root = tmp_path / "downloads" / "root"
    outside = tmp_path / "outside"
    outside.mkdir()
    root.mkdir(parents=True)
    (root / "link").symlink_to(outside)  # a folder in root that leads elsewhere
    listed = {f.name: f for f in run.files()}

    for name in evil_names(home):
        with pytest.raises(ValueRejected, match="outside") as caught:
            listed[name].download(root=str(root))
        assert repr(name) in str(caught.value)  # the error names the file
    assert not (home / ".bashrc").exists()
    assert not (outside / "escaped.txt").exists()
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file() and p.read_bytes() == PAYLOAD
                     and "media" not in p.parts)
    assert written == []

    kept = listed["notes/ok.txt"].download(root=str(root))
    assert kept == root / "notes" / "ok.txt" and kept.read_bytes() == PAYLOAD


def test_the_store_refuses_to_save_such_names(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    for name in evil_names(tmp_path / "home")[:-1]:
        with pytest.raises(BatchRejected, match="FileSaved: file name"):
            store.write(r.Batch(project="proj", run_id="evil", seq=1, records=[
                r.RunStart(name="evil"), r.FileSaved(name, "media/ab/cd.txt", 1, "0" * 64)]))
    store.close()


def test_downloads_from_the_embedded_store_stay_inside_root(
    tmp_path: Path, store_root: Path
) -> None:
    home = tmp_path / "home" / "victim"
    home.mkdir(parents=True)
    store = open_store(store_root)
    stored = DirectoryMediaWriter(store.media_root).put(PAYLOAD, ".txt")
    store.write(r.Batch(project="proj", run_id="evil1", seq=1, records=[
        r.RunStart(name="evil"), r.FileSaved("notes/ok.txt", stored, len(PAYLOAD), "0" * 64)]))
    run_pk = store.get_run("proj", "evil1").pk
    store.close()
    plant(store_root / "heron.db", run_pk, evil_names(home), stored)

    check_downloads(heron.Api().run("proj/evil1"), tmp_path, home)


@pytest.fixture
def server_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    """A real ``heron server`` on 127.0.0.1 that ``heron.Api()`` reads through; yields its
    database file and a key."""
    db_file = tmp_path / "server" / "heron.db"
    media = tmp_path / "server-media"
    env = {"HERON_CONFIG_DIR": str(tmp_path / "server-config")}
    key = create_key(f"sqlite:///{db_file}", media, env=env)
    with heron_servers(f"sqlite:///{db_file}", media, env=env) as (server,):
        monkeypatch.setenv("HERON_HOST", server.url)
        monkeypatch.setenv("HERON_API_KEY", key)
        yield db_file, key


def test_downloads_through_a_server_stay_inside_root(
    tmp_path: Path, server_db: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db_file, key = server_db
    home = tmp_path / "home" / "victim"
    home.mkdir(parents=True)
    url = heron.Api().settings.host
    headers = {"Authorization": f"Bearer {key}"}
    stored = httpx.post(f"{url}/api/v1/media", params={"suffix": ".txt"}, content=PAYLOAD,
                        headers={**headers, "Content-Type": "application/octet-stream"}
                        ).json()["path"]
    batch = r.Batch(project="proj", run_id="evil2", seq=1, records=[
        r.RunStart(name="evil"), r.FileSaved("notes/ok.txt", stored, len(PAYLOAD), "0" * 64)])
    refused = r.Batch(project="proj", run_id="evil3", seq=1, records=[
        r.RunStart(name="evil"), r.FileSaved(str(home / ".bashrc"), stored, 1, "0" * 64)])
    msgpack = {**headers, "Content-Type": "application/msgpack"}
    assert httpx.post(f"{url}/api/v1/ingest", content=r.encode([batch]),
                      headers=msgpack).status_code == 200
    response = httpx.post(f"{url}/api/v1/ingest", content=r.encode([refused]), headers=msgpack)
    assert response.status_code == 422 and str(home / ".bashrc") in response.json()["detail"]
    with sqlite3.connect(db_file) as db:
        [(run_pk,)] = db.execute("SELECT id FROM runs WHERE run_id = 'evil2'").fetchall()
    plant(db_file, run_pk, evil_names(home), stored)

    check_downloads(heron.Api().run("proj/evil2"), tmp_path, home)
