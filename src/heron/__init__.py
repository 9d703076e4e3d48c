"""Heron: experiment tracking that speaks the Weights & Biases API.

Replace ``import wandb`` with ``import heron as wandb``; runs land in an embedded SQLite store
(``HERON_DIR``, default ``~/.heron``) with no account and no network.

Example:
    >>> import heron as wandb
    >>> wandb.init(project="my_project", config={"lr": 0.001})
    >>> for epoch in range(10):
    ...     wandb.log({"loss": 1 / (epoch + 1), "epoch": epoch})
    >>> wandb.finish()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from heron.errors import Error, UsageError
from heron.sdk import registry
from heron.sdk.registry import PreInit
from heron.sdk.settings import Settings
from heron.term import termerror, termlog, termwarn

if TYPE_CHECKING:
    from heron.api import Api
    from heron.artifacts.artifact import Artifact
    from heron.media import Audio, Histogram, Html, Image, Plotly, Table, Video
    from heron.plot import plot_table
    from heron.sdk.config import Config
    from heron.sdk.run import Run
    from heron.sdk.setup import Setup
    from heron.sdk.summary import MetricDef, Summary

__version__ = "0.1.0"


# Set only by heron.sdk.registry (the active run); read them, do not assign them.
run: Run | None = None
config: Config | PreInit = PreInit("config")
summary: Summary | PreInit = PreInit("summary")


def init(*args: Any, **kwargs: Any) -> Run:
    """Start a run (see ``heron.sdk.init.init`` for every argument)."""
    from heron.sdk.init import init as _init

    return _init(*args, **kwargs)


def _current(call: str) -> Run:
    current = registry.active()
    if current is None:
        raise Error(f"You must call heron.init() before heron.{call}()")
    return current


def log(data: dict[str, Any], step: int | None = None, commit: bool | None = None,
        sync: bool | None = None) -> None:
    """Log a row of values to the current run. ``heron.log({"loss": 0.5})``"""
    _current("log").log(data, step=step, commit=commit, sync=sync)


def finish(exit_code: int | None = None, quiet: bool | None = None) -> None:
    """Finish the current run (a no-op when there is none)."""
    current = registry.active()
    if current is not None:
        current.finish(exit_code=exit_code, quiet=quiet)


def define_metric(name: str, step_metric: str | None = None, step_sync: bool | None = None,
                  hidden: bool | None = None, summary: str | None = None,
                  goal: str | None = None, overwrite: bool | None = None) -> MetricDef:
    """Say how a metric is summarised and plotted. ``heron.define_metric("loss", summary="min")``"""
    return _current("define_metric").define_metric(
        name, step_metric=step_metric, step_sync=step_sync, hidden=hidden, summary=summary,
        goal=goal, overwrite=overwrite,
    )


def save(glob_str: str, base_path: str | None = None, policy: str = "live") -> list[str]:
    """Attach files to the current run. ``heron.save("model.pt")``"""
    return _current("save").save(glob_str, base_path=base_path, policy=policy)


def log_artifact(artifact_or_path: Any, name: str | None = None, type: str | None = None,
                 aliases: list[str] | None = None, tags: list[str] | None = None) -> Artifact:
    """Log an artifact from the current run (``Run.log_artifact``)."""
    return _current("log_artifact").log_artifact(artifact_or_path, name=name, type=type,
                                                 aliases=aliases, tags=tags)


def use_artifact(artifact_or_name: Any, type: str | None = None,
                 aliases: list[str] | None = None) -> Artifact:
    """Use a stored artifact in the current run (``Run.use_artifact``)."""
    return _current("use_artifact").use_artifact(artifact_or_name, type=type, aliases=aliases)


def log_model(path: str, name: str | None = None, aliases: list[str] | None = None) -> Artifact:
    """Log a model file or folder from the current run (``Run.log_model``)."""
    return _current("log_model").log_model(path, name=name, aliases=aliases)


def use_model(name: str) -> str:
    """Use and download a model artifact in the current run (``Run.use_model``)."""
    return _current("use_model").use_model(name)


def alert(title: str, text: str, level: str | None = None,
          wait_duration: float | None = None) -> None:
    """Raise an alert on the current run."""
    _current("alert").alert(title, text, level=level, wait_duration=wait_duration)


def watch(models: Any, criterion: Any = None, log: str | None = "gradients",
          log_freq: int = 1000, idx: int | None = None, log_graph: bool = False) -> None:
    """Log gradient/parameter histograms of PyTorch models. ``heron.watch(model, log="all")``"""
    _current("watch").watch(models, criterion=criterion, log=log, log_freq=log_freq, idx=idx,
                            log_graph=log_graph)


def unwatch(models: Any = None) -> None:
    """Remove the hooks ``watch()`` installed."""
    current = registry.active()
    if current is not None:
        current.unwatch(models)


def sweep(sweep: Any, entity: str | None = None, project: str | None = None,
          prior_runs: list[str] | None = None) -> str:
    """Create a sweep and return its id. ``heron.sweep(sweep_config, project="p")``"""
    from heron.sweeps.agent import sweep as _sweep

    return _sweep(sweep, entity=entity, project=project, prior_runs=prior_runs)


def agent(sweep_id: str, function: Any = None, entity: str | None = None,
          project: str | None = None, count: int | None = None) -> None:
    """Run a sweep's trials. ``heron.agent(sweep_id, function=train, count=4)``"""
    from heron.sweeps.agent import agent as _agent

    _agent(sweep_id, function=function, entity=entity, project=project, count=count)


