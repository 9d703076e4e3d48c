"""Real ``heron server`` processes for tests: started on a free port, waited for, stopped."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.postgres import free_port

KEY = re.compile(r"\bhk-[A-Za-z0-9_-]{40,}")
HERON = [sys.executable, "-c", "from heron.cli import main; main()"]
"""The ``heron`` command of the interpreter running the tests."""


class ServerProcess:
    """One ``heron server`` subprocess; ``stderr`` collects what it printed so far."""

    def __init__(self, db: str, media: Path | str, port: int, args: Sequence[str] = (),
                 env: dict[str, str] | None = None) -> None:
        self.db = db
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._lines: list[str] = []
        self.proc = subprocess.Popen(
            [*HERON, "server", "--db", db, "--media", str(media), "--port", str(port), *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            env={**os.environ, **(env or {})}, start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._lines.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self._lines)

    @property
    def admin_key(self) -> str | None:
        """The admin key the server printed on its first start, if it printed one."""
        found = KEY.search(self.stderr)
        return found.group(0) if found else None

    def wait_admin_key(self, timeout: float = 10.0) -> str:
        """The admin key of a first start (the reader thread may not have it at once)."""
        deadline = time.monotonic() + timeout
        while self.admin_key is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.admin_key, self.stderr
        return self.admin_key

    def wait_ready(self, timeout: float = 60.0) -> ServerProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"heron server exited ({self.proc.returncode}):\n{self.stderr}")
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"heron server on {self.url} not up after {timeout} s:\n{self.stderr}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=15)


@contextmanager
def heron_servers(db: str, media: Path | str, count: int = 1, args: Sequence[str] = (),
                  together: bool = True, env: dict[str, str] | None = None
                  ) -> Iterator[list[ServerProcess]]:
    """``count`` servers on one database and media folder, started at once (``together``) or
    one after the other; all stopped on exit."""
    servers: list[ServerProcess] = []
    try:
        for _ in range(count):
            servers.append(ServerProcess(db, media, free_port(), args, env))
            if not together:
                servers[-1].wait_ready()
        for server in servers:
            server.wait_ready()
        yield servers
    finally:
        for server in servers:
            server.stop()


def create_key(db: str, media: Path | str, user: str = "tester", admin: bool = True,
               env: dict[str, str] | None = None) -> str:
    """A new API key made with ``heron server keys create`` (what an operator would run)."""
    done = subprocess.run(
        [*HERON, "server", "--db", db, "--media", str(media), "keys", "create", "--user", user,
         *(["--admin"] if admin else [])],
        capture_output=True, text=True, timeout=60, check=False, env={**os.environ, **(env or {})},
    )
    assert done.returncode == 0, done.stderr
    found = KEY.search(done.stdout)
    assert found is not None, done.stdout
    return found.group(0)
