"""``heron import mlflow URI``: MLflow experiments become projects, their runs Heron runs.

Read with MLflow's own client (``mlflow-skinny`` is enough), from a file store (``./mlruns``,
``file:///...``) or a database store (``sqlite:///...``). Params become the config (as the
strings MLflow keeps), metrics the history by step with their timestamps, tags the run's tags
(``key:value``; every tag also in the metadata), and artifacts the run's files.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from heron.importers.model import ImportedRow, ImportedRun, ImportSourceError, stable_run_id

STATES = {"FINISHED": "finished", "FAILED": "failed", "KILLED": "killed"}
"""MLflow run status -> Heron state; a run still RUNNING (or SCHEDULED) there is imported as
crashed: it stopped reporting without ending."""
NOTE_TAG = "mlflow.note.content"


def tracking_uri(uri: str) -> str:
    """The MLflow tracking URI for ``uri``, refusing one that names no existing store (MLflow
    would create an empty one).

    Example:
        >>> tracking_uri("./mlruns")
        'file:///home/me/mlruns'
    """
    if "://" not in uri:
        path = Path(uri).expanduser().resolve()
        if not path.is_dir():
            raise ImportSourceError(f"{uri!r} is not an MLflow file store (no such folder)")
        return path.as_uri()
    scheme, rest = uri.split("://", 1)
    if scheme == "file":
        if not Path(rest).is_dir():
            raise ImportSourceError(f"{uri!r} is not an MLflow file store (no such folder)")
    elif scheme == "sqlite":
        db = rest[1:] if rest.startswith("/") else rest
        if not Path(db).is_file():
            raise ImportSourceError(f"{uri!r}: no such SQLite file {db!r}")
    elif scheme.split("+")[0] not in ("postgresql", "mysql", "mssql"):
        raise ImportSourceError(f"unsupported MLflow store URI {uri!r}: use a folder (./mlruns), "
                                "file:///..., sqlite:///... or another database URL")
    return uri


def _client(uri: str) -> Any:
    try:
        from mlflow.tracking import MlflowClient
    except ImportError:
        raise ImportSourceError("heron import mlflow needs MLflow's client: "
                                "pip install 'heron[mlflow]'") from None
    if uri.startswith("file:"):
        # MLflow 3 refuses to open file stores unless told to: reading one is what we want.
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    return MlflowClient(tracking_uri=uri)


def read_runs(uri: str, scratch: Path, project: str | None = None) -> list[ImportedRun]:
    """Every run of every active experiment in the MLflow store at ``uri``; artifacts are
    downloaded into ``scratch`` (kept until the import is written).

    Example:
        >>> runs = read_runs("sqlite:///mlflow.db", Path("/tmp/scratch"))
        >>> runs[0].project, runs[0].config
        ('my-experiment', {'lr': '0.01'})
    """
    resolved = tracking_uri(uri)
    client = _client(resolved)
    runs = []
    for experiment in client.search_experiments():
        for run in _all_runs(client, experiment.experiment_id):
            runs.append(_run(client, run, project or experiment.name, resolved, scratch))
    return runs


def _all_runs(client: Any, experiment_id: str) -> Iterator[Any]:
    token = None
    while True:
        page = client.search_runs([experiment_id], max_results=1000, page_token=token)
        yield from page
        token = page.token
        if not token:
            return


def _run(client: Any, run: Any, project: str, uri: str, scratch: Path) -> ImportedRun:
    info, data = run.info, run.data
    tags = dict(data.tags)
    user_tags = sorted(f"{k}:{v}" if v else k for k, v in tags.items()
                       if not k.startswith("mlflow."))
    files_dir = scratch / info.run_id
    return ImportedRun(
        project=project, run_id=stable_run_id("mlflow", info.run_id),
        name=info.run_name or info.run_id, source=f"mlflow:{uri}#{info.run_id}",
        started_at=(info.start_time or 0) / 1000,
        ended_at=info.end_time / 1000 if info.end_time else None,
        state=STATES.get(info.status, "crashed"), config=dict(data.params),
        tags=user_tags, notes=tags.get(NOTE_TAG),
        rows=lambda: _rows(client, info.run_id, list(data.metrics)),
        files=list(_artifacts(client, info.run_id, files_dir)),
        metadata={"mlflow_run_id": info.run_id, "mlflow_tags": tags},
    )


def _rows(client: Any, run_id: str, keys: list[str]) -> list[ImportedRow]:
    """Every logged value of every metric, one row per step; a key logged twice at one step
    keeps its last value; the row keeps its latest timestamp."""
    by_step: dict[int, ImportedRow] = {}
    for key in keys:
        for metric in sorted(client.get_metric_history(run_id, key),
                             key=lambda m: (m.step, m.timestamp)):
            row = by_step.get(metric.step)
            if row is None:
                row = by_step[metric.step] = ImportedRow(step=int(metric.step), values={})
            row.values[key] = float(metric.value)
            row.timestamp = max(row.timestamp or 0.0, metric.timestamp / 1000)
    return [by_step[step] for step in sorted(by_step)]


def _artifacts(client: Any, run_id: str, target: Path) -> Iterator[tuple[str, Path]]:
    """Every artifact file of the run, downloaded under ``target``: (its path, the copy)."""
    pending: list[str | None] = [None]  # folders to list; None: the root
    while pending:
        folder = pending.pop()
        for item in client.list_artifacts(run_id, folder):
            if item.is_dir:
                pending.append(item.path)
                continue
            target.mkdir(parents=True, exist_ok=True)
            local = client.download_artifacts(run_id, item.path, str(target))
            yield item.path, Path(local)
