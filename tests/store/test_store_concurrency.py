"""Two processes writing different runs into one SQLite file at the same time lose nothing."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from heron.store import open_store

WRITER = textwrap.dedent("""
    import os, sys, time
    from heron import records as r
    from heron.store import open_store

    folder, run_id, count, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    deadline = time.time() + 30
    while not os.path.exists(go) and time.time() < deadline:
        time.sleep(0.005)  # start together with the other writer
    store = open_store(folder)  # both may find the file new: one migrates, the other waits
    store.write(r.Batch(project="shared", run_id=run_id, seq=1,
                        records=[r.RunStart(name=run_id)]))
    for i in range(count):
        store.write(r.Batch(project="shared", run_id=run_id, seq=i + 2, records=[
            r.HistoryRow(i, {"_step": i, "value": i * 2, "who": run_id}),
            r.ConsoleLine("stdout", float(i), f"{run_id} line {i}"),
        ]))
    store.write(r.Batch(project="shared", run_id=run_id, seq=count + 2, records=[
        r.RunEnd(state="finished", exit_code=0, ended_at=time.time())]))
    store.close()
""")


def test_two_processes_writing_one_new_file_lose_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    go = tmp_path / "go"
    count = 150
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(folder), run_id, str(count), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for run_id in ("left", "right")
    ]
    go.touch()
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (_, err) in zip(procs, results):
        assert proc.returncode == 0, err

    store = open_store(folder)
    try:
        for run_id in ("left", "right"):
            info = store.get_run("shared", run_id)
            assert info is not None and info.state == "finished"
            assert info.history_rows == count
            value = store.read_series(info.pk, "value")
            who = store.read_series(info.pk, "who")
            assert value.steps.tolist() == list(range(count))
            assert value.values.tolist() == [i * 2 for i in range(count)]
            assert who.values.tolist() == [run_id] * count
            assert [ln.text for ln in store.console(info.pk)] == [
                f"{run_id} line {i}" for i in range(count)
            ]
        assert [p.run_count for p in store.list_projects()] == [2]
    finally:
        store.close()
