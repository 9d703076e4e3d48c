"""The ``Store`` contract: what every backend offers, what it raises, and how threads share it.

Two protocols, as MLflow's abstract store and Optuna's ``BaseStorage`` split theirs:

- ``RunAccess``: reading runs and their history, editing and deleting a run. The SDK's ``Api``
  needs only this; ``heron.store.remote.RemoteStore`` (over HTTP) implements it.
- ``Store``: ``RunAccess`` plus batch writes, the live feed, chart buckets, API keys, sweeps and
  settling crashed runs. ``SqlStore`` implements it on SQLite and PostgreSQL.

Thread safety: one store object is shared by every thread of a process (the server's worker
threads, an agent's threads). Each method runs in its own transaction on its own pooled
connection and returns plain values (dataclasses, lists, numpy arrays) that hold no connection.
Processes and server replicas may open the same database at once: writers queue (SQLite's
``BEGIN IMMEDIATE``) or use row and advisory locks (PostgreSQL); nothing relies on in-process
state. ``close()`` is the one method not to call while others run.

Errors (``heron.errors``) every method may raise besides its own:

- ``ValueRejected`` (``BatchRejected`` for a batch): a value the store cannot keep; nothing of
  the call was written.
- ``StoreError``: the database could not be reached or answered with an error; retrying later
  may help.
A read of something missing returns ``None`` or an empty list rather than raising
``NotFound``; callers that need it to exist raise (``RunNotFound`` in the SDK, 404 in the server).

Crashed runs: a running run whose heartbeats stopped (or whose process on this host is gone)
*reads* as crashed from ``get_run``, ``list_runs`` and the sweep reads, but reads never write.
``settle_crashed()`` is the one method that records the state; the server calls it every
``heron.server.app.SETTLE_SECONDS``. A late heartbeat revives a run either way.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from heron.records import Batch
from heron.store.access import AccessSession
from heron.store.buckets import Buckets
from heron.store.keys import KeyInfo
from heron.store.media_storage import MediaStorage
from heron.store.models import ConsoleLineInfo, FileInfo, ProjectInfo, RunInfo, Series
from heron.store.sweep_queries import SweepInfo, SweepRunInfo


@runtime_checkable
class RunAccess(Protocol):
    """Runs, their history and files: what ``heron.Api`` reads, on any backend."""

    def get_run(self, project: str, run_id: str, entity: str | None = None) -> RunInfo | None:
        """The run, or None. Pure read (a silent run shows as crashed, see the module)."""

    def list_runs(self, project: str | None = None, entity: str | None = None,
                  sweep_id: str | None = None) -> list[RunInfo]:
        """Runs, newest first. Pure read, like ``get_run``."""

    def list_projects(self) -> list[ProjectInfo]: ...

    def history_keys(self, run_pk: int, stream: int = 0) -> list[str]: ...

    def read_series(self, run_pk: int, key: str, stream: int = 0,
                    min_step: int | None = None, max_step: int | None = None) -> Series: ...

    def console(self, run_pk: int, after_id: int = 0, limit: int | None = None
                ) -> list[ConsoleLineInfo]: ...

    def run_files(self, run_pk: int) -> list[FileInfo]: ...

    def run_file(self, run_pk: int, name: str) -> FileInfo | None: ...

    def file_url(self, run_pk: int, name: str) -> str:
        """Where a reader fetches one of ``run_files`` (``file://`` or ``http(s)://``); empty
        for a file made from the run's data (``config.yaml``...)."""

    def copy_file(self, run_pk: int, name: str, target: Path) -> None:
        """Write one of ``run_files`` to ``target``. Raises ``NotFound`` for no such file,
        ``ValueRejected`` when its stored path lies outside the media folder."""

    def update_run(self, run_pk: int, **fields: Any) -> None:
        """Edit a run's name, tags, notes, group, job_type, config or summary.

        Raises ``ValueRejected`` for a field that cannot be edited or a value it cannot keep."""

    def delete_run(self, run_pk: int) -> None: ...

    def request_run_stop(self, run_pk: int) -> bool: ...

    def close(self) -> None: ...


class SweepSession(Protocol):
    """Sweep reads and writes inside one store transaction (``Store.sweep_session``)."""

    def get_sweep(self, sweep_id: str, lock: bool = False) -> SweepInfo | None: ...

    def list_sweeps(self, project: str | None = None) -> list[SweepInfo]: ...

    def create_sweep(self, sweep_id: str, project: str, entity: str, config: dict[str, Any],
                     name: str | None) -> None: ...

    def get_run(self, project: str, run_id: str) -> RunInfo | None: ...

    def attach(self, sweep_id: str, run_pk: int, params: dict[str, Any]) -> None: ...

    def sweep_runs(self, sweep_id: str, metric: str | None) -> list[SweepRunInfo]: ...

    def set_state(self, sweep_id: str, state: str) -> None: ...

    def reserve(self, sweep: SweepInfo, run_id: str, name: str, params: dict[str, Any],
                agent: str | None) -> None: ...

    def request_stop(self, sweep_id: str, run_pks: list[int]) -> None: ...

    def stop_requested(self, sweep_id: str, run_ids: list[str]) -> list[str]: ...

    def end_reservation(self, sweep_id: str, run_id: str, state: str,
                        exit_code: int | None) -> str | None: ...


@runtime_checkable
class Store(RunAccess, Protocol):
    """Everything the SDK's local sink, the server and the sweep controller need."""

    url: str
    media: MediaStorage

    def write(self, batch: Batch, user: str | None = None) -> bool:
        """Apply ``batch`` in one transaction; False when it was already applied (a retry).

        Raises ``BatchRejected`` (a ``ValueRejected``) when it holds a value the store cannot
        keep; nothing of it is written."""

    def settle_crashed(self, project: str | None = None) -> int:
        """Record as crashed the running runs whose heartbeats stopped; how many. The only
        method that writes the crashed state."""

    def run_by_pk(self, run_pk: int) -> RunInfo | None: ...

    def key_summary(self, run_pk: int, stream: int = 0) -> list[dict[str, Any]]: ...

    def series(self, run_pk: int, key: str, x: str = "_step", points: int = 1000,
               x_min: float | None = None, x_max: float | None = None, stream: int = 0,
               after: int | None = None) -> tuple[Buckets, int]: ...

    def project_series(self, project: str, run_ids: list[str], key: str, x: str = "_step",
                       points: int = 1000, x_min: float | None = None,
                       x_max: float | None = None, stream: int = 0,
                       entity: str | None = None
                       ) -> tuple[list[tuple[str, Buckets, int]], list[str]]:
        """``series`` of many runs of ``project`` (``entity``'s; None: any entity's) in one
        read: (run id, buckets, cursor) for each run found, in the order asked, and the ids
        not found."""

    def files(self, run_pk: int) -> list[FileInfo]: ...

    def events_after(self, after: int, project: str | None = None, run_id: str | None = None,
                     limit: int = 200, entity: str | None = None
                     ) -> list[tuple[int, int, dict[str, Any]]]: ...

    def last_event_id(self) -> int: ...

    def create_key(self, user: str, admin: bool = False,
                   role: str | None = None) -> tuple[str, KeyInfo]: ...

    def create_first_key(self, user: str = "admin") -> str | None: ...

    def list_keys(self) -> list[KeyInfo]: ...

    def revoke_key(self, key_id: int) -> bool: ...

    def check_key(self, key: str) -> KeyInfo | None: ...

    def has_keys(self) -> bool: ...

    def access_session(self, write: bool = False) -> AbstractContextManager[AccessSession]:
        """Users, teams, project access, sessions and the audit trail in one transaction."""

    def sweep_session(self, write: bool = True) -> AbstractContextManager[SweepSession]:
        """One transaction for the sweep controller: ``write=True`` takes the write lock at
        once (SQLite ``BEGIN IMMEDIATE``), so concurrent reservations queue; ``write=False`` is
        a read that locks nothing. Committed when the block ends, rolled back if it raises."""
