"""W&B's environment variables: a script written for W&B keeps its settings under Heron.

Each ``WANDB_*`` variable is read only when its ``HERON_*`` twin is unset, an explicit argument
beats both, and ``WANDB_BASE_URL``/``WANDB_API_KEY`` are used only for a Heron server.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import heron
from heron.errors import UsageError
from heron.sdk.settings import ENVIRONMENT, resolve
from tests.sdk.helpers import run_script
from tests.support.server import create_key, heron_servers

W_AND_B_NAMES = [*(var.wandb for var in ENVIRONMENT if var.wandb), "WANDB_BASE_URL",
                 "WANDB_API_KEY"]


@pytest.fixture(autouse=True)
def no_wandb_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every test from an environment without W&B's (or Heron's) run variables."""
    for name in W_AND_B_NAMES:
        monkeypatch.delenv(name, raising=False)
    for var in ENVIRONMENT:
        if var.heron and var.field in ("run_name", "run_notes", "run_tags", "run_group",
                                       "run_job_type", "run_id", "resume", "entity"):
            monkeypatch.delenv(var.heron, raising=False)


def test_a_wandb_script_s_variables_name_and_describe_the_stored_run(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in {"WANDB_PROJECT": "from-wandb", "WANDB_NAME": "nightly",
                        "WANDB_NOTES": "a note", "WANDB_TAGS": "baseline, gpu ,,fast",
                        "WANDB_RUN_GROUP": "ablation", "WANDB_JOB_TYPE": "train",
                        "WANDB_RUN_ID": "envrun1", "WANDB_DIR": str(tmp_path / "scratch")
                        }.items():
        monkeypatch.setenv(name, value)
    run = heron.init()
    run.log({"loss": 0.5})
    heron.finish()
    stored = heron.Api().run("from-wandb/envrun1")
    assert (stored.name, stored.notes, stored.tags, stored.group, stored.job_type) == (
        "nightly", "a note", ["baseline", "gpu", "fast"], "ablation", "train")
    # WANDB_DIR moves the run's folder, never the store (it stays in HERON_DIR).
    assert Path(run.dir).is_relative_to(tmp_path / "scratch")
    assert stored.summary["loss"] == 0.5


def test_init_arguments_beat_heron_variables_which_beat_wandb_ones(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_PROJECT", "w")
    monkeypatch.setenv("WANDB_TAGS", "w1,w2")
    monkeypatch.setenv("WANDB_RUN_GROUP", "wg")
    assert resolve(None).project == "w"
    monkeypatch.setenv("HERON_PROJECT", "h")
    monkeypatch.setenv("HERON_TAGS", "h1")
    settings = resolve(None)
    assert (settings.project, settings.run_tags, settings.run_group) == ("h", ["h1"], "wg")
    settings = resolve(heron.Settings(project="s"), run_group="arg", run_tags=[])
    assert (settings.project, settings.run_tags, settings.run_group) == ("s", [], "arg")
    assert resolve(None, project="arg").project == "arg"
    monkeypatch.setenv("WANDB_ENTITY", "team")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("HERON_SILENT", "false")
    settings = resolve(None)
    assert (settings.entity, settings.silent) == ("team", False)


@pytest.mark.parametrize(("value", "mode"), [
    ("online", "online"), ("offline", "offline"), ("disabled", "disabled"),
    ("dryrun", "offline"), ("run", "online"), ("OFFLINE", "offline"),
])
def test_wandb_mode_takes_w_and_b_s_values_and_aliases(
        monkeypatch: pytest.MonkeyPatch, value: str, mode: str) -> None:
    monkeypatch.setenv("WANDB_MODE", value)
    assert resolve(None).mode == mode


def test_a_wandb_value_heron_cannot_use_is_ignored_with_a_warning_but_a_heron_one_is_an_error(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("WANDB_MODE", "shared")
    monkeypatch.delenv("HERON_CONSOLE")
    monkeypatch.setenv("WANDB_CONSOLE", "wrap_emu")  # a W&B capture method: Heron's tee
    settings = resolve(None)
    assert (settings.mode, settings.console) == ("online", "wrap")
    assert "WANDB_MODE='shared' is not one of" in capsys.readouterr().err
    monkeypatch.setenv("HERON_MODE", "sometimes")
    with pytest.raises(UsageError, match="HERON_MODE='sometimes'"):
        resolve(None)


def test_wandb_resume_continues_the_run_named_by_wandb_run_id(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_RUN_ID", "resumed1")
    monkeypatch.setenv("WANDB_RESUME", "must")
    with pytest.raises(UsageError, match="resume='must'"):
        heron.init(project="p")
    monkeypatch.setenv("WANDB_RESUME", "allow")
    heron.init(project="p").log({"a": 1})
    heron.finish()
    second = heron.init(project="p")
    assert second.resumed and second.step == 1
    heron.finish()


def test_each_wandb_variable_used_is_announced_once(tmp_path: Path) -> None:
    done = run_script("""
        import heron
        for _ in range(2):
            heron.init(project=None, settings=heron.Settings(system_sample_seconds=0)).finish()
        print("ok")
    """, tmp_path, env={"HERON_SILENT": "", "WANDB_PROJECT": "announced",
                        "WANDB_JOB_TYPE": "eval", "HERON_ENTITY": "", "WANDB_ENTITY": ""})
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("using W&B's WANDB_PROJECT='announced' (HERON_PROJECT takes "
                             "precedence)") == 1
    assert done.stderr.count("WANDB_JOB_TYPE='eval'") == 1
    assert "project announced" in done.stderr


class _Recorder(http.server.BaseHTTPRequestHandler):
    """A web server that is not Heron: answers 404 and remembers what it was sent."""

    seen: list[str] = []

    def do_GET(self) -> None:
        self.seen.append(f"{self.path} {self.headers.get('Authorization')}")
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def other_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.seen = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


KEY = "local-" + "k" * 40


def test_a_wandb_base_url_that_is_not_heron_gets_no_key_and_runs_stay_local(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        other_server: str) -> None:
    monkeypatch.setenv("WANDB_BASE_URL", other_server)
    monkeypatch.setenv("WANDB_API_KEY", KEY)
    settings = resolve(None)
    assert (settings.host, settings.api_key) == (None, None)
    assert settings.store_url().startswith("sqlite:///")
    assert _Recorder.seen == ["/api/v1/health None"]  # asked once, without the key
    assert f"WANDB_BASE_URL={other_server} is not a Heron server" in capsys.readouterr().err


@pytest.mark.parametrize("url", ["https://api.wandb.ai", "https://acme.wandb.io/",
                                 "http://API.WANDB.AI:443"])
def test_a_wandb_cloud_url_is_refused_and_its_key_never_used(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str) -> None:
    monkeypatch.setenv("WANDB_BASE_URL", url)
    monkeypatch.setenv("WANDB_API_KEY", KEY)
    settings = resolve(None)
    assert (settings.host, settings.api_key) == (None, None)
    err = capsys.readouterr().err
    assert "is W&B's cloud, not a Heron server" in err and KEY not in err


def test_a_wandb_base_url_that_is_a_heron_server_receives_the_run(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'server.db'}"
    key = create_key(db, tmp_path / "media")
    with heron_servers(db, tmp_path / "media") as (server,):
        monkeypatch.setenv("WANDB_BASE_URL", server.url + "/")
        monkeypatch.setenv("WANDB_API_KEY", key)
        run = heron.init(project="via-wandb-env", id="srv1")
        assert run.url == f"{server.url}/#/p/via-wandb-env/r/srv1"
        run.log({"x": 1})
        heron.finish()
        monkeypatch.delenv("WANDB_BASE_URL")
        monkeypatch.setenv("HERON_HOST", server.url)
        monkeypatch.setenv("HERON_API_KEY", key)
        assert heron.Api().run("via-wandb-env/srv1").summary["x"] == 1
    # Nothing went to the local store.
    monkeypatch.delenv("HERON_HOST")
    with pytest.raises(Exception, match="srv1"):
        heron.Api().run("via-wandb-env/srv1")


def test_offline_runs_never_check_a_wandb_base_url(
        monkeypatch: pytest.MonkeyPatch, other_server: str) -> None:
    monkeypatch.setenv("WANDB_BASE_URL", other_server)
    monkeypatch.setenv("WANDB_MODE", "offline")
    assert resolve(None).host is None
    assert _Recorder.seen == []
