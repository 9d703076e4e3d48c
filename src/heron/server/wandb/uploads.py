"""``PUT /wandb-uploads/{run_pk}/{name}``: the files the client uploads to the URLs
``CreateRunFiles`` signed (it sends no key), stored in the media folder as the run's files."""

from __future__ import annotations

from collections.abc import Iterable

from heron import records as r
from heron.errors import RunNotFound
from heron.server.signing import Signer
from heron.server.wandb.media import suffix_of
from heron.store import SqlStore


def store_upload(store: SqlStore, signer: Signer, run_pk: int, name: str, user: str,
                 expires: str, signature: str, body: Iterable[bytes]) -> None:
    """``AuthError`` (401) for a URL this server did not sign or that expired; the file is
    then the run's file ``name`` (a new upload of a name replaces it). The body is streamed
    into the media storage, never held whole."""
    signer.check((str(run_pk), name, user), expires, signature)
    info = store.run_by_pk(run_pk)
    if info is None:
        raise RunNotFound(f"no run {run_pk} to upload {name!r} to")
    # Content-addressed with W&B's suffix: where ``media.to_heron`` points its references.
    path, hashing = store.media.put_stream(body, suffix_of(name))
    saved = r.FileSaved(name=name, path=path, size=hashing.size,
                        sha256=hashing.sha256.hexdigest())
    store.write(r.Batch(project=info.project, run_id=info.run_id, seq=0, entity=info.entity,
                        records=[saved]), user or None)
