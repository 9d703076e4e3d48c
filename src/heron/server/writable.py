"""Whether the server can write its database and media folder, checked once at start.

A store it cannot write still serves reads; writes are refused with 503 naming the path
(``heron.server.errors``, ``heron.media.base.MediaWriteError``). Saying so at start, with the
reason, lets an operator fix it before the first SDK starts spooling.

The checks try what the server will do (open the file for writing, create a file in the
folder) rather than compare permission bits: that is also right for root, whom permission
bits do not stop but a read-only mount does.
"""

from __future__ import annotations

from pathlib import Path

from heron.store import SqlStore
from heron.store.engine import sqlite_path
from heron.store.media_folder import folder_problem, why_failed


def file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be opened for writing (it is not changed), or None (also when it
    does not exist yet)."""
    try:
        with open(path, "r+b"):
            pass
    except FileNotFoundError:
        return None
    except OSError as exc:
        return why_failed(exc)
    return None


def unwritable(store: SqlStore) -> list[str]:
    """What the server cannot write, each as a sentence naming the path and the reason."""
    problems = []
    database = sqlite_path(store.url)
    if database is not None:
        why = file_problem(database)
        if why is not None:
            problems.append(f"the database {database} cannot be written: {why}")
        why = folder_problem(database.parent)
        if why is not None:
            problems.append(f"the database's folder {database.parent} cannot be written: {why}"
                            f" (SQLite keeps {database.name}-wal and -shm beside the database)")
    why = store.media.writable_problem()
    if why is not None:
        kind = "folder" if store.media_root is not None else "bucket"
        problems.append(f"the media {kind} {store.media.description} cannot be written: {why}")
    return problems


def open_problem(url: str) -> str | None:
    """For a SQLite store that failed to open: the unwritable file or folder that explains it,
    or None."""
    database = sqlite_path(url)
    if database is None:
        return None
    why = file_problem(database)
    if why is not None:
        return f"the database {database} cannot be written: {why}"
    if database.parent.is_dir():
        why = folder_problem(database.parent)
        if why is not None:
            return (f"the database's folder {database.parent} cannot be written: {why}; SQLite "
                    f"needs to create {database.name}-wal and -shm beside the database")
    return None
