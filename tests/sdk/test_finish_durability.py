"""finish() returns when every logged record is in the store: no spool, no warning, any size."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import run_script

BURST = """
import heron, json, time
rows = [{{f"metric_{{j}}": (i * 31 + j) * 1e-3 for j in range(10)}} for i in range(1000)]
run = heron.init(project="burst", id="{run_id}",
                 settings=heron.Settings(console="off", writer="{writer}"))
for i in range({n}):
    heron.log(rows[i % 1000])
heron.finish()
stored = heron.Api().run("burst/{run_id}")
column = stored.history(keys=["metric_3"], samples=10**9)["metric_3"].tolist()
print(json.dumps({{"last": stored.lastHistoryStep, "column": column[:3] + column[-2:],
                  "rows": len(column), "state": stored.state}}))
"""


@pytest.mark.parametrize("writer", ["process", "thread"])
def test_a_100k_step_burst_is_all_in_the_store_when_finish_returns(
        tmp_path: Path, heron_dir: Path, writer: str) -> None:
    n = 100_000
    done = run_script(BURST.format(run_id=f"burst-{writer}", n=n, writer=writer), tmp_path,
                      env={"HERON_SILENT": "0"}, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    expected = [(i % 1000 * 31 + 3) * 1e-3 for i in (0, 1, 2, n - 2, n - 1)]
    assert result == {"last": n - 1, "column": expected, "rows": n, "state": "finished"}
    for warning in ("spool", "could not", "retrying", "waiting", "heron sync"):
        assert warning not in done.stderr, done.stderr
    assert not list(heron_dir.rglob("spool-*"))


def test_silent_silences_every_informational_line(tmp_path: Path) -> None:
    code = """
import heron
heron.init(project="quiet")
heron.log({"a": 1})
heron.finish()
print("end")
"""
    loud = run_script(code, tmp_path, env={"HERON_SILENT": "0"})
    quiet = run_script(code, tmp_path, env={"HERON_SILENT": "true"})
    assert loud.returncode == 0 and quiet.returncode == 0, quiet.stderr
    assert "heron:" in loud.stderr
    assert quiet.stderr == "" and quiet.stdout.strip() == "end"


def test_a_writer_process_that_dies_mid_run_loses_nothing(tmp_path: Path) -> None:
    """The training process keeps every batch until the writer process confirms it; if the
    writer process is killed, the training process writes the rest itself."""
    code = """
import os, signal, time
import heron
from heron.sdk import writer_process
run = heron.init(project="burst", id="orphaned", settings=heron.Settings(flush_interval=0.05))
for i in range(200):
    heron.log({"i": i})
    if i == 100:
        time.sleep(1.0)  # the first half is in the writer process's hands
        os.kill(writer_process._Service.get().proc.pid, signal.SIGKILL)
    time.sleep(0.002)
heron.finish()
stored = heron.Api().run("burst/orphaned")
print([row["i"] for row in stored.scan_history(keys=["i"])] == list(range(200)), stored.state)
"""
    done = run_script(code, tmp_path, env={"HERON_SILENT": "0"}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "finished"], done.stderr
    assert "writing from this process instead" in done.stderr
