"""``SweepSession``: the sweep controller's view of one store transaction, with no SQL in sight.

The controller decides (pure functions over the sweep and its runs); the session reads and
records, all inside the one transaction the store opened, so a reservation is atomic on every
backend. It wraps ``sweep_queries``; the connection never leaves the store.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from heron.store import queries
from heron.store import sweep_queries as q
from heron.store.models import RunInfo


class SqlSweepSession:
    """Sweep reads and writes bound to one open transaction of a ``SqlStore``."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get_sweep(self, sweep_id: str, lock: bool = False) -> q.SweepInfo | None:
        """The sweep; ``lock``: hold it until the transaction ends (PostgreSQL FOR UPDATE)."""
        return q.get_sweep(self._conn, sweep_id, lock=lock)

    def list_sweeps(self, project: str | None = None) -> list[q.SweepInfo]:
        return q.list_sweeps(self._conn, project)

    def create_sweep(self, sweep_id: str, project: str, entity: str, config: dict[str, Any],
                     name: str | None) -> None:
        q.create_sweep(self._conn, sweep_id, project, entity, config, name)

    def get_run(self, project: str, run_id: str) -> RunInfo | None:
        return queries.get_run(self._conn, project, run_id)

    def attach(self, sweep_id: str, run_pk: int, params: dict[str, Any]) -> None:
        q.attach(self._conn, sweep_id, run_pk, params)

    def sweep_runs(self, sweep_id: str, metric: str | None) -> list[q.SweepRunInfo]:
        """Every run of the sweep with ``metric``'s logged values (crashed runs shown crashed)."""
        return q.sweep_run_infos(self._conn, sweep_id, metric)

    def set_state(self, sweep_id: str, state: str) -> None:
        q.set_state(self._conn, sweep_id, state)

    def reserve(self, sweep: q.SweepInfo, run_id: str, name: str, params: dict[str, Any],
                agent: str | None) -> None:
        q.reserve(self._conn, sweep, run_id, name, params, agent)

    def request_stop(self, sweep_id: str, run_pks: list[int]) -> None:
        q.request_stop(self._conn, sweep_id, run_pks)

    def stop_requested(self, sweep_id: str, run_ids: list[str]) -> list[str]:
        return q.stop_requested(self._conn, sweep_id, run_ids)

    def end_reservation(self, sweep_id: str, run_id: str, state: str,
                        exit_code: int | None) -> str | None:
        return q.end_reservation(self._conn, sweep_id, run_id, state, exit_code)
