"""The run files the official client uploads to the URLs ``CreateRunFiles`` signed: through the
server (``PUT /wandb-uploads/{run_pk}/{name}``, when the media live in a folder) or straight
into the bucket, on a temporary object per URL (``incoming/wandb-run/<run>/<issued>/<name>``).

The client tells the run's file_stream which files it finished uploading (``"uploaded"``; it
sends the last of them before the post that ends the run), and each such post adopts what
the bucket holds for the run (``adopt_run_files``): read through once, stored
content-addressed with W&B's suffix (where ``media.to_heron`` points its references), then
recorded as the run's file. A post the client retries adopts again, so nothing is lost to a
failed one.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterable

from heron import records as r
from heron.errors import RunNotFound, ValueRejected
from heron.server.signing import Signer
from heron.server.wandb.media import suffix_of
from heron.store import RunInfo, SqlStore

RUN_FOLDER = "wandb-run"
log = logging.getLogger("heron.server.wandb")


def incoming_name(run_pk: int, name: str) -> str:
    """A new temporary object for one upload of the run's file ``name``; names sort in the
    order they were handed out, so a file uploaded twice ends as its later upload."""
    return f"{RUN_FOLDER}/{run_pk}/{time.time_ns():020d}-{secrets.token_hex(4)}/{name}"


def store_upload(store: SqlStore, signer: Signer, run_pk: int, name: str, user: str,
                 expires: str, signature: str, body: Iterable[bytes]) -> None:
    """``AuthError`` (401) for a URL this server did not sign or that expired; the file is
    then the run's file ``name`` (a new upload of a name replaces it). The body is streamed
    into the media storage, never held whole."""
    signer.check((str(run_pk), name, user), expires, signature)
    info = store.run_by_pk(run_pk)
    if info is None:
        raise RunNotFound(f"no run {run_pk} to upload {name!r} to")
    path, hashing = store.media.put_stream(body, suffix_of(name))
    saved = r.FileSaved(name=name, path=path, size=hashing.size,
                        sha256=hashing.sha256.hexdigest())
    store.write(r.Batch(project=info.project, run_id=info.run_id, seq=0, entity=info.entity,
                        records=[saved]), user or None)


def adopt_run_files(store: SqlStore, info: RunInfo, user: str | None) -> int:
    """Record the files uploaded into the bucket for this run as its files; how many."""
    incoming = store.media.incoming
    if incoming is None:
        return 0
    saved: list[r.Record] = []
    for temporary in incoming.names(f"{RUN_FOLDER}/{info.pk}"):
        name = temporary.split("/", 3)[3]
        try:
            adopted = incoming.adopt(temporary, suffix_of(name))
        except ValueRejected as exc:
            # Sent again while it was read: the object stays, and the run's next post adopts
            # it. Refusing the post would stop the client's file_stream.
            log.warning("heron: run %s's file %r is left for the next post: %s", info.run_id,
                        name, exc)
            continue
        if adopted is not None:
            path, hashing = adopted
            saved.append(r.FileSaved(name=name, path=path, size=hashing.size,
                                     sha256=hashing.sha256.hexdigest()))
    if saved:
        store.write(r.Batch(project=info.project, run_id=info.run_id, seq=0,
                            entity=info.entity, records=saved), user)
    return len(saved)
