"""Small builders shared by the two-backend store tests."""

from __future__ import annotations

from heron import records as r


def batch(
    run_id: str, seq: int, *records: r.Record, project: str = "proj", entity: str = ""
) -> r.Batch:
    """One run's batch, as a sink would send it."""
    return r.Batch(project=project, run_id=run_id, seq=seq, records=list(records), entity=entity)


def row(step: int, **values: object) -> r.HistoryRow:
    """A committed history row at ``step`` holding ``values`` (plus ``_step``, as the SDK sends)."""
    return r.HistoryRow(step, {"_step": step, **values})