def mark_preempting() -> None:
    """Mark the current run as about to be preempted (``Run.mark_preempting``)."""
    _current("mark_preempting").mark_preempting()


def setup(settings: Settings | dict[str, Any] | None = None) -> Setup:
    """Read settings and start background work before the first run; optional, as W&B's
    (see ``heron.sdk.setup.setup``). ``heron.setup(heron.Settings(project="demo"))``"""
    from heron.sdk.setup import setup as _setup

    return _setup(settings)


def teardown(exit_code: int | None = None) -> None:
    """Finish every run in progress and stop background work (``heron.sdk.setup.teardown``)."""
    from heron.sdk.setup import teardown as _teardown

    _teardown(exit_code)


def login(key: str | None = None, host: str | None = None, relogin: bool | None = None,
          anonymous: str | None = None, timeout: int | None = None,
          verify: bool = False) -> bool:
    """Remember a server and API key for later runs (``~/.config/heron/credentials.json``)."""
    from heron.sdk.credentials import login as _login

    return _login(key=key, host=host)


_LAZY = {
    "Api": ("heron.api", "Api"),
    "Artifact": ("heron.artifacts.artifact", "Artifact"),
    "Image": ("heron.media", "Image"),
    "Histogram": ("heron.media", "Histogram"),
    "Table": ("heron.media", "Table"),
    "Video": ("heron.media", "Video"),
    "Audio": ("heron.media", "Audio"),
    "Html": ("heron.media", "Html"),
    "Plotly": ("heron.media", "Plotly"),
    "plot_table": ("heron.plot", "plot_table"),
    "Run": ("heron.sdk.run", "Run"),
    "Config": ("heron.sdk.config", "Config"),
    "Summary": ("heron.sdk.summary", "Summary"),
}


def __getattr__(name: str) -> Any:
    """Import the heavier public names (``Api``, media classes) only when first used."""
    if name == "tensorboard":  # wandb.tensorboard.patch(...): the subpackage, on first use
        import importlib

        return importlib.import_module("heron.tensorboard")
    if name == "plot":  # wandb.plot.line(...): the subpackage, on first use
        import importlib

        return importlib.import_module("heron.plot")
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'heron' has no attribute {name!r}")


__all__ = [
    "Api",
    "Artifact",
    "Audio",
    "Error",
    "Histogram",
    "Html",
    "Image",
    "Plotly",
    "Run",
    "Settings",
    "Table",
    "UsageError",
    "Video",
    "agent",
    "alert",
    "config",
    "define_metric",
    "finish",
    "init",
    "log",
    "log_artifact",
    "log_model",
    "login",
    "mark_preempting",
    "plot",
    "plot_table",
    "run",
    "save",
    "setup",
    "summary",
    "sweep",
    "teardown",
    "termerror",
    "termlog",
    "termwarn",
    "unwatch",
    "use_artifact",
    "use_model",
    "watch",
]
