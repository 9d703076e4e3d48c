"""W&B's small everyday calls: termlog and friends, run.url/path, setup/teardown,
mark_preempting, log_code and status, each checked through what a user sees."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import heron
from heron.sdk.run_info import RunStatus
from tests.sdk.helpers import run_script


def test_termlog_termwarn_termerror_take_w_and_b_s_arguments(tmp_path: Path) -> None:
    done = run_script("""
        import heron
        heron.termlog("two\\nlines")
        heron.termlog("once only", repeat=False)
        heron.termlog("once only", repeat=False)
        heron.termlog("bare", prefix=False)
        heron.termlog("open ", newline=False)
        heron.termlog("closed", prefix=False)
        heron.termwarn("careful")
        heron.termerror("broken")
    """, tmp_path, env={"HERON_SILENT": ""})
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        "heron: two", "heron: lines", "heron: once only", "bare", "heron: open closed",
        "heron: careful", "heron: ERROR broken"]
    quiet = run_script("""
        import heron
        heron.termlog("hidden"); heron.termwarn("shown"); heron.termerror("also shown")
    """, tmp_path, env={"HERON_SILENT": "", "WANDB_SILENT": "true"})
    assert quiet.stderr.splitlines() == ["heron: shown", "heron: ERROR also shown"]


def test_run_path_and_url_point_at_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    run = heron.init(project="my proj", entity="team", id="abc.1")
    assert run.path == "team/my proj/abc.1"
    # An embedded run's page is on `heron ui`, at its default address.
    assert run.url == "http://127.0.0.1:8080/#/p/my%20proj/r/abc.1"
    heron.finish()
    assert heron.init(project="p", mode="disabled").url is None
    heron.finish()
    assert heron.init(project="p", mode="offline").url is None
    heron.finish()


def test_mark_preempting_marks_the_stored_run(tmp_path: Path) -> None:
    with pytest.raises(heron.Error, match="init"):
        heron.mark_preempting()
    run = heron.init(project="pre", id="pre1")
    run.log({"loss": 1.0})
    heron.mark_preempting()
    heron.finish()
    stored = heron.Api().run("pre/pre1")
    assert stored.metadata["preempting"] is True
    assert "python" in stored.metadata  # the rest of the metadata is kept


def test_log_code_saves_the_python_files_as_a_code_artifact(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    (project / "pkg").mkdir(parents=True)
    (project / "train.py").write_text("print('train')\n")
    (project / "pkg" / "model.py").write_text("X = 1\n")
    (project / "notes.txt").write_text("not code\n")
    (project / ".venv" / "lib").mkdir(parents=True)
    (project / ".venv" / "lib" / "dep.py").write_text("skipped\n")
    (project / "wandb").mkdir()
    (project / "wandb" / "old.py").write_text("skipped\n")
    monkeypatch.chdir(project)
    run = heron.init(project="code", id="code1")
    logged = run.log_code()
    assert logged is not None
    picked = run.log_code(str(project), name="configs",
                          include_fn=lambda path: path.endswith((".py", ".txt")),
                          exclude_fn=lambda path, root: "pkg" in path)
    assert run.log_code(str(project / "pkg"), include_fn=lambda p, r: False) is None
    heron.finish()
    art = heron.Api().artifact(f"code/{logged.wait().name}")
    assert art.type == "code" and art.name.startswith("source-code-")
    assert sorted(f.path for f in art.files()) == ["pkg/model.py", "train.py"]
    folder = Path(art.download(str(tmp_path / "out")))
    assert (folder / "pkg" / "model.py").read_text() == "X = 1\n"
    other = heron.Api().artifact("code/configs:latest")
    # An exclude_fn of one's own replaces the default one, as in W&B.
    assert sorted(f.path for f in other.files()) == [
        ".venv/lib/dep.py", "notes.txt", "train.py", "wandb/old.py"]
    assert picked is not None and picked.type == "code"


def test_status_says_when_everything_logged_is_in_the_store() -> None:
    run = heron.init(project="st", settings=heron.Settings(flush_interval=3.0))
    run.log({"i": -1})
    time.sleep(1.0)  # the writer's first pass (right after it opens the store) is over
    for i in range(100):
        run.log({"i": i})
    first = run.status()
    assert isinstance(first, RunStatus) and first.destination.startswith("sqlite:///")
    assert not first.synced and first.pending_records > 0
    deadline = time.monotonic() + 20
    while not run.status().synced and time.monotonic() < deadline:
        time.sleep(0.05)
    now = run.status()
    assert now.synced and now.pending_records == 0 and now.sync_items_pending == 0
    heron.finish()
    assert run.status().synced
    assert heron.init(project="st", mode="disabled").status().synced


def test_setup_gives_later_runs_its_settings_and_teardown_finishes_them(tmp_path: Path) -> None:
    done = run_script("""
        import os, heron
        from heron.sdk import writer_process
        holder = heron.setup(heron.Settings(project="from-setup"))
        assert holder.settings.project == "from-setup"
        helper = writer_process._Service._current.proc
        run = heron.init(id="s1")
        run.log({"x": 1})
        heron.teardown()
        assert run.finished and heron.run is None
        assert helper.poll() == 0, helper.poll()
        print("helper-exited", run.project)
        run2 = heron.init(project="after", id="s2")   # starts afresh
        run2.finish()
        print(heron.Api().run("from-setup/s1").state, heron.Api().run("after/s2").state)
    """, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["helper-exited", "from-setup", "finished", "finished"]


def test_teardown_without_a_run_is_harmless() -> None:
    heron.teardown()
    heron.teardown(exit_code=1)
    assert heron.run is None and os.getpid() > 0
