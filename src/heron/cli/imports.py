"""``heron import tensorboard|mlflow|wandb``: runs from other trackers into Heron."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


def _target_options(command: Callable[..., None]) -> Callable[..., None]:
    """``--project``, ``--store`` and ``--host``, the same on every importer."""
    command = click.option("--host", help="Heron server to import into (default: the "
                           "configured host, else the local store).")(command)
    command = click.option("--store", help="Store to import into: a folder or sqlite:///PATH, "
                           "postgresql://... (default: HERON_DIR).")(command)
    return click.option("--project", "-p", help="Project for every imported run (default: "
                        "the source's own: logdir name, experiment, W&B project).")(command)


@click.group("import")
def import_runs() -> None:
    """Import runs from TensorBoard, MLflow or W&B; importing again stores nothing twice."""


@import_runs.command("tensorboard")
@click.argument("logdir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_target_options
def import_tensorboard(logdir: Path, project: str | None, store: str | None,
                       host: str | None) -> None:
    """Import a TensorBoard logdir.

    Each folder under LOGDIR holding event files becomes a run: scalars, histograms and
    images at their global steps, with their wall times."""
    from heron.importers.tensorboard import read_runs

    _import(lambda: read_runs(logdir, project=project), store, host)


@import_runs.command("mlflow")
@click.argument("uri")
@_target_options
def import_mlflow(uri: str, project: str | None, store: str | None, host: str | None) -> None:
    """Import the runs of an MLflow store.

    URI: ./mlruns, file:///..., sqlite:///... or another database URL. Experiments become
    projects; params the config; metrics the history; artifacts the run's files."""
    from heron.importers.mlflow import read_runs

    with tempfile.TemporaryDirectory(prefix="heron-mlflow-") as scratch:
        _import(lambda: read_runs(uri, Path(scratch), project=project), store, host)


@import_runs.command("wandb")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_target_options
def import_wandb(directory: Path, project: str | None, store: str | None,
                 host: str | None) -> None:
    """Import W&B run folders.

    The offline-run-* and run-* folders in or under DIRECTORY: config, history, summary and
    files."""
    from heron.importers.wandb import read_runs

    _import(lambda: read_runs(directory, project=project), store, host)


def import_sink(store: str | None, host: str | None) -> Any:
    """Where imported runs go: ``store``, else ``host``, the configured server or the local
    store (as ``heron sync`` chooses)."""
    if store and host:
        raise click.UsageError("pass --store or --host, not both")
    if store:
        from heron.sdk.sinks import LocalSink

        return LocalSink(store)
    from heron.sdk.sync import target_sink

    return target_sink(host)


def _import(read: Callable[[], list[Any]], store: str | None, host: str | None) -> None:
    from rich.progress import Progress

    from heron.errors import Error
    from heron.importers.run_writer import write_run

    try:
        runs = read()
    except Error as exc:
        raise click.ClickException(str(exc)) from None
    if not runs:
        click.echo("nothing to import")
        return
    sink = import_sink(store, host)
    imported = skipped = rows = 0
    try:
        with Progress(transient=False) as progress:
            task = progress.add_task("importing", total=len(runs))
            rows_task = progress.add_task("history rows", total=None)
            for run in runs:
                progress.update(task, description=f"{run.project}/{run.name}")
                try:
                    outcome = write_run(run, sink, on_rows=lambda count: progress.advance(
                        rows_task, count))
                except Error as exc:
                    raise click.ClickException(f"{run.source}: {exc}") from None
                skipped += outcome.skipped
                imported += not outcome.skipped
                rows += outcome.rows
                progress.advance(task)
    finally:
        sink.close()
    click.echo(f"imported {imported} run(s) with {rows} history row(s) into {sink.url}"
               + (f"; {skipped} imported before, left as they were" if skipped else ""))
