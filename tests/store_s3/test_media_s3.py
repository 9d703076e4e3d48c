"""``S3MediaStorage`` against a real S3-compatible server (moto's, on 127.0.0.1): the bytes,
presigned reads and uploads, multipart, and the check before an upload becomes its key."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import httpx
import pytest

from heron.errors import NotFound, ValueRejected
from heron.store.media_s3 import MIN_PART_SIZE, S3MediaStorage
from heron.store.media_storage import media_key, media_storage
from tests.support.relay import CountingRelay
from tests.support.s3 import S3Media


def _key_of(data: bytes, suffix: str = ".bin") -> str:
    return media_key(hashlib.sha256(data).hexdigest(), suffix)


def test_bytes_are_stored_content_addressed_under_the_prefix(s3_media: S3Media) -> None:
    storage = media_storage(s3_media.url)
    rel = storage.put(b"\x89PNG picture", ".png")
    assert rel == _key_of(b"\x89PNG picture", ".png")
    assert storage.put(b"\x89PNG picture", ".png") == rel  # stored once
    assert s3_media.keys() == [rel]
    assert storage.has(rel) and storage.size(rel) == len(b"\x89PNG picture")
    with storage.open(rel) as source:
        assert source.read() == b"\x89PNG picture"
    assert storage.local_path(rel) is None
    missing = _key_of(b"never stored")
    assert not storage.has(missing) and storage.size(missing) is None
    with pytest.raises(NotFound):
        storage.open(missing)
    with pytest.raises(NotFound, match="no media file"):
        storage.has("../secrets")  # only media keys are ever read


def test_a_stream_is_hashed_as_it_is_stored_and_checked_against_its_name(
        s3_media: S3Media) -> None:
    storage = media_storage(s3_media.url)
    chunks = [os.urandom(1 << 20) for _ in range(10)]  # past the in-memory spool
    whole = b"".join(chunks)
    rel, hashing = storage.put_stream(iter(chunks), ".ckpt", md5=True)
    assert rel == _key_of(whole, ".ckpt") and hashing.size == len(whole)
    assert hashing.md5_hex() == hashlib.md5(whole).hexdigest()
    with storage.open(rel) as source:
        assert hashlib.sha256(source.read()).hexdigest() == hashlib.sha256(whole).hexdigest()
    with pytest.raises(ValueRejected, match="not media/"):
        storage.put_stream([b"other bytes"], ".ckpt", expect=rel)
    assert s3_media.keys() == [rel]


def test_a_presigned_download_carries_the_type_and_disposition(s3_media: S3Media) -> None:
    storage = media_storage(s3_media.url)
    rel = storage.put(b"<svg onload=alert(1)>", ".svg")
    url = storage.download_url(rel, "x.svg", "application/octet-stream",
                               'attachment; filename="x.svg"')
    assert url is not None and url.startswith(s3_media.endpoint)
    response = httpx.get(url)  # no key: the URL carries its signature
    assert response.status_code == 200 and response.content == b"<svg onload=alert(1)>"
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"] == 'attachment; filename="x.svg"'
    assert storage.browser_origin() == s3_media.endpoint


def _upload(plan_parts: list[str], headers: dict[str, str], data: bytes, part_size: int
            ) -> list[str]:
    etags = []
    for number, url in enumerate(plan_parts):
        piece = data[number * part_size:(number + 1) * part_size]
        response = httpx.put(url, content=piece, headers=headers)
        assert response.status_code == 200, response.text
        etags.append(response.headers["etag"])
    return etags


def test_a_planned_single_upload_becomes_its_key_once_checked(s3_media: S3Media) -> None:
    storage = media_storage(s3_media.url)
    data = os.urandom(300_000)
    rel = _key_of(data)
    plan = storage.plan_upload(rel, len(data))
    assert plan is not None and len(plan.parts) == 1
    assert "x-amz-checksum-sha256" in plan.headers  # S3 itself refuses other bytes
    etags = _upload(plan.parts, plan.headers, data, plan.part_size)
    assert not storage.has(rel)  # not before the server checked it
    storage.finish_upload(rel, plan.token, etags)
    with storage.open(rel) as source:
        assert source.read() == data
    assert s3_media.keys() == [rel]  # the temporary key is gone


def test_a_large_file_goes_in_parts(s3_media: S3Media, monkeypatch: pytest.MonkeyPatch
                                    ) -> None:
    monkeypatch.setenv("HERON_S3_PART_MB", "5")
    storage = media_storage(s3_media.url)
    data = os.urandom(2 * MIN_PART_SIZE + 12345)
    rel = _key_of(data)
    plan = storage.plan_upload(rel, len(data))
    assert plan is not None and len(plan.parts) == 3 and plan.part_size == MIN_PART_SIZE
    storage.finish_upload(rel, plan.token, _upload(plan.parts, plan.headers, data,
                                                   plan.part_size))
    assert storage.size(rel) == len(data)
    with storage.open(rel) as source:
        assert hashlib.sha256(source.read()).digest() == hashlib.sha256(data).digest()
    assert s3_media.keys() == [rel]


def test_bytes_that_do_not_match_their_name_never_become_it(s3_media: S3Media) -> None:
    storage = media_storage(s3_media.url)
    claimed = _key_of(b"the real weights")
    plan = storage.plan_upload(claimed, 10)
    assert plan is not None
    # Without the signed checksum header (a storage that does not check it would keep them).
    etags = _upload(plan.parts, {}, b"evil bytes", plan.part_size)
    with pytest.raises(ValueRejected, match="do not hash to its name"):
        storage.finish_upload(claimed, plan.token, etags)
    assert not storage.has(claimed)
    assert s3_media.keys() == []
    with pytest.raises(ValueRejected, match="no upload of this storage"):
        storage.finish_upload(claimed, "media/ab/elsewhere", [])


def test_internal_files_live_beside_the_media(s3_media: S3Media) -> None:
    storage = media_storage(s3_media.url)
    storage.put_state("wandb-artifacts/abc/announced.json", b"{}")
    storage.put_state("wandb-artifacts/abc/uploads/f.json", b"[]")
    assert storage.get_state("wandb-artifacts/abc/announced.json") == b"{}"
    assert storage.get_state("wandb-artifacts/abc/missing") is None
    assert sorted(storage.state_names("wandb-artifacts")) == ["abc/announced.json",
                                                              "abc/uploads/f.json"]
    storage.drop_state("wandb-artifacts", older_than=0)  # nothing is that old
    assert len(list(storage.state_names("wandb-artifacts"))) == 2
    with pytest.raises(ValueRejected):
        storage.put_state("../escape", b"")
    assert storage.writable_problem() is None


def test_a_bucket_that_does_not_exist_is_named_when_writing(s3_media: S3Media,
                                                           tmp_path: Path) -> None:
    storage = media_storage(f"s3://no-such-bucket-{os.getpid()}/x")
    problem = storage.writable_problem()
    assert problem is not None and "NoSuchBucket" in problem
    with pytest.raises(OSError, match="no-such-bucket"):
        storage.put(b"x", ".bin")


def test_an_unannounced_upload_is_adopted_by_its_content(s3_media: S3Media) -> None:
    storage = media_storage(s3_media.url)
    incoming = storage.incoming
    assert incoming is not None
    data = os.urandom(3000)
    name = "wandb-run/7/0001-aa/media/images/a b.png"
    url = incoming.put_url(name)
    assert url is not None and url.startswith(s3_media.endpoint)
    assert httpx.put(url, content=data, timeout=30).status_code == 200
    assert incoming.names("wandb-run/7") == [name]
    assert incoming.names("wandb-run/8") == []

    adopted = incoming.adopt(name, ".png")
    assert adopted is not None
    rel, hashing = adopted
    assert rel == _key_of(data, ".png") and hashing.size == len(data)
    with storage.open(rel) as source:
        assert source.read() == data
    assert s3_media.keys("incoming/") == []
    assert incoming.adopt(name, ".png") is None  # adopted once; a retry finds nothing


def test_an_upload_that_is_not_its_md5_or_changed_meanwhile_is_refused(
        s3_media: S3Media) -> None:
    storage = S3MediaStorage.from_url(s3_media.url)
    incoming = storage.incoming
    assert incoming is not None
    data = b"announced" * 100
    name = "wandb-artifact/" + "a" * 32 + "/" + hashlib.md5(data).hexdigest()
    url = incoming.put_url(name)
    assert url is not None
    httpx.put(url, content=b"other bytes", timeout=30).raise_for_status()
    with pytest.raises(ValueRejected, match=hashlib.md5(b"other bytes").hexdigest()):
        incoming.adopt(name, "", hashlib.md5(data).hexdigest())
    assert s3_media.keys() == []  # refused bytes are neither kept nor stored

    # The temporary object was replaced after it was checked: the copy is refused.
    s3_media.client().put_object(Bucket=s3_media.bucket, Key="team/incoming/x", Body=data)
    with pytest.raises(ValueRejected, match="changed while it was checked"):
        storage.copy_checked("team/incoming/x", '"0123456789abcdef0123456789abcdef"',
                             _key_of(data))
    assert not storage.has(_key_of(data))

    # A name too long for a key gets no URL: the caller sends the file through the server.
    assert incoming.put_url("wandb-run/1/x/" + "n" * 1100) is None
    with pytest.raises(ValueRejected, match="plain relative path"):
        incoming.put_url("wandb-run/1/../../media/ab/cd")


def test_urls_are_signed_for_the_public_endpoint_when_one_is_set(
        s3_media: S3Media, monkeypatch: pytest.MonkeyPatch) -> None:
    # Outsiders reach the bucket through another address than the server (here a relay).
    relay = CountingRelay(int(s3_media.endpoint.rsplit(":", 1)[1]))
    public = f"http://127.0.0.1:{relay.port}"
    try:
        monkeypatch.setenv("HERON_S3_PUBLIC_ENDPOINT", public)
        storage = media_storage(s3_media.url)
        rel = storage.put(b"public bytes", ".txt")  # the server itself uses AWS_ENDPOINT_URL
        assert relay.sent == 0
        url = storage.download_url(rel, "a.txt", "text/plain", "attachment")
        assert url is not None and url.startswith(public + "/")
        assert httpx.get(url, timeout=30).content == b"public bytes"
        assert relay.sent > 0
        assert storage.browser_origin() == public
        assert storage.incoming is not None
        assert str(storage.incoming.put_url("wandb-run/1/x/f.txt")).startswith(public + "/")
    finally:
        relay.close()
    monkeypatch.setenv("HERON_S3_PUBLIC_ENDPOINT", "s3.example.com")
    with pytest.raises(ValueRejected, match="HERON_S3_PUBLIC_ENDPOINT"):
        media_storage(s3_media.url)
