"""One real ``heron server`` (SQLite store in a temporary folder) for the fuzz tests, with a
known API key and one seeded run, so fuzzed requests reach real data as well as 404s."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from heron import records as r
from heron.store import open_store
from tests.support.server import ServerProcess, create_key, heron_servers


@dataclass
class FuzzServer:
    url: str
    key: str
    media: Path
    process: ServerProcess
    seeded: dict[str, str]
    """Path parameters that name real things: project, run_id, a file name, a media path."""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def _seed(url: str, headers: dict[str, str]) -> dict[str, str]:
    upload = httpx.post(f"{url}/api/v1/media", params={"suffix": ".txt"}, content=b"hello",
                        headers={**headers, "Content-Type": "application/octet-stream"},
                        timeout=30)
    upload.raise_for_status()
    media_path = upload.json()["path"]
    rows = [r.HistoryRow(s, {"_step": s, "loss": 1.0 / (s + 1), "epoch": s // 10,
                             "label": f"l{s}", "odd": math.nan if s % 7 == 0 else -math.inf,
                             "img": {"_type": "image-file", "path": media_path}})
            for s in range(50)]
    batch = r.Batch(project="proj", run_id="run1", seq=1, records=[
        r.RunStart(name="seeded", config={"lr": 0.1}, tags=["a"]), *rows,
        r.SystemSample(0, {"cpu": 1.0}), r.ConsoleLine("stdout", 1.0, "hello"),
        r.FileSaved("notes.txt", media_path, 5, "0" * 64), r.SummarySet({"loss": 0.02}),
    ])
    done = httpx.post(f"{url}/api/v1/ingest", content=r.encode([batch]),
                      headers={**headers, "Content-Type": "application/msgpack"}, timeout=30)
    assert done.status_code == 200, done.text
    return {"project": "proj", "run_id": "run1", "name": "notes.txt",
            "path": media_path.removeprefix("media/")}


@pytest.fixture(scope="session")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzServer]:
    root = tmp_path_factory.mktemp("fuzz-server")
    db = f"sqlite:///{root / 'heron.db'}"
    media = root / "media-root"
    env = {"HERON_DIR": str(root / "heron-dir"), "HERON_CONFIG_DIR": str(root / "config")}
    key = create_key(db, media, user="fuzzer", admin=True, env=env)
    with heron_servers(db, media, env=env) as (server,):
        assert server.admin_key is None  # a key existed: the server printed none
        headers = {"Authorization": f"Bearer {key}"}
        yield FuzzServer(server.url, key, media, server, _seed(server.url, headers))


def restore_key(fuzz_server: FuzzServer) -> None:
    """Give the fuzzer a working admin key again when fuzzed requests revoked or rotated it
    (``DELETE /keys/1`` is an early example), or removed or demoted its user."""
    me = httpx.get(f"{fuzz_server.url}/api/v1/me", headers=fuzz_server.headers, timeout=30)
    if me.status_code == 200 and me.json().get("role") == "admin":
        return
    store = open_store(fuzz_server.process.db, media_root=fuzz_server.media)
    try:
        fuzz_server.key = store.create_key(f"fuzzer-{time.time_ns()}", role="admin")[0]
    finally:
        store.close()


@pytest.fixture(autouse=True)
def working_key(fuzz_server: FuzzServer) -> Iterator[None]:
    yield
    restore_key(fuzz_server)
