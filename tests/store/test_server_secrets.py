"""Secrets every replica shares (the W&B adapter's upload-URL signatures): made once, on first
use, the same for every store object on the database, on both backends."""

from __future__ import annotations

from heron.server.signing import Signer
from heron.store import SqlStore

from .conftest import OpenStore


def test_a_secret_is_made_once_and_shared_by_every_replica(store: SqlStore,
                                                          open_again: OpenStore) -> None:
    with store.access_session(write=True) as access:
        first = access.server_secret("upload-urls")
    assert len(first) == 32
    other = open_again()  # another replica on the same database
    with other.access_session(write=True) as access:
        assert access.server_secret("upload-urls") == first
        assert access.server_secret("something-else") != first

    signed = Signer(store).sign(("7", "output.log", "alice"))
    query = dict(part.split("=", 1) for part in signed.split("&"))
    Signer(other).check(("7", "output.log", "alice"), query["exp"], query["sig"])  # no error
