"""A run's config as W&B's public API shows it: ``run.config`` holds the user's keys,
``run.rawconfig`` the stored config whole (the ``_wandb`` entry where custom charts live), and
``update()`` after an edit of ``run.config`` keeps that entry; on the embedded store and
through a server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import heron
from heron.store import open_store

from .conftest import QUIET


@pytest.fixture(params=["embedded", "server"])
def where(request: pytest.FixtureRequest, store_root: Path, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Where runs are logged and read: the embedded store, or a real ``heron server`` on
    127.0.0.1 that this process logs to and reads through. Yields the database URL of the
    store the runs end up in, to check what it holds."""
    if request.param == "embedded":
        yield f"sqlite:///{store_root / 'heron.db'}"
    else:
        yield str(request.getfixturevalue("remote"))


def log_chart_run(config: dict[str, Any]) -> str:
    """A script that logs a custom chart: ``heron.plot`` keeps it in the config's ``_wandb``."""
    table = heron.Table(columns=["epoch", "loss"], data=[[0, 1.0], [1, 0.5]])
    run = heron.init(project="charts", config=config, settings=heron.Settings(**QUIET))
    run.log({"loss_curve": heron.plot.line(table, "epoch", "loss", title="Loss"), "loss": 0.5})
    run.finish()
    return run.id


def stored_config(db: str, tmp_path: Path, run_id: str) -> dict[str, Any]:
    """The config the store itself holds (what the dashboard reads)."""
    store = open_store(db, media_root=tmp_path / "unused-media")
    try:
        info = store.get_run("charts", run_id)
        assert info is not None
        return dict(info.config)
    finally:
        store.close()


def test_config_hides_wandb_entry_that_rawconfig_shows(where: str, tmp_path: Path) -> None:
    run_id = log_chart_run({"lr": 0.1, "opt": {"name": "adam"}})

    run = heron.Api().run(f"charts/{run_id}")

    assert run.config == {"lr": 0.1, "opt": {"name": "adam"}}
    assert set(run.rawconfig) == {"lr", "opt", "_wandb"}
    assert run.rawconfig["lr"] == 0.1 and run.rawconfig["opt"] == {"name": "adam"}
    chart = run.rawconfig["_wandb"]["visualize"]["loss_curve"]
    assert chart["panel_config"]["stringSettings"] == {"title": "Loss"}
    assert run.rawconfig == stored_config(where, tmp_path, run_id)


def test_a_users_own_underscore_key_stays_in_config_as_in_wandb(where: str) -> None:
    # W&B's public API hides only its internal keys (_wandb, wandb_version).
    run_id = log_chart_run({"lr": 0.1, "_private": 3})

    run = heron.Api().run(f"charts/{run_id}")

    assert run.config == {"lr": 0.1, "_private": 3}
    assert "_wandb" in run.rawconfig


def test_update_after_editing_config_keeps_the_charts(where: str, tmp_path: Path) -> None:
    run_id = log_chart_run({"lr": 0.1, "epochs": 3})
    before = stored_config(where, tmp_path, run_id)["_wandb"]
    run = heron.Api().run(f"charts/{run_id}")

    run.config["lr"] = 0.2
    run.config["note"] = "retuned"
    del run.config["epochs"]
    run.update()

    again = heron.Api().run(f"charts/{run_id}")
    assert again.config == {"lr": 0.2, "note": "retuned"}
    assert again.rawconfig["_wandb"] == before
    assert stored_config(where, tmp_path, run_id) == {"_wandb": before, "lr": 0.2,
                                                      "note": "retuned"}
    assert run.rawconfig == again.rawconfig  # the edited object shows what was stored
    # The chart is still listed where the dashboard reads it.
    assert list(again.rawconfig["_wandb"]["visualize"]) == ["loss_curve"]


def test_update_of_a_run_without_charts_adds_no_wandb_entry(where: str, tmp_path: Path
                                                            ) -> None:
    run = heron.init(project="charts", config={"lr": 0.1}, settings=heron.Settings(**QUIET))
    run.finish()
    api_run = heron.Api().run(f"charts/{run.id}")
    assert api_run.config == api_run.rawconfig == {"lr": 0.1}

    api_run.config["lr"] = 0.3
    api_run.update()

    assert stored_config(where, tmp_path, run.id) == {"lr": 0.3}
    assert heron.Api().run(f"charts/{run.id}").rawconfig == {"lr": 0.3}
