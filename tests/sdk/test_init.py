"""heron.init(): defaults, arguments, modes, resume and reinit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import heron

from .helpers import run_script


def stored(project: str, run_id: str) -> heron.api.Run:
    return heron.Api().run(f"{project}/{run_id}")


def test_defaults_project_name_and_id(monkeypatch: pytest.MonkeyPatch) -> None:
    run = heron.init()
    assert run.project == "uncategorized"
    assert re.fullmatch(r"[a-z0-9]{8}", run.id)
    assert re.fullmatch(r"[a-z]+-[a-z]+-\d+", run.name)
    heron.finish()
    monkeypatch.setenv("HERON_PROJECT", "from-env")
    assert heron.init().project == "from-env"


def test_arguments_are_stored_with_metadata() -> None:
    run = heron.init(project="p", name="exp1", tags=["a", "b"], notes="first try", group="g1",
                     job_type="train", entity="team")
    assert run.path == f"team/p/{run.id}"
    heron.finish()
    info = heron.Api().run(f"team/p/{run.id}")
    assert (info.name, info.tags, info.notes, info.group, info.job_type) == (
        "exp1", ["a", "b"], "first try", "g1", "train")
    meta = info.metadata
    assert meta["pid"] > 0 and meta["python"] and meta["host"] and meta["cwd"]
    assert "program" in meta and isinstance(meta["args"], list)


def test_git_state_is_recorded(tmp_path: Path) -> None:
    import subprocess

    repo = tmp_path / "repo"
    repo.mkdir()
    for cmd in (["git", "init", "-q"], ["git", "config", "user.email", "t@t"],
                ["git", "config", "user.name", "t"],
                ["git", "remote", "add", "origin", "https://example.invalid/r.git"]):
        subprocess.run(cmd, cwd=repo, check=True)
    (repo / "f.txt").write_text("x")
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-qm", "c"], cwd=repo, check=True)
    (repo / "f.txt").write_text("changed")
    done = run_script(
        "import heron, os\nos.chdir('repo')\nr = heron.init(project='git', id='gitrun01')\n"
        "heron.finish()\n", tmp_path)
    assert done.returncode == 0, done.stderr
    git = stored("git", "gitrun01").metadata["git"]
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True,
                          text=True).stdout.strip()
    assert git["commit"] == head and git["dirty"] is True
    assert git["remote"] == "https://example.invalid/r.git"


def test_disabled_mode_accepts_everything_and_writes_nothing(heron_dir: Path) -> None:
    run = heron.init(project="off", mode="disabled", config={"lr": 1})
    heron.log({"a": 1}, step=3, commit=True)
    heron.define_metric("a", summary="min")
    heron.config.update({"b": 2})
    assert heron.config.lr == 1 and run.disabled
    heron.finish()
    assert not heron_dir.exists()


def test_unknown_keyword_arguments_warn_once_and_work() -> None:
    with pytest.warns(UserWarning, match="'shiny_new_option'"):
        heron.init(project="kw", shiny_new_option=True)
    heron.finish()
    heron.init(project="kw", save_code=True, sync_tensorboard=False)  # W&B's: silently fine


@pytest.mark.parametrize(("kwargs", "named"), [
    ({"mode": "sometimes"}, "sometimes"), ({"resume": "maybe"}, "maybe"),
    ({"id": "bad/id"}, "bad/id"), ({"tags": "notalist"}, "notalist"),
    ({"reinit": "sometimes"}, "sometimes"),
])
def test_bad_arguments_are_refused_by_value(kwargs: dict[str, str], named: str) -> None:
    with pytest.raises(heron.Error, match=re.escape(named)):
        heron.init(project="bad", **kwargs)  # type: ignore[arg-type]


def test_resume_continues_steps_config_and_summary() -> None:
    first = heron.init(project="res", id="resume01", config={"lr": 0.1})
    for i in range(3):
        heron.log({"loss": 3 - i})
    heron.finish()
    run = heron.init(project="res", id="resume01", resume="must")
    assert run.resumed and run.step == 3 and heron.config.lr == 0.1
    assert heron.summary["loss"] == 1
    heron.log({"loss": 0.5})
    heron.finish()
    rows = list(stored("res", first.id).scan_history(keys=["_step", "loss"]))
    assert rows == [{"_step": 0, "loss": 3}, {"_step": 1, "loss": 2}, {"_step": 2, "loss": 1},
                    {"_step": 3, "loss": 0.5}]


def test_resume_must_and_never_refuse_clearly() -> None:
    with pytest.raises(heron.UsageError, match="nothere"):
        heron.init(project="res", id="nothere", resume="must")
    heron.init(project="res", id="exists01")
    heron.finish()
    with pytest.raises(heron.UsageError, match="exists01"):
        heron.init(project="res", id="exists01", resume="never")


def test_resume_true_picks_up_a_crashed_script_run(tmp_path: Path) -> None:
    crash = "import heron, os\nr = heron.init(project='auto', resume=True)\n" \
            "heron.log({'x': 1})\nprint(r.id)\nheron.run._writer.flush()\nos._exit(9)\n"
    first = run_script(crash, tmp_path)
    again = run_script("import heron\nr = heron.init(project='auto', resume=True)\n"
                       "print(r.id, r.step)\nheron.finish()\n", tmp_path)
    run_id = first.stdout.split()[0]
    assert again.stdout.split() == [run_id, "1"]


def test_reinit_returns_or_finishes_the_previous_run() -> None:
    first = heron.init(project="re")
    with pytest.warns(UserWarning, match="returning that run"):
        assert heron.init(project="re") is first
    second = heron.init(project="re", reinit=True)
    assert second is not first and first.finished
    third = heron.init(project="re", reinit="create_new")
    assert not second.finished and heron.run is third
    third.finish()
    assert heron.run is second


def test_run_name_tags_and_notes_can_change_while_running() -> None:
    run = heron.init(project="edit", name="before")
    run.name = "after"
    run.tags = ("x",)
    run.notes = "n"
    heron.finish()
    info = stored("edit", run.id)
    assert (info.name, info.tags, info.notes) == ("after", ["x"], "n")


def test_save_attaches_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ckpt").mkdir()
    (tmp_path / "ckpt" / "model.pt").write_bytes(b"weights")
    run = heron.init(project="files")
    saved = heron.save("ckpt/*.pt")
    assert len(saved) == 1 and Path(saved[0]).read_bytes() == b"weights"
    heron.finish()
    # Beside the files W&B writes for every run (config.yaml, wandb-summary.json...).
    files = [f for f in stored("files", run.id).files() if f.name.endswith(".pt")]
    assert [f.name for f in files] == ["model.pt"] and files[0].size == 7
    target = files[0].download(str(tmp_path / "out"))
    assert target.read_bytes() == b"weights"


def test_alert_is_recorded_and_rate_limited(capsys: pytest.CaptureFixture[str]) -> None:
    heron.init(project="alerts")
    heron.alert("loss diverged", "loss is NaN", level="ERROR")
    heron.alert("loss diverged", "again", level="ERROR")
    heron.finish()
    assert capsys.readouterr().err.count("loss diverged") == 1
    with pytest.raises(heron.Error, match="'LOUD'"):
        heron.init(project="alerts").alert("t", "x", level="LOUD")


def test_login_stores_host_and_validates_keys(tmp_path: Path) -> None:
    assert heron.login() is True
    with pytest.raises(ValueError, match="malformed"):
        heron.login(key="short")
    key = "local-" + "a" * 40
    assert heron.login(key=key, host="http://127.0.0.1:9/")
    from heron.sdk.credentials import credentials_path, read_credentials

    assert read_credentials() == {"host": "http://127.0.0.1:9", "api_key": key}
    assert credentials_path().stat().st_mode & 0o777 == 0o600
