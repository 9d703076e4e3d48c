"""A database or media folder the server cannot write: a warning at start that names it, reads
that keep working, writes refused with 503 naming the path and the reason (never a bare 500),
and an SDK that keeps its data until the store can be written again.

Permissions do not stop root: when the tests run as root, the server runs in its own mount
namespace where the paths are read-only bind mounts (what a read-only volume does to it);
otherwise the paths lose their write permission."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import msgspec
import pytest

from heron import records as r
from heron.media.base import DirectoryMediaWriter
from heron.store import open_store
from tests.sdk.helpers import start_script
from tests.support.postgres import free_port

HERON = [sys.executable, "-c", "from heron.cli import main; main()"]
AS_ROOT = os.geteuid() == 0


def _can_mount_read_only() -> str | None:
    """Why read-only bind mounts cannot be made here (None: they can)."""
    if shutil.which("unshare") is None:
        return "there is no unshare command"
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c",
             'mount --bind -o ro "$0" "$0" && ! touch "$0/x" 2>/dev/null', folder],
            capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            return f"unshare/mount failed: {done.stderr.strip()[:200]}"
    return None


@dataclass
class ReadOnly:
    """Makes paths read-only to the server process: bind mounts as root, permissions else."""

    paths: list[Path] = field(default_factory=list)

    def make(self, *paths: Path) -> None:
        self.paths.extend(paths)
        if AS_ROOT:
            return  # the mounts are made where the server starts (``command``)
        for top in paths:
            for path in [*top.rglob("*"), top] if top.is_dir() else [top]:
                path.chmod(0o555 if path.is_dir() else 0o444)

    def fix(self) -> None:
        """The operator's fix: the paths are writable to the next server started."""
        if not AS_ROOT:
            for top in self.paths:
                for path in [top, *top.rglob("*")] if top.is_dir() else [top]:
                    path.chmod(0o755 if path.is_dir() else 0o644)
        self.paths = []

    def command(self, argv: Sequence[str]) -> list[str]:
        if not AS_ROOT or not self.paths:
            return list(argv)
        mounts = " && ".join(f"mount --bind -o ro {shlex.quote(str(p))} {shlex.quote(str(p))}"
                             for p in self.paths)
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                f'{mounts} && exec "$@"', "sh", *argv]


@pytest.fixture
def read_only() -> ReadOnly:
    if AS_ROOT:
        why = _can_mount_read_only()
        if why is not None:
            pytest.skip(f"running as root, whom permissions do not stop, and {why}: a "
                        "read-only store cannot be made")
    return ReadOnly()


@dataclass
class Place:
    """A store made by the test."""

    root: Path

    @property
    def db(self) -> Path:
        return self.root / "db" / "heron.db"

    @property
    def url(self) -> str:
        return f"sqlite:///{self.db}"

    @property
    def media_root(self) -> Path:
        return self.root / "files"

    @property
    def media(self) -> Path:
        return self.media_root / "media"


@pytest.fixture
def place(tmp_path: Path) -> Iterator[Place]:
    yield Place(tmp_path / "place")
    for path in [tmp_path, *tmp_path.rglob("*")]:  # let pytest remove what lost permissions
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)


def seed(place: Place) -> tuple[str, str]:
    """A run with three points, a media file and an admin key; (key, media path)."""
    place.db.parent.mkdir(parents=True)
    store = open_store(place.url, media_root=place.media_root)
    store.write(r.Batch(project="ro", run_id="seeded01", seq=1, records=[
        r.RunStart(name="seeded"), *[r.HistoryRow(i, {"x": float(i)}) for i in range(3)]]))
    key = store.create_first_key("admin")
    assert key is not None
    picture = DirectoryMediaWriter(place.media_root).put(b"\x89PNG seeded", ".png")
    store.close()
    return key, picture


def server_argv(place: Place, port: int) -> list[str]:
    return [*HERON, "server", "--db", place.url, "--media", str(place.media_root), "--port",
            str(port)]


class Started:
    """``heron server`` on ``place`` with ``read_only`` applied; ``stderr`` so far."""

    def __init__(self, place: Place, read_only: ReadOnly, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            read_only.command(server_argv(place, self.port)), stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True, start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self.lines)

    def wait_ready(self) -> Started:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"heron server exited: {self.stderr}")
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=2).status_code == 200:
                    time.sleep(0.2)  # what it printed before listening is read
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise TimeoutError(self.stderr)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(15)


@pytest.fixture
def servers() -> Iterator[list[Started]]:
    started: list[Started] = []
    yield started
    for server in started:
        server.stop()


REASON = "Read-only file system" if AS_ROOT else "Permission denied"


