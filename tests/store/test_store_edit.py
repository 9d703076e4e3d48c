"""Refused edits change nothing (the other edits: test_backend_runs.py, test_backend_edges.py)."""

from __future__ import annotations

import pytest

from heron import records as r
from heron.errors import ValueRejected
from heron.store import SqlStore

from ._support import batch, row


@pytest.mark.parametrize("field", ["state", "run_id", "created_at", "pid"])
def test_update_run_rejects_fields_that_are_not_editable(store: SqlStore, field: str) -> None:
    store.write(batch("run1", 1, r.RunStart(name="run1"), row(0, loss=1.0)))
    pk = store.get_run("proj", "run1").pk

    with pytest.raises(ValueRejected, match=rf"run field '{field}' cannot be edited; editable: "):
        store.update_run(pk, name="ignored", **{field: "x"})

    info = store.get_run("proj", "run1")
    assert info.name == "run1"  # nothing of a refused edit is applied
    assert info.state == "running"
