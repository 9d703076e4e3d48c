"""Offline runs: written to the run folder with no network, delivered later by heron sync."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import heron

from .helpers import run_script

OFFLINE = """
import socket
attempts = []
real_connect = socket.socket.connect
def refuse(self, *args):
    attempts.append(args)
    raise OSError("network blocked by the test")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = lambda *a, **k: refuse(None, a)

import heron, numpy as np
run = heron.init(project="off", id="offline1", mode="offline", config={"lr": 0.3})
for i in range(50):
    heron.log({"i": i, "loss": 1 / (i + 1)})
heron.log({"pic": heron.Image(np.full((3, 3, 3), 7, dtype=np.uint8))})
heron.finish()
print("attempts", len(attempts))
print(run.dir)
"""


def sync(tmp_path: Path, *args: str) -> str:
    done = run_script("import sys\nfrom heron.cli import main\n"
                      f"sys.argv = ['heron', 'sync', *{list(args)!r}]\nmain()\n", tmp_path)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_offline_run_opens_no_socket_and_syncs_once(tmp_path: Path, heron_dir: Path) -> None:
    done = run_script(OFFLINE, tmp_path, env={"HERON_SYSTEM_SAMPLE_SECONDS": "0.1"})
    assert done.returncode == 0, done.stderr
    assert "attempts 0" in done.stdout
    assert not (heron_dir / "heron.db").exists()  # nothing went to the store yet
    folder = Path(done.stdout.split()[-1]).parent
    assert (folder / "run.heronlog").is_file()

    assert "synced 1 run folder" in sync(tmp_path)
    run = heron.Api().run("off/offline1")
    assert run.state == "finished" and run.config == {"lr": 0.3}
    frame = run.history(keys=["i"], samples=1000)
    assert frame["i"].tolist() == list(range(50))
    picture = next(iter(run.scan_history(keys=["pic"])))["pic"]
    assert (heron_dir / picture["path"]).is_file()

    assert "nothing to sync" in sync(tmp_path)  # already synced
    assert "synced 1" in sync(tmp_path, "--include-synced")
    again = heron.Api().run("off/offline1").history(keys=["i"], samples=1000)
    assert again["i"].tolist() == list(range(50))  # a second sync stored nothing twice

    sync(tmp_path, "--include-synced", "--clean")
    assert not folder.exists()


def test_sync_of_a_named_folder(tmp_path: Path) -> None:
    done = run_script(OFFLINE, tmp_path)
    folder = Path(done.stdout.split()[-1]).parent
    assert "synced 1" in sync(tmp_path, str(folder))
    assert heron.Api().run("off/offline1").summary["i"] == 49


def test_torn_run_log_syncs_what_was_complete(tmp_path: Path) -> None:
    done = run_script(OFFLINE, tmp_path)
    folder = Path(done.stdout.split()[-1]).parent
    log = folder / "run.heronlog"
    log.write_bytes(log.read_bytes() + b"\x40\x00\x00\x00partial")  # a killed writer's tail
    sync(tmp_path, str(folder))
    assert heron.Api().run("off/offline1").state == "finished"
    assert np.isclose(heron.Api().run("off/offline1").summary["loss"], 1 / 50)
