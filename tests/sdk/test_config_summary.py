"""run.config and run.summary as W&B users use them, and what the store keeps."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

import heron
from heron.sdk.config import ConfigError


def stored(run: heron.Run) -> heron.api.Run:
    return heron.Api().run(f"{run.project}/{run.id}")


def test_config_access_update_and_persist() -> None:
    run = heron.init(project="cfg", config={"lr": 0.01, "opt": {"name": "adam"}})
    assert heron.config.lr == 0.01 and heron.config["opt"] == {"name": "adam"}
    heron.config.batch_size = 32
    heron.config["epochs"] = 3
    heron.config.update({"dropout": 0.1})
    heron.config.setdefaults({"lr": 99, "seed": 7})
    assert heron.config.lr == 0.01 and heron.config.seed == 7
    heron.finish()
    assert stored(run).config == {"lr": 0.01, "opt": {"name": "adam"}, "batch_size": 32,
                                  "epochs": 3, "dropout": 0.1, "seed": 7}


def test_changing_a_config_value_needs_allow_val_change() -> None:
    run = heron.init(project="cfg", config={"lr": 0.01})
    with pytest.raises(ConfigError, match=re.escape('"lr" from 0.01 to 0.1')):
        heron.config.update({"lr": 0.1})
    heron.config.update({"lr": 0.1}, allow_val_change=True)
    heron.config.update({"lr": 0.1})  # the same value is no change
    heron.finish()
    assert stored(run).config["lr"] == 0.1


def test_config_from_namespace_yaml_and_defaults_file(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config-defaults.yaml").write_text(
        "wandb_version: 1\nepochs:\n  desc: passes\n  value: 10\nwidth: 64\n")
    (tmp_path / "exp.yaml").write_text("lr:\n  value: 0.5\nname: big\n")
    heron.init(project="cfg", config=str(tmp_path / "exp.yaml"))
    assert heron.config.as_dict() == {"epochs": 10, "width": 64, "lr": 0.5, "name": "big"}
    heron.finish()
    heron.init(project="cfg", config=argparse.Namespace(lr=0.2, epochs=3))
    assert heron.config.lr == 0.2 and heron.config.epochs == 3 and heron.config.width == 64


def test_config_include_and_exclude_keys() -> None:
    heron.init(project="cfg", config={"a": 1, "b": 2, "c": 3}, config_exclude_keys=["b"])
    assert heron.config.as_dict() == {"a": 1, "c": 3}
    heron.finish()
    heron.init(project="cfg", config={"a": 1, "b": 2}, config_include_keys=["b"])
    assert heron.config.as_dict() == {"b": 2}


def test_bad_config_argument_names_the_value() -> None:
    with pytest.raises(ValueError, match="42"):
        heron.init(project="cfg", config=42)


def test_summary_is_last_value_and_keeps_overrides() -> None:
    run = heron.init(project="sum")
    for i in range(5):
        heron.log({"loss": 1.0 / (i + 1), "acc": i / 10})
    heron.summary["best_acc"] = 0.99
    run.summary["acc"] = 1.0  # an override of a logged key
    heron.finish()
    summary = stored(run).summary
    assert summary["loss"] == 0.2 and summary["acc"] == 1.0 and summary["best_acc"] == 0.99
    assert summary["_step"] == 4


def test_define_metric_summaries_are_stored_as_wandb_stores_them() -> None:
    run = heron.init(project="sum")
    heron.define_metric("vl", summary="min")
    heron.define_metric("acc", summary="max,mean,last")
    heron.define_metric("val/*", summary="best", goal="maximize")
    heron.define_metric("hidden_one", summary="none")
    for v in (0.5, 0.1, 0.3):
        heron.log({"vl": v, "acc": 1 - v, "val/f1": v, "val/p": 2 * v, "hidden_one": v,
                   "plain": v})
    heron.finish()
    summary = stored(run).summary
    assert summary["vl"] == {"min": 0.1}
    assert summary["acc"]["max"] == 0.9 and summary["acc"]["last"] == 0.7
    assert summary["acc"]["mean"] == pytest.approx((0.5 + 0.9 + 0.7) / 3)
    assert summary["val/f1"] == {"best": 0.5} and summary["val/p"] == {"best": 1.0}
    assert "hidden_one" not in summary and summary["plain"] == 0.3


def test_define_metric_step_metric_is_synced_into_rows() -> None:
    run = heron.init(project="sum")
    heron.define_metric("val/*", step_metric="epoch")
    heron.log({"epoch": 1, "train": 0.5})
    heron.log({"val/loss": 0.4})
    stored_run = None
    heron.finish()
    stored_run = stored(run)
    rows = list(stored_run.scan_history(keys=["val/loss", "epoch"]))
    assert rows == [{"val/loss": 0.4, "epoch": 1}]
    assert stored_run._info.metrics["val/*"]["step_metric"] == "epoch"


@pytest.mark.parametrize(("kwargs", "bad"), [({"summary": "median"}, "median"),
                                              ({"goal": "minimise"}, "minimise")])
def test_define_metric_bad_options_are_named(kwargs: dict[str, str], bad: str) -> None:
    heron.init(project="sum")
    with pytest.raises(ValueError, match=bad):
        heron.define_metric("loss", **kwargs)  # type: ignore[arg-type]


def test_module_globals_follow_the_run() -> None:
    with pytest.raises(heron.Error, match=r"heron\.init"):
        heron.log({"a": 1})
    with pytest.raises(heron.Error, match=r"heron.init\(\) before heron.config.lr"):
        _ = heron.config.lr
    run = heron.init(project="g")
    assert heron.run is run and heron.config is run.config and heron.summary is run.summary
    heron.finish()
    assert heron.run is None
