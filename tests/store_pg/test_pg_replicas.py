"""Two ``heron server`` replicas on one PostgreSQL database, with clients spread over both,
serve the same runs, the same history and summaries, and the same live feed."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

import heron
from heron.server.jsonsafe import clean
from tests.support.server import ServerProcess, heron_servers

PROJECT = "replicated"
STEPS = 120
RUNS = ("r0", "r1", "r2", "r3")
"""Runs with an even index log through replica 1, odd ones through replica 2."""

CLIENT = textwrap.dedent("""
    import math, sys
    import heron

    project, run_id, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    run = heron.init(project=project, id=run_id, name=f"name-{run_id}",
                     config={"lr": 0.01, "run": run_id, "layers": [64, 32]})
    for s in range(steps):
        heron.log({"loss": 1.0 / (s + 1), "count": s * 3, "even": s % 2 == 0,
                   "label": f"{run_id}-{s}", "odd": math.nan if s == 7 else float(s),
                   "nested": {"x": -s}})
    run.summary["best"] = 0.5
    run.summary["inf"] = math.inf
    heron.finish()
""")


def expected_row(run_id: str, s: int) -> dict[str, Any]:
    return {"loss": 1.0 / (s + 1), "count": s * 3, "even": s % 2 == 0, "label": f"{run_id}-{s}",
            "odd": math.nan if s == 7 else float(s), "nested.x": -s}


def same(a: Any, b: Any) -> bool:
    """Equal, with NaN equal to NaN (the server's JSON and msgpack keep both)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


class LiveFeed:
    """Follows ``/api/v1/live`` from cursor 0 on a thread, keeping each history row by run."""

    def __init__(self, server: ServerProcess, key: str) -> None:
        self.rows: dict[str, dict[int, dict[str, Any]]] = {}
        self.ranges: list[tuple[str, int, int]] = []
        self._stop = threading.Event()
        self._response: httpx.Response | None = None
        self._url = f"{server.url}/api/v1/live"
        self._key = key
        self._thread = threading.Thread(target=self._follow, daemon=True)
        self._thread.start()

    def _follow(self) -> None:
        try:
            self._read()
        except httpx.HTTPError:
            if not self._stop.is_set():  # the servers stopping at the end is no failure
                raise

    def _read(self) -> None:
        params = {"project": PROJECT, "cursor": "0"}
        headers = {"Authorization": f"Bearer {self._key}"}
        with httpx.stream("GET", self._url, params=params, headers=headers,
                          timeout=httpx.Timeout(10, read=30)) as response:
            self._response = response
            response.raise_for_status()
            for line in response.iter_lines():
                if self._stop.is_set():
                    return
                if not line.startswith("data: "):
                    continue
                message = json.loads(line[len("data: "):])
                if message.get("type") != "history":
                    continue
                if message["rows"] is None:
                    self.ranges.append((message["run_id"], message["first_step"],
                                        message["last_step"]))
                    continue
                for row in message["rows"]:
                    self.rows.setdefault(message["run_id"], {})[row["_step"]] = row

    def steps_of(self, run_id: str) -> set[int]:
        steps = set(self.rows.get(run_id, {}))
        for rid, first, last in self.ranges:
            if rid == run_id:
                steps.update(range(first, last + 1))
        return steps

    def wait_for(self, run_ids: list[str], steps: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(self.steps_of(r) >= set(range(steps)) for r in run_ids):
                return
            time.sleep(0.1)

    def stop(self) -> None:
        """Hang up (a server waits for open streams when it is asked to stop)."""
        self._stop.set()
        if self._response is not None:
            try:
                self._response.close()
            except Exception:
                pass
        self._thread.join(timeout=10)


def _api(server: ServerProcess, api_key: str, path: str, **params: Any) -> Any:
    response = httpx.get(f"{server.url}/api/v1{path}", params=params,
                         headers={"Authorization": f"Bearer {api_key}"}, timeout=30)
    assert response.status_code == 200, (path, response.status_code, response.text)
    if response.headers["content-type"].startswith("application/msgpack"):
        return msgspec.msgpack.decode(response.content)
    return response.json()


@pytest.fixture
def replicas(postgres_url: str, tmp_path: Path) -> Any:
    """Two servers started at the same moment on one empty database (the migration lock and
    the first admin key are raced for), sharing one media folder."""
    with heron_servers(postgres_url, tmp_path / "media", count=2, together=True) as servers:
        yield servers


def test_two_replicas_on_one_database_serve_the_same_runs_history_and_live_feed(
    replicas: list[ServerProcess], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = [s.admin_key for s in replicas if s.admin_key]
    assert keys, [s.stderr for s in replicas]  # the first start printed an admin key
    key = keys[0]
    for server in replicas:
        assert httpx.get(f"{server.url}/api/v1/projects", timeout=10,
                         headers={"Authorization": f"Bearer {key}"}).status_code == 200
    feed = LiveFeed(replicas[1], key)
    script = tmp_path / "client.py"
    script.write_text(CLIENT)

    clients = []
    for i, run_id in enumerate(RUNS):
        env = {**os.environ, "HERON_HOST": replicas[i % 2].url, "HERON_API_KEY": key,
               "HERON_DIR": str(tmp_path / f"client-{run_id}")}
        clients.append(subprocess.Popen([sys.executable, str(script), PROJECT, run_id,
                                         str(STEPS)], env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True))
    for proc in clients:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, out + err

    # The live feed of replica 2 carries the rows ingested through replica 1.
    through_first = [r for i, r in enumerate(RUNS) if i % 2 == 0]
    feed.wait_for(through_first, STEPS)
    feed.stop()
    for run_id in through_first:
        assert feed.steps_of(run_id) == set(range(STEPS)), run_id
        for s, got in feed.rows.get(run_id, {}).items():
            wanted = clean(expected_row(run_id, s))  # JSON: NaN arrives as "NaN"
            assert {k: got[k] for k in wanted} == wanted

    # Both replicas list the same runs, with the same config, summary and state.
    listed = [_api(s, key, f"/projects/{PROJECT}/runs", full="true") for s in replicas]
    assert sorted(r["id"] for r in listed[0]) == list(RUNS)
    assert same(listed[0], listed[1])
    for run in listed[0]:
        assert run["state"] == "finished"
        assert run["config"]["run"] == run["id"]
        assert run["summary"]["best"] == 0.5
        assert run["history_rows"] == STEPS

    # The same history, exactly (msgpack keeps ints, bools, NaN), through each replica.
    for run_id in RUNS:
        for key_name in ("loss", "count", "even", "label", "odd", "nested.x"):
            got = [_api(s, key, f"/projects/{PROJECT}/runs/{run_id}/series_raw", key=key_name)
                   for s in replicas]
            assert same(got[0], got[1]), (run_id, key_name)
            assert got[0]["steps"] == list(range(STEPS))
            assert same(got[0]["values"], [expected_row(run_id, s)[key_name]
                                           for s in range(STEPS)])

    # heron.Api() reading through each replica sees the same.
    seen = []
    for server in replicas:
        monkeypatch.setenv("HERON_HOST", server.url)
        monkeypatch.setenv("HERON_API_KEY", key)
        api = heron.Api()
        runs = {run.id: run for run in api.runs(PROJECT)}
        assert sorted(runs) == list(RUNS)
        view = {}
        for run_id, run in runs.items():
            rows = list(run.scan_history(keys=["loss", "count", "label"]))
            assert [r["count"] for r in rows] == [s * 3 for s in range(STEPS)]
            assert [r["label"] for r in rows] == [f"{run_id}-{s}" for s in range(STEPS)]
            view[run_id] = (run.name, dict(run.config), dict(run.summary), rows, run.state)
        seen.append(view)
    assert same(
        {k: [v[0], v[1], v[2], v[3], v[4]] for k, v in seen[0].items()},
        {k: [v[0], v[1], v[2], v[3], v[4]] for k, v in seen[1].items()},
    )
    assert seen[0]["r1"][2]["inf"] == math.inf
