"""Small builders shared by the store tests."""

from __future__ import annotations

import sqlite3
from pathlib import Path

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
