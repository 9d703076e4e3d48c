"""A throwaway PostgreSQL for tests, started from the machine's ``initdb`` and ``pg_ctl``.

One server per test session (a temporary data folder, socket folder and free localhost port,
``fsync`` off); each test that asks for ``postgres_url`` gets a fresh database on it. Tests skip,
saying why, only when no PostgreSQL binaries are found. Running as root (CI containers), the
server runs as the ``postgres`` OS user, because ``initdb`` refuses to run as root.

Use it from a ``conftest.py``::

    from tests.support.postgres import postgres_server, postgres_url  # noqa: F401

Set ``HERON_PG_BIN`` to a folder holding ``initdb`` and ``pg_ctl`` to pick a version.
"""

from __future__ import annotations

import atexit
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

USER = "heron"
"""The database superuser the tests connect as (trust authentication, localhost only)."""


def find_bin_dir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: HERON_PG_BIN, PATH, or the newest
    ``/usr/lib/postgresql/*/bin`` (Debian and Ubuntu keep them off PATH)."""
    candidates: list[Path] = []
    if os.environ.get("HERON_PG_BIN"):
        candidates.append(Path(os.environ["HERON_PG_BIN"]))
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).parent)
    versions = Path("/usr/lib/postgresql").glob("*/bin")
    candidates.extend(sorted(versions, key=lambda p: _version(p.parent.name), reverse=True))
    candidates.extend(Path(p) for p in ("/usr/local/pgsql/bin", "/opt/homebrew/bin"))
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".") if p.isdigit())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One PostgreSQL cluster in a temporary folder; ``url(db)`` names a database on it."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        # Short and shallow: the server's Unix socket lives here (paths over ~100 bytes fail).
        self.root = Path(tempfile.mkdtemp(prefix="heron-pg-",
                                          dir="/tmp" if os.path.isdir("/tmp") else None))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = 0
        self._names = itertools.count(1)
        self._run_as: dict[str, Any] = {}
        if os.geteuid() == 0:
            try:
                entry = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError("running as root, and initdb refuses root; there is no "
                                   "'postgres' OS user to run PostgreSQL as") from None
            self._run_as = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._started = False

    def _pg(self, tool: str, *args: str) -> None:
        done = subprocess.run(
            [str(self.bin_dir / tool), *args], capture_output=True, text=True, timeout=120,
            cwd=self.root, **self._run_as,
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"{tool} {' '.join(args)} failed ({done.returncode}):\n"
                               f"{done.stdout}\n{done.stderr}\n{log[-4000:]}")

    def start(self) -> None:
        self._pg("initdb", "-D", str(self.data), "-U", USER, "--auth=trust", "-E", "UTF8",
                 "--locale=C", "--no-sync")
        for attempt in range(3):
            self.port = free_port()
            options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                       "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                       "-c max_connections=300 -c shared_buffers=64MB")
            try:
                self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                         "-o", options, "start")
            except RuntimeError:
                if attempt == 2:
                    raise
                continue
            break
        self._started = True
        atexit.register(self.stop)

    def stop(self) -> None:
        if self._started:
            self._started = False
            try:
                self._pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "t", template: str = "template0") -> str:
        """A new database, empty or a copy of ``template`` (which nobody may be connected to);
        returns its ``postgresql://`` URL."""
        import psycopg

        name = f"{prefix}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            # FILE_COPY (PostgreSQL 15+) is the faster way to copy a small database.
            strategy = " STRATEGY FILE_COPY" if conn.info.server_version >= 150000 else ""
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{strategy}')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop the database, disconnecting whoever is still connected to it."""
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session (skips only when PostgreSQL is not installed)."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("no PostgreSQL binaries (initdb, pg_ctl) found on PATH, in HERON_PG_BIN or "
                    "/usr/lib/postgresql/*/bin: install PostgreSQL to run these tests")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.fail("psycopg is not installed: pip install 'heron[postgres]'")
    server = PostgresServer(bin_dir)
    try:
        server.start()
    except Exception:
        server.stop()
        raise
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database for this test: ``postgresql://heron@127.0.0.1:PORT/t_N``."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)