def test_a_read_only_database_and_media_folder_serve_reads_and_refuse_writes_with_503(
        place: Place, read_only: ReadOnly, servers: list[Started]) -> None:
    key, picture = seed(place)
    read_only.make(place.db, place.media)
    server = Started(place, read_only)
    servers.append(server)
    server.wait_ready()

    # At start: which paths, and why.
    assert f"the database {place.db} cannot be written" in server.stderr
    assert f"the media folder {place.media} cannot be written" in server.stderr
    assert REASON in server.stderr and "503" in server.stderr
    auth = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=server.url + "/api/v1", headers=auth, timeout=30) as client:
        # Reads work.
        assert client.get("/projects/ro/runs/seeded01").json()["name"] == "seeded"
        assert client.get("/" + picture).content == b"\x89PNG seeded"
        # Writes: 503, naming the path and the reason.
        ingest = client.post("/ingest", content=r.encode([r.Batch(
            project="ro", run_id="new00001", seq=1, records=[r.RunStart(name="n")])]),
            headers={"Content-Type": "application/msgpack"})
        assert ingest.status_code == 503, ingest.text
        assert str(place.db) in ingest.json()["detail"]
        assert "readonly" in ingest.json()["detail"]
        assert ingest.headers["retry-after"]
        upload = client.post("/media", params={"suffix": ".png"}, content=b"new picture",
                             headers={"Content-Type": "application/octet-stream"})
        assert upload.status_code == 503, upload.text
        assert str(place.media) in upload.json()["detail"]
        assert REASON in upload.json()["detail"]
        edit = client.patch("/projects/ro/runs/seeded01", json={"name": "renamed"})
        assert edit.status_code == 503 and str(place.db) in edit.json()["detail"]
    assert "Traceback" not in server.stderr


def test_a_database_in_a_read_only_folder_is_refused_at_start_naming_it(
        place: Place, read_only: ReadOnly) -> None:
    seed(place)
    read_only.make(place.db.parent)  # SQLite cannot even open it: no room for its -wal file

    done = subprocess.run(read_only.command(server_argv(place, free_port())),
                          capture_output=True, text=True, timeout=60)

    assert done.returncode != 0
    assert str(place.db) in done.stderr and "cannot be written" in done.stderr
    assert REASON in done.stderr
    assert "Traceback" not in done.stderr


LOGGER = """
import heron, time
import numpy as np
run = heron.init(project="ro", id="logged01", settings=heron.Settings(flush_interval=0.05))
print("started", flush=True)
for i in range(20):
    heron.log({"i": i, "picture": heron.Image(np.full((4, 4, 3), i, dtype=np.uint8))})
    time.sleep(0.1)
heron.finish()
print("done", flush=True)
"""


def test_a_run_logged_while_the_database_is_read_only_arrives_once_it_is_fixed(
        place: Place, read_only: ReadOnly, servers: list[Started], tmp_path: Path) -> None:
    key, _ = seed(place)
    read_only.make(place.db)
    first = Started(place, read_only)
    servers.append(first)
    first.wait_ready()
    env = {"HERON_HOST": first.url, "HERON_API_KEY": key, "HERON_SILENT": "0",
           "HERON_FINISH_TIMEOUT": "120"}
    proc = start_script(LOGGER, tmp_path, env=env)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
    time.sleep(3.0)  # every batch refused with 503 meanwhile: the SDK keeps them

    read_only.fix()  # the operator fixes the database and restarts the server
    first.stop()
    second = Started(place, read_only, port=first.port)
    servers.append(second)
    second.wait_ready()
    out, err = proc.communicate(timeout=180)

    assert proc.returncode == 0 and "done" in out, err
    assert "503" in err and str(place.db) in err  # the SDK said why it was retrying
    assert "heron sync" not in err  # nothing left behind
    with httpx.Client(base_url=second.url + "/api/v1", timeout=30,
                      headers={"Authorization": f"Bearer {key}"}) as client:
        series = client.get("/projects/ro/runs/logged01/series_raw", params={"key": "i"})
        assert msgspec.msgpack.decode(series.content)["values"] == list(range(20))
        pictures = client.get("/projects/ro/runs/logged01/series_raw",
                              params={"key": "picture"})
        for picture in msgspec.msgpack.decode(pictures.content)["values"]:
            assert client.get("/" + picture["path"]).status_code == 200


RECOVERY = """
import os, subprocess, sys
from heron import records as r
from heron.store import open_store
db = sys.argv[1]
store = open_store("sqlite:///" + db)
def make(read_only):
    if os.geteuid() == 0:  # a bind mount of the file, remounted in place
        subprocess.run(["mount", "-o", "remount,bind," + ("ro" if read_only else "rw"), db],
                       check=True)
    else:
        os.chmod(db, 0o444 if read_only else 0o644)
if os.geteuid() == 0:
    subprocess.run(["mount", "--bind", db, db], check=True)
store.close()
make(True)
store = open_store("sqlite:///" + db)  # its connections open read-only
for seq, when in ((2, "read-only"), (3, "fixed")):
    try:
        store.write(r.Batch(project="p", run_id="a", seq=seq,
                            records=[r.HistoryRow(seq, {"x": 1.0})]))
        print(when, "wrote")
    except Exception as exc:
        print(when, "refused", exc)
    make(False)
"""


def test_a_database_made_writable_again_takes_writes_without_a_restart(
        tmp_path: Path) -> None:
    reason = _can_mount_read_only() if AS_ROOT else None
    if reason:
        pytest.skip(f"running as root and cannot make a read-only mount: {reason}")
    db = tmp_path / "heron.db"
    store = open_store(f"sqlite:///{db}")
    store.write(r.Batch(project="p", run_id="a", seq=1, records=[r.RunStart(name="a")]))
    store.close()
    argv = [sys.executable, "-c", RECOVERY, str(db)]
    if AS_ROOT:
        argv = ["unshare", "--mount", "--propagation", "private", *argv]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("read-only refused") and "readonly" in lines[0], lines
    assert lines[1] == "fixed wrote", lines
