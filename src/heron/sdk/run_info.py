"""What a run says about itself: its dashboard link (``run.url``) and whether what it logged
is written yet (``run.status()``)."""

from __future__ import annotations

import dataclasses
from urllib.parse import quote

UI_URL = "http://127.0.0.1:8080"
"""Where ``heron ui`` serves the dashboard with its default ``--host`` and ``--port``."""

PREEMPTING = "preempting"
"""The run metadata's key for a run marked preempting; the same key the server sets when the
official client calls ``wandb.mark_preempting()`` (heron.server.wandb.file_stream)."""


def _part(text: str) -> str:
    # As the dashboard's router encodes a route part (JavaScript's encodeURIComponent).
    return quote(text, safe="!'()*")


def run_url(base: str, project: str, run_id: str) -> str:
    """The dashboard page of a run: ``base`` (the server's URL) and the run's route
    (``#/p/<project>/r/<run id>``, web/src/router.ts).

    Example:
        >>> run_url("http://tracker:8080/", "my project", "abc123")
        'http://tracker:8080/#/p/my%20project/r/abc123'
    """
    return f"{base.rstrip('/')}/#/p/{_part(project)}/r/{_part(run_id)}"


@dataclasses.dataclass(frozen=True)
class RunStatus:
    """``run.status()``: how much of what the run logged is written.

    ``synced`` is True when every record logged so far is in the store (for an offline run: in
    the run folder, for ``heron sync``); ``pending_records`` were logged but not yet handed to
    the store; ``spooled_files`` hold batches the store could not take yet (written later, or
    by ``heron sync``). ``sync_items_pending`` is W&B's name for ``pending_records``.
    """

    synced: bool
    pending_records: int
    spooled_files: int
    destination: str

    @property
    def sync_items_pending(self) -> int:
        return self.pending_records
