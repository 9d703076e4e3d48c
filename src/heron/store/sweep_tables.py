"""The tables behind sweeps: each sweep, and each run it handed out (a reservation)."""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, LargeBinary, Table

from heron.store.schema import Int, Str, metadata

sweeps = Table(
    "sweeps",
    metadata,
    Column("id", Str(32), primary_key=True),
    Column("project_id", Int(), ForeignKey("projects.id"), nullable=False),
    Column("name", Str(256)),
    Column("config", LargeBinary, nullable=False),
    Column("state", Str(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

sweep_runs = Table(
    "sweep_runs",
    metadata,
    Column("id", Int(), primary_key=True, autoincrement=True),
    Column("sweep_id", Str(32), ForeignKey("sweeps.id"), nullable=False),
    Column("run_pk", Int(), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("params", LargeBinary, nullable=False),
    Column("agent", Str(128)),
    Column("created_at", Float, nullable=False),
    Column("stop_requested", Int(), nullable=False, default=0),
)
Index("ix_sweep_runs_sweep", sweep_runs.c.sweep_id)

SWEEP_TABLES = (sweeps, sweep_runs)
