"""Runs logged to a real server process, read back through it."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

import heron
from tests.sdk.helpers import run_script, start_script

from .conftest import Server

LOGGER = """
import heron, sys, time
n = int(sys.argv[1]) if len(sys.argv) > 1 else {n}
run = heron.init(project="remote", id="{run_id}", config={{"lr": 0.5}},
                 settings=heron.Settings(flush_interval=0.05))
print("started", flush=True)
for i in range(n):
    heron.log({{"i": i, "loss": 1.0 / (i + 1)}})
    time.sleep({pause})
heron.finish()
print("done", flush=True)
"""


def test_a_run_logged_to_the_server_reads_back_exactly(remote_env: Server) -> None:
    run = heron.init(project="remote", config={"lr": 0.1, "nested": {"a": 1}})
    heron.define_metric("loss", summary="min")
    for i in range(500):
        heron.log({"loss": 1.0 / (i + 1), "i": i, "note": "x" if i % 2 else None,
                   "nan": float("nan")})
    heron.log({"picture": heron.Image(np.full((4, 5, 3), 200, dtype=np.uint8), caption="c")})
    heron.finish()
    stored = heron.Api().run(f"remote/{run.id}")
    assert stored.state == "finished" and stored.user == "admin"
    assert stored.config == {"lr": 0.1, "nested": {"a": 1}}
    assert stored.summary["loss"] == {"min": 0.002}
    rows = list(stored.scan_history(keys=["i", "loss"]))
    assert [r["i"] for r in rows] == list(range(500))
    assert type(rows[3]["i"]) is int
    assert np.isnan(next(iter(stored.scan_history(keys=["nan"])))["nan"])
    picture = next(iter(stored.scan_history(keys=["picture"])))["picture"]
    assert picture["_type"] == "image-file" and picture["caption"] == "c"
    with remote_env.client() as client:
        image = client.get("/" + picture["path"])
    assert image.status_code == 200 and image.content[:4] == b"\x89PNG"


def test_server_killed_and_restarted_mid_run_loses_and_duplicates_nothing(
        server: Server, tmp_path: Path) -> None:
    proc = start_script(LOGGER.format(n=300, run_id="restart1", pause=0.01), tmp_path,
                        env=server.env())
    assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
    time.sleep(0.8)
    server.kill()
    time.sleep(1.5)
    server.start()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    with server.client() as client:
        frame = client.get("/projects/remote/runs/restart1/series",
                           params={"key": "i", "points": 100_000}).json()
    assert frame["buckets"]["x"] == [float(i) for i in range(300)]
    assert frame["buckets"]["last"] == list(range(300))
    assert frame["total"] == 300


def test_client_started_while_the_server_is_down_catches_up(server_factory, tmp_path: Path
                                                            ) -> None:  # type: ignore[no-untyped-def]
    server = server_factory()
    server.start()
    key = server.key
    server.kill()
    down_env = {"HERON_HOST": server.url, "HERON_API_KEY": key}
    proc = start_script(LOGGER.format(n=100, run_id="late0001", pause=0.02), tmp_path,
                        env=down_env)
    time.sleep(2.0)
    server.key = key
    server.start()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    with server.client() as client:
        run = client.get("/projects/remote/runs/late0001").json()
        series = client.get("/projects/remote/runs/late0001/series",
                            params={"key": "i", "points": 1000}).json()
    assert run["state"] == "finished" and run["config"] == {"lr": 0.5}
    assert series["buckets"]["last"] == list(range(100))


def test_a_dead_server_at_finish_leaves_a_spool_that_sync_delivers(
        server_factory, tmp_path: Path, heron_dir: Path) -> None:  # type: ignore[no-untyped-def]
    server = server_factory().start()
    key = server.key
    server.kill()
    done = run_script(LOGGER.format(n=20, run_id="spooled1", pause=0), tmp_path,
                      env={"HERON_HOST": server.url, "HERON_API_KEY": key or "",
                           "HERON_SILENT": "0", "HERON_FINISH_TIMEOUT": "1"}, timeout=120)
    assert done.returncode == 0 and "done" in done.stdout, done.stderr
    assert "heron sync" in done.stderr
    server.key = key
    server.start()
    from tests.sdk.helpers import run_script as run_cli

    synced = run_cli("from heron.cli import main\nimport sys\nsys.argv=['heron','sync']\n"
                     "main()\n", tmp_path, env={"HERON_HOST": server.url,
                                                "HERON_API_KEY": key or ""})
    assert synced.returncode == 0, synced.stderr
    with server.client() as client:
        series = client.get("/projects/remote/runs/spooled1/series",
                            params={"key": "i"}).json()
        run = client.get("/projects/remote/runs/spooled1").json()
    assert series["buckets"]["last"] == list(range(20))
    assert run["state"] == "finished"
