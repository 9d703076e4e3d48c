"""A real ``heron server`` process on 127.0.0.1 for each test that asks for one."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

HERON = str(Path(sys.executable).parent / "heron")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    db: str
    port: int
    media: Path
    args: list[str] = field(default_factory=list)
    key: str | None = None
    proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: bool = True) -> Server:
        self.proc = subprocess.Popen(
            [HERON, "server", "--db", self.db, "--media", str(self.media), "--port",
             str(self.port), *self.args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                err = self.proc.stderr.read() if self.proc.stderr else ""
                raise RuntimeError(f"server exited: {err}")
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("server did not start")
        if self.key is None:
            self.key = self._read_key()

    def _read_key(self) -> str | None:
        assert self.proc is not None and self.proc.stderr is not None
        os.set_blocking(self.proc.stderr.fileno(), False)
        # The key is printed before the server starts listening, and the server already
        # answered: what it printed is in the pipe (a few reads allow for its latency).
        text = ""
        for _ in range(6):
            text += self.proc.stderr.read() or ""
            found = re.search(r"hk-[A-Za-z0-9_-]{40,}", text)
            if found:
                return found.group(0)
            time.sleep(0.05)
        return None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def client(self, key: str | None = "default") -> httpx.Client:
        headers = {}
        chosen = self.key if key == "default" else key
        if chosen:
            headers["Authorization"] = f"Bearer {chosen}"
        return httpx.Client(base_url=self.url + "/api/v1", headers=headers, timeout=30)

    def env(self) -> dict[str, str]:
        """Environment for an SDK process that logs to this server."""
        return {"HERON_HOST": self.url, "HERON_API_KEY": self.key or ""}


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[type]:
    started: list[Server] = []

    def make(args: list[str] | None = None, db: str | None = None) -> Server:
        server = Server(db=db or f"sqlite:///{tmp_path / 'server' / 'heron.db'}",
                        port=free_port(), media=tmp_path / "server-media", args=args or [])
        started.append(server)
        return server

    yield make  # type: ignore[misc]
    for server in started:
        server.stop()


@pytest.fixture
def server(server_factory) -> Server:  # type: ignore[no-untyped-def]
    return server_factory().start()  # type: ignore[no-any-return]


@pytest.fixture
def remote_env(server: Server, monkeypatch: pytest.MonkeyPatch) -> Server:
    """This test process logs to and reads from ``server``."""
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)
    return server
