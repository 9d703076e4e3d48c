"""Small builders shared by the store tests."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from heron import records as r


def batch(
    run_id: str, seq: int, *records: r.Record, project: str = "proj", entity: str = ""
) -> r.Batch:
    """One run's batch, as a sink would send it."""
    return r.Batch(project=project, run_id=run_id, seq=seq, records=list(records), entity=entity)


def row(step: int, **values: object) -> r.HistoryRow:
    """A committed history row at ``step`` holding ``values`` (plus ``_step``, as the SDK sends)."""
    return r.HistoryRow(step, {"_step": step, **values})


def query(db_file: Path, sql: str, *params: object) -> list[tuple]:
    """Run a read query straight against the SQLite file."""
    conn = sqlite3.connect(db_file)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` for i in range(count) on threads released at the same moment."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def target(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results
