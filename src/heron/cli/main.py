"""``heron``: list runs, export them, and (as the project grows) serve and sweep."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path
from typing import Any

import click

from heron import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="heron")
def cli() -> None:
    """Heron: experiment tracking that speaks the W&B API, on your own machine.

    Runs live in the store at HERON_DIR (default ~/.heron).
    """


@cli.group()
def runs() -> None:
    """Inspect runs in the store."""


def _api() -> Any:
    from heron.api import Api

    return Api()


@runs.command("ls")
@click.argument("project", required=False)
@click.option("--state", help="Only runs in this state (running, finished, failed, ...).")
def runs_ls(project: str | None, state: str | None) -> None:
    """List the runs of PROJECT (or, without it, the projects)."""
    from rich.console import Console
    from rich.table import Table

    api = _api()
    console = Console()
    if project is None:
        table = Table("project", "runs", "last activity")
        for p in api.projects():
            table.add_row(p.name, str(p.run_count), _when(p.last_activity))
        console.print(table)
        return
    filters = {"state": state} if state else None
    table = Table("id", "name", "state", "created", "steps", "summary")
    for run in api.runs(project, filters=filters):
        shown = {k: v for k, v in run.summary.items() if not k.startswith("_")}
        summary = ", ".join(f"{k}={_short(v)}" for k, v in list(shown.items())[:4])
        table.add_row(run.id, run.name, run.state, run.created_at or "",
                      str(run.lastHistoryStep + 1), summary)
    console.print(table)


def _when(ts: float | None) -> str:
    if ts is None:
        return "-"
    return datetime.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    text = str(value)
    return text if len(text) <= 24 else text[:21] + "..."


@cli.command()
@click.argument("run_path")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: RUN_ID.csv or RUN_ID.parquet; '-' for stdout).")
def export(run_path: str, fmt: str, output: Path | None) -> None:
    """Export the full history of RUN_PATH (project/run_id) as CSV or Parquet."""
    from heron.errors import Error

    try:
        run = _api().run(run_path)
    except Error as exc:
        raise click.ClickException(str(exc)) from None
    frame = run.history(samples=0, pandas=True)
    if isinstance(frame, list):
        raise click.ClickException("export needs pandas: pip install 'heron[pandas]'")
    target = output or Path(f"{run.id}.{fmt}")
    if fmt == "parquet":
        frame = _parquet_ready(frame)
        try:
            frame.to_parquet(target, index=False)
        except ImportError:
            raise click.ClickException("parquet export needs pyarrow: pip install pyarrow")
    elif str(target) == "-":
        frame.to_csv(sys.stdout, index=False)
        return
    else:
        frame.to_csv(target, index=False)
    click.echo(f"wrote {len(frame)} rows of {run.id} to {target}", err=True)


def _register() -> None:
    from heron.cli.imports import import_runs
    from heron.cli.server import server, ui
    from heron.cli.sweeps import agent, sweep
    from heron.cli.sync import login, sync

    for command in (server, ui, login, sync, sweep, agent, import_runs):
        cli.add_command(command)


_register()


def _parquet_ready(frame: Any) -> Any:
    """Parquet columns have one type: a column logged with several becomes JSON text."""
    import json

    out = frame.copy()
    for column in out.columns:
        if out[column].dtype != object:
            continue
        kinds = {type(v) for v in out[column] if v is not None and v == v}
        if len(kinds) > 1 or kinds & {list, dict}:
            out[column] = [None if v is None or v != v else json.dumps(v, default=str)
                           for v in out[column]]
    return out


def main() -> None:
    cli()
