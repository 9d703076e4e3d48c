"""Media uploads to a server whose media live in a folder: the question "which of these do you
lack?", streamed posts checked against the key the client named, and no size cap but the
disk's."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator

from heron.store.media_storage import media_key

from .conftest import Server

RAW = {"Content-Type": "application/octet-stream"}


def _key(data: bytes, suffix: str = ".bin") -> str:
    return media_key(hashlib.sha256(data).hexdigest(), suffix)


def test_the_server_says_which_files_it_lacks(server: Server) -> None:
    held, missing = b"held bytes", b"missing bytes"
    with server.client() as client:
        posted = client.post("/media", params={"suffix": ".bin"}, content=held, headers=RAW)
        assert posted.json() == {"path": _key(held)}
        answer = client.post("/media/uploads", json={"files": [
            {"path": _key(held), "size": len(held)},
            {"path": _key(missing), "size": len(missing)}]})
        assert answer.status_code == 200, answer.text
        assert answer.json()["files"] == [
            {"path": _key(held), "stored": True},
            {"path": _key(missing), "stored": False, "post": True}]  # through the server

        for bad in ({"files": [{"path": "../../etc/passwd", "size": 1}]},
                    {"files": [{"path": _key(held), "size": -1}]},
                    {"files": "all"}):
            refused = client.post("/media/uploads", json=bad)
            assert refused.status_code in (404, 422), (bad, refused.text)
        # Finishing an upload the server did not plan is refused.
        forged = client.post("/media/uploads/finish", json={
            "path": _key(missing), "token": "uploads/x", "signature": "exp=9999999999&sig=00"})
        assert forged.status_code == 401
    with server.client(key=None) as anyone:
        assert anyone.post("/media/uploads", json={"files": []}).status_code == 401


def test_a_post_naming_another_key_is_refused_and_nothing_is_kept(server: Server) -> None:
    with server.client() as client:
        claimed = _key(b"the real file")
        refused = client.post("/media", params={"suffix": ".bin", "path": claimed},
                              content=b"something else", headers=RAW)
        assert refused.status_code == 422 and claimed in refused.text
        assert client.get("/" + claimed).status_code == 404
        assert client.get("/" + _key(b"something else")).status_code == 404
        assert list((server.media / "media" / "incoming").iterdir()) == []
        bad_suffix = client.post("/media", params={"suffix": "/../x"}, content=b"x",
                                 headers=RAW)
        assert bad_suffix.status_code == 422


def test_a_file_past_the_old_64_mib_cap_is_streamed_to_disk(server: Server) -> None:
    block = os.urandom(1 << 20)
    count = 70
    digest = hashlib.sha256()
    for _ in range(count):
        digest.update(block)
    rel = media_key(digest.hexdigest(), ".ckpt")

    def body() -> Iterator[bytes]:
        for _ in range(count):
            yield block

    with server.client() as client:
        answer = client.post("/media", params={"suffix": ".ckpt", "path": rel}, content=body(),
                             headers=RAW, timeout=120)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"path": rel}
    assert (server.media / rel).stat().st_size == count << 20
