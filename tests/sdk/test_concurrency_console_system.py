"""Several processes into one store; console capture; system metrics."""

from __future__ import annotations

import time
from pathlib import Path

import heron

from .helpers import run_script, start_script

WORKER = """
import heron, sys
wid = int(sys.argv[1]) if len(sys.argv) > 1 else int(open('wid').read())
"""


def test_four_processes_logging_into_one_store_lose_nothing(tmp_path: Path) -> None:
    code = """
import heron, sys, os
wid = os.environ["WID"]
heron.init(project="many", id=f"worker{wid}", settings=heron.Settings(flush_interval=0.05))
for i in range(3000):
    heron.log({"x": i, "w": int(wid)})
heron.finish()
"""
    procs = [start_script(code, tmp_path, env={"WID": str(w)}, name=f"w{w}.py")
             for w in range(4)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    api = heron.Api()
    for w in range(4):
        run = api.run(f"many/worker{w}")
        assert run.state == "finished"
        frame = run.history(keys=["x", "w"], samples=10_000)
        assert frame["x"].tolist() == list(range(3000))
        assert set(frame["w"]) == {w}
        assert frame["_step"].tolist() == list(range(3000))


def test_console_output_is_teed_and_stored(tmp_path: Path) -> None:
    code = """
import heron, sys
heron.init(project="console", id="console1")
print("hello from training")
sys.stderr.write("a warning line\\n")
for pct in (10, 50, 100):
    sys.stdout.write(f"\\rprogress {pct}%")
print()
print("no newline at end", end="")
"""
    done = run_script(code, tmp_path, env={"HERON_CONSOLE": "wrap"})
    assert done.returncode == 0, done.stderr
    assert "hello from training" in done.stdout  # the user still sees it
    lines = heron.Api().run("console/console1").console()
    assert lines == ["hello from training", "a warning line", "progress 100%",
                     "no newline at end"]


def test_system_metrics_are_sampled_on_their_own_axis(tmp_path: Path) -> None:
    code = """
import heron, time
heron.init(project="sys", id="system01")
for i in range(3):
    heron.log({"loss": i})
time.sleep(1.3)
"""
    done = run_script(code, tmp_path, env={"HERON_SYSTEM_SAMPLE_SECONDS": "0.2"})
    assert done.returncode == 0, done.stderr
    run = heron.Api().run("sys/system01")
    samples = run.history(stream="system", pandas=False, samples=1000)
    assert len(samples) >= 3
    first = samples[0]
    assert 0 <= first["system/cpu"] <= 100 and first["system/proc.memory.rssMB"] > 1
    assert "system/memory" in first and "_timestamp" in first
    assert run.lastHistoryStep == 2  # sampling never advanced the user's _step
    assert all(not k.startswith("system/") for k in run.summary)


def test_killed_writer_target_does_not_crash_training(tmp_path: Path) -> None:
    """A store that cannot be written (read-only folder) warns, spools, and training goes on."""
    store = tmp_path / "ro-store"
    store.mkdir()
    (store / "heron.db").write_text("this is not a database")
    code = """
import heron
heron.init(project="broken")
for i in range(100):
    heron.log({"i": i})
heron.finish()
print("training finished")
"""
    started = time.time()
    done = run_script(code, tmp_path, env={"HERON_DIR": str(store), "HERON_SILENT": "0",
                                           "HERON_FINISH_TIMEOUT": "2"},
                      timeout=180)
    assert done.returncode == 0, done.stderr
    assert "training finished" in done.stdout
    assert "retrying" in done.stderr and "heron sync" in done.stderr
    spooled = list(store.glob("runs/*/spool-*.heronlog"))  # in the run's own folder
    assert spooled, list(store.rglob("*"))
    assert time.time() - started < 170


def test_spool_disk_use_is_bounded_while_the_server_is_unreachable(tmp_path: Path) -> None:
    """A long outage: batches spool to the run folder up to spool_max_mb, then the oldest are
    dropped loudly; log() never blocks and the script ends normally."""
    code = """
import heron, time
heron.init(project="outage", settings=heron.Settings(flush_interval=0.01))
for i in range(400):
    heron.log({"i": i, "payload": "x" * 2000})
    time.sleep(0.002)
heron.finish()
print("training finished")
"""
    done = run_script(code, tmp_path, env={
        "HERON_HOST": "http://127.0.0.1:9", "HERON_API_KEY": "k" * 40, "HERON_SILENT": "0",
        "HERON_SPOOL_MAX_MB": "0.05", "HERON_FINISH_TIMEOUT": "1"}, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "training finished" in done.stdout
    assert "retrying" in done.stderr
    spool = sum(p.stat().st_size for p in (tmp_path / "heron-store" / "runs").rglob("spool-*"))
    assert spool <= 0.05 * 2**20  # never past the limit
    assert "the spool is full" in done.stderr and "dropped" in done.stderr
