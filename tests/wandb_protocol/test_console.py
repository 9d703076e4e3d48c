"""What the official client changes in place through ``file_stream``: a console line redrawn
with ``\\r`` (a progress bar), sent again at its old offset, replaces the stored line (in the
store: ``ConsoleLine.index``); and a job marked preempting (``run.mark_preempting()``) that
then dies reads as W&B's preempted."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from heron import records as r
from heron.store import SqlStore
from heron.store.queries import derive_crashed
from heron.store.validate import BatchRejected
from tests.wandb_protocol.conftest import SCRIPTS, Heron, client_env, fixture, run_script

BAR = "training: 100% |##########|"


def _run_id(stdout: str) -> str:
    found = re.search(r"run-id: (\S+)", stdout)
    assert found, stdout
    return found.group(1)


def test_a_progress_bar_redrawn_in_place_reads_as_its_last_drawing(
        wandb_python: Path, heron_server: Heron, tmp_path: Path) -> None:
    done = run_script(wandb_python, ["bars"], client_env(heron_server, tmp_path),
                      script=SCRIPTS / "progress_bar.py")
    assert done.returncode == 0, done.stderr
    run_id = _run_id(done.stdout)
    run = heron_server.api().run(f"bars/{run_id}")
    # The bar was sent 4 to 6 times at offset 1 with growing text: one line, the last text.
    assert run.console() == ["before the bar", BAR, "after the bar", f"run-id: {run_id}"]
    assert run.state == "finished"


def _live_console(server: Heron, project: str, until: str) -> list[dict[str, Any]]:
    """The console lines of the project's live feed from its start, until a line reads
    ``until`` (or 20 s pass)."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + 20
    with httpx.stream("GET", f"{server.url}/api/v1/live",
                      params={"project": project, "cursor": 0},
                      headers={"Authorization": f"Bearer {server.key}"}, timeout=30) as feed:
        for line in feed.iter_lines():
            if line.startswith("data: "):
                message = json.loads(line[len("data: "):])
                if message["type"] == "console":
                    seen.extend(message["lines"])
            if any(s["text"] == until for s in seen) or time.monotonic() > deadline:
                break
    return seen


def test_redrawn_lines_sent_twice_are_replaced_once_and_reach_the_live_feed(
        heron_server: Heron) -> None:
    session = fixture("run_0.31.0_progress")
    upsert = next(r for r in session if r.get("operationName") == "UpsertBucket")
    answer = httpx.post(heron_server.url + "/graphql", auth=("api", heron_server.key),
                        json={k: upsert[k] for k in ("operationName", "query", "variables")},
                        timeout=30)
    run_id = answer.json()["data"]["upsertBucket"]["bucket"]["name"]
    posts = [r for r in session if r["kind"] == "file_stream"]
    for post in posts:  # every post twice: a retry after a lost answer
        for _ in range(2):
            sent = httpx.post(f"{heron_server.url}/files/{'/'.join(post['path'])}/file_stream",
                              json=post["body"], auth=("api", heron_server.key), timeout=30)
            assert sent.status_code == 200, sent.text

    run = heron_server.api().run(f"capture/{run_id}")
    assert run.console() == ["before the bar", BAR, "after the bar", f"run-id: {run_id}"]

    lines = _live_console(heron_server, "capture", f"run-id: {run_id}")
    bar_id = next(line["id"] for line in lines if line["text"].startswith("training: 10%"))
    redrawn = [line["text"] for line in lines if line["id"] == bar_id]
    sent_texts = [text.split(" ", 1)[1] for post in posts
                  for text in post["body"].get("files", {}).get("output.log", {})
                  .get("content", []) if "training" in text]
    assert redrawn == sent_texts  # each drawing once, in order: the resent ones changed nothing
    assert redrawn[-1] == BAR
    assert [line["text"] for line in lines if line["id"] != bar_id] == [
        "before the bar", "after the bar", f"run-id: {run_id}"]


def test_a_preempting_job_that_dies_reads_preempted_and_resumes(
        wandb_python: Path, heron_server: Heron, tmp_path: Path) -> None:
    env = client_env(heron_server, tmp_path)
    done = run_script(wandb_python, ["jobs"], env, script=SCRIPTS / "preempted.py")
    assert done.returncode == -9, done.stderr  # killed, as the scheduler kills it
    run_id = _run_id(done.stdout)
    run = heron_server.api().run(f"jobs/{run_id}")
    assert run.metadata["preempting"] is True
    assert run.state == "running"  # until its heartbeats are overdue

    store = SqlStore(f"sqlite:///{tmp_path / 'heron.db'}")
    try:
        info = store.get_run("jobs", run_id)
        assert info is not None
        later = info.heartbeat_at + 5 * info.heartbeat_interval
        derive_crashed([info], now=later)
        assert (info.state, info.metadata["preempting"]) == ("crashed", True)
    finally:
        store.close()

    # The job is requeued and resumes its run: running again, no longer preempting.
    again = run_script(wandb_python, ["jobs", run_id, "2"], env,
                       script=SCRIPTS / "resume_run.py")
    assert again.returncode == 0, again.stderr
    run = heron_server.api().run(f"jobs/{run_id}")
    assert run.state == "finished" and "preempting" not in run.metadata
    assert [row["loss"] for row in run.scan_history()] == [0.5, 0, -1]


def test_a_console_line_with_an_index_replaces_that_line_in_the_store(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")

    def write(seq: int, *lines: r.ConsoleLine) -> None:
        records: list[r.Record] = [r.RunStart(name="n")] if seq == 1 else []
        store.write(r.Batch(project="p", run_id="x", seq=seq, records=[*records, *lines]))

    def texts() -> list[str]:
        info = store.get_run("p", "x")
        assert info is not None
        return [line.text for line in store.console(info.pk)]

    try:
        write(1, *(r.ConsoleLine("stdout", 1.0, t) for t in ("a", "bar 1%", "c")))
        write(0, r.ConsoleLine("stdout", 1.0, "bar 50%", index=1))
        write(0, r.ConsoleLine("stdout", 1.0, "bar 50%", index=1))  # resent: no change
        assert texts() == ["a", "bar 50%", "c"]
        # In one batch: appended lines first, so an index may name one of them.
        write(2, r.ConsoleLine("stdout", 2.0, "d 1%"), r.ConsoleLine("stdout", 2.0, "d 9%",
                                                                     index=3))
        write(0, r.ConsoleLine("stderr", 3.0, "past the end", index=10))
        assert texts() == ["a", "bar 50%", "c", "d 9%", "past the end"]
        with pytest.raises(BatchRejected, match="console line index -1"):
            write(0, r.ConsoleLine("stdout", 1.0, "x", index=-1))
        assert texts()[0] == "a"
        # Without an index the record encodes as before the field existed.
        assert b"index" not in r.encode(r.Batch(project="p", run_id="x", seq=0,
                                                records=[r.ConsoleLine("stdout", 1.0, "t")]))
    finally:
        store.close()
