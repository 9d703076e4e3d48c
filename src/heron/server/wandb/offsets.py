"""How many lines of each append-only W&B file a run has consumed (``file_stream.py``), as
the store knows them: where a resumed client continues its offsets."""

from __future__ import annotations

from dataclasses import dataclass

from heron.store import RunInfo, SqlStore

STREAM_SYSTEM = 1


@dataclass
class Offsets:
    """Lines consumed of each append-only file; ``seq`` is what the store last applied."""

    history: int
    events: int
    console: int
    base: int

    @property
    def seq(self) -> int:
        return self.base + self.history + self.events + self.console


def offsets_in_store(store: SqlStore, info: RunInfo) -> Offsets:
    history = info.history_rows
    events = max((k["count"] for k in store.key_summary(info.pk, STREAM_SYSTEM)), default=0)
    console = len(store.console(info.pk))
    return Offsets(history, events, console, info.last_seq - history - events - console)
