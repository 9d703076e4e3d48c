"""``S3MediaStorage``: media in an S3-compatible bucket, under ``s3://bucket/prefix/media/...``.

Clients upload to and browsers download from presigned URLs, so large bytes go between them
and the bucket, not through the server. An upload lands on a temporary key first; the server
makes it the content-addressed key only after checking that its bytes hash to the name
(``finish_upload``), so a stored key can be trusted by everyone who deduplicates against it.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from heron.errors import NotFound, StoreError, ValueRejected
from heron.media.base import MediaWriteError
from heron.store.media_storage import (
    Hashing,
    IncomingUploads,
    UploadPlan,
    check_media_key,
    check_state_name,
    check_suffix,
    media_key,
    sha256_of_key,
)

PART_SIZE = 64 << 20
"""Files up to this size go in one PUT; larger ones as multipart uploads of this part size
(``HERON_S3_PART_MB`` sets another; S3 takes parts of 5 MiB and more)."""
MIN_PART_SIZE = 5 << 20
URL_SECONDS = 3600
"""How long a presigned URL works."""
SPOOL_BYTES = 8 << 20
"""A stream the server stores is kept in memory up to this size, then on local disk."""
_CACHED_SIZES = 4096
MAX_KEY_BYTES = 1024
"""S3's longest key."""
_MISSING = ("404", "NoSuchKey", "NotFound")


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


class S3MediaStorage:
    """Media under ``prefix`` in ``bucket``, reached with a boto3 S3 ``client``."""

    def __init__(self, client: Any, bucket: str, prefix: str = "",
                 part_size: int = PART_SIZE, presigner: Any = None) -> None:
        if part_size < MIN_PART_SIZE:
            raise ValueRejected(f"S3 part size {part_size} is under S3's minimum of "
                                f"{MIN_PART_SIZE} bytes")
        self.part_size = part_size
        self.client = client
        self.presigner = presigner or client
        """The client that signs the URLs browsers and clients use: the same one, or one
        for the public endpoint (``HERON_S3_PUBLIC_ENDPOINT``) when they reach the bucket
        at another address than the server does."""
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.description = f"s3://{bucket}/{self.prefix}"
        # Stored keys never change, so their sizes can be remembered.
        self._sizes: OrderedDict[str, int] = OrderedDict()
        self._sizes_lock = threading.Lock()
        self.incoming: IncomingUploads | None = S3IncomingUploads(self)

    @classmethod
    def from_url(cls, url: str) -> S3MediaStorage:
        """``s3://bucket/prefix``, with boto3's usual configuration from the environment."""
        try:
            import boto3
            from botocore.config import Config
        except ImportError:
            raise StoreError("S3 media storage needs boto3: pip install 'heron[s3]'") from None
        parts = urlsplit(url)
        if not parts.netloc:
            raise ValueRejected(f"media storage {url!r} names no bucket (s3://bucket/prefix)")
        # Path-style addressing keeps presigned URLs on the endpoint's own host, which
        # S3-compatible servers (MinIO, moto, Ceph) need; AWS accepts it too.
        config = Config(signature_version="s3v4", s3={"addressing_style": "path"},
                        retries={"max_attempts": 5, "mode": "standard"})
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") \
            or "us-east-1"
        client = boto3.client("s3", config=config, region_name=region)
        public = os.environ.get("HERON_S3_PUBLIC_ENDPOINT", "").strip()
        if public and not urlsplit(public).netloc:
            raise ValueRejected(f"HERON_S3_PUBLIC_ENDPOINT={public!r} is not a URL "
                                "(https://s3.example.com)")
        # Presigning is local: a second client only signs for the address outsiders use.
        presigner = boto3.client("s3", config=config, region_name=region,
                                 endpoint_url=public) if public else None
        part_mb = os.environ.get("HERON_S3_PART_MB", "")
        try:
            part_size = int(float(part_mb) * (1 << 20)) if part_mb else PART_SIZE
        except ValueError:
            raise ValueRejected(f"HERON_S3_PART_MB={part_mb!r} is not a number") from None
        return cls(client, parts.netloc, parts.path, part_size, presigner)

    # -- keys --------------------------------------------------------------------------------
    def _key(self, rel: str) -> str:
        return self.prefix + check_media_key(rel)

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            return dict(self.client.head_object(Bucket=self.bucket, Key=key,
                                                ChecksumMode="ENABLED"))
        except Exception as exc:
            if _error_code(exc) in _MISSING:
                return None
            raise self._failure("read", key, exc) from exc

    def _failure(self, doing: str, key: str, exc: Exception) -> StoreError:
        error = MediaWriteError if doing == "write" else StoreError
        return error(f"cannot {doing} s3://{self.bucket}/{key}: {exc}")

    def _remember(self, rel: str, size: int) -> None:
        with self._sizes_lock:
            self._sizes[rel] = size
            self._sizes.move_to_end(rel)
            while len(self._sizes) > _CACHED_SIZES:
                self._sizes.popitem(last=False)

    # -- writing -----------------------------------------------------------------------------
    def put(self, data: bytes, suffix: str) -> str:
        return self.put_stream([data], suffix)[0]

    def put_stream(self, chunks: Iterable[bytes], suffix: str,
                   expect: str | None = None, md5: bool = False) -> tuple[str, Hashing]:
        check_suffix(suffix)
        hashing = Hashing(md5)
        # The key is the hash, known only at the end: keep the bytes aside meanwhile (in
        # memory while small, then on local disk), never whole in memory.
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            for chunk in chunks:
                hashing.update(chunk)
                spool.write(chunk)
            rel = media_key(hashing.sha256.hexdigest(), suffix)
            if expect is not None and rel != expect:
                raise ValueRejected(f"the uploaded bytes are {rel}, not {expect}")
            if not self.has(rel):
                spool.seek(0)
                try:
                    self.client.upload_fileobj(spool, self.bucket, self._key(rel))
                except Exception as exc:
                    raise self._failure("write", self._key(rel), exc) from exc
            self._remember(rel, hashing.size)
        return rel, hashing

    def put_file(self, source: Path, rel: str) -> None:
        if self.has(rel):
            return
        try:
            self.client.upload_file(str(source), self.bucket, self._key(rel))
        except Exception as exc:
            raise self._failure("write", self._key(rel), exc) from exc

    # -- reading -----------------------------------------------------------------------------
    def has(self, rel: str) -> bool:
        return self.size(rel) is not None

    def size(self, rel: str) -> int | None:
        with self._sizes_lock:
            known = self._sizes.get(rel)
        if known is not None:
            return known
        head = self._head(self._key(rel))
        if head is None:
            return None
        self._remember(rel, int(head["ContentLength"]))
        return int(head["ContentLength"])

    def open(self, rel: str) -> AbstractContextManager[IO[bytes]]:
        key = self._key(rel)
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        except Exception as exc:
            if _error_code(exc) in _MISSING:
                raise NotFound(f"the stored file {rel} is missing from {self.description}"
                               ) from None
            raise self._failure("read", key, exc) from exc
        return contextlib.closing(body)

    def local_path(self, rel: str) -> Path | None:
        return None

    def download_url(self, rel: str, filename: str, media_type: str,
                     disposition: str) -> str | None:
        return str(self.presigner.generate_presigned_url(
            "get_object", ExpiresIn=URL_SECONDS,
            Params={"Bucket": self.bucket, "Key": self._key(rel),
                    "ResponseContentType": media_type,
                    "ResponseContentDisposition": disposition}))

    def browser_origin(self) -> str | None:
        parts = urlsplit(str(self.presigner.meta.endpoint_url))
        return f"{parts.scheme}://{parts.netloc}"

    # -- uploads straight to the bucket -------------------------------------------------------
    def plan_upload(self, rel: str, size: int) -> UploadPlan | None:
        check_media_key(rel)
        temporary = f"{self.prefix}uploads/{secrets.token_hex(16)}"
        checksum = base64.b64encode(bytes.fromhex(sha256_of_key(rel))).decode()
        try:
            if size <= self.part_size:
                # The signed checksum makes S3 itself refuse other bytes (where the storage
                # checks it; finish_upload checks in any case).
                url = self.presigner.generate_presigned_url(
                    "put_object", ExpiresIn=URL_SECONDS,
                    Params={"Bucket": self.bucket, "Key": temporary,
                            "ChecksumSHA256": checksum})
                return UploadPlan([str(url)], self.part_size, temporary,
                                  {"x-amz-checksum-sha256": checksum})
            upload = self.client.create_multipart_upload(Bucket=self.bucket, Key=temporary)
            upload_id = str(upload["UploadId"])
            urls = [str(self.presigner.generate_presigned_url(
                "upload_part", ExpiresIn=URL_SECONDS,
                Params={"Bucket": self.bucket, "Key": temporary, "UploadId": upload_id,
                        "PartNumber": number}))
                for number in range(1, -(-size // self.part_size) + 1)]
        except Exception as exc:
            raise self._failure("write", temporary, exc) from exc
        return UploadPlan(urls, self.part_size, f"{temporary} {upload_id}")

    def finish_upload(self, rel: str, token: str, etags: list[str]) -> None:
        key = self._key(rel)
        temporary, _, upload_id = token.partition(" ")
        if not temporary.startswith(f"{self.prefix}uploads/"):
            raise ValueRejected("the upload token names no upload of this storage")
        try:
            if upload_id:
                self.client.complete_multipart_upload(
                    Bucket=self.bucket, Key=temporary, UploadId=upload_id,
                    MultipartUpload={"Parts": [{"ETag": etag, "PartNumber": number}
                                               for number, etag in enumerate(etags, 1)]})
            if self.has(rel):
                return  # someone stored the same bytes meanwhile
            head = self._head(temporary)
            if head is None:
                raise ValueRejected(f"nothing was uploaded for {rel}; send it again")
            if not self._holds(temporary, head, rel):
                raise ValueRejected(f"the bytes uploaded for {rel} do not hash to its name")
            self.copy_checked(temporary, str(head["ETag"]), rel)
            self._remember(rel, int(head["ContentLength"]))
        except (ValueRejected, StoreError):
            raise
        except Exception as exc:
            raise self._failure("write", key, exc) from exc
        finally:
            with contextlib.suppress(Exception):
                self.client.delete_object(Bucket=self.bucket, Key=temporary)

    def _holds(self, temporary: str, head: dict[str, Any], rel: str) -> bool:
        """Whether the object at ``temporary`` is the bytes ``rel`` names: by the checksum
        the storage computed on arrival when it keeps one, else by reading it through."""
        expected = bytes.fromhex(sha256_of_key(rel))
        stored = head.get("ChecksumSHA256")
        if stored and "-" not in stored:  # a whole-object checksum, not one of parts
            return bool(base64.b64decode(stored) == expected)
        hashing = Hashing()
        body = self.client.get_object(Bucket=self.bucket, Key=temporary,
                                      IfMatch=head["ETag"])["Body"]
        read_through(body, hashing)
        return hashing.sha256.digest() == expected

    def copy_checked(self, source: str, etag: str, rel: str) -> None:
        """Copy the object at ``source`` to ``rel`` only while it is still the one whose
        bytes were checked (its ``etag``): a presigned URL can be used again meanwhile."""
        try:
            self.client.copy({"Bucket": self.bucket, "Key": source}, self.bucket,
                             self._key(rel), ExtraArgs={"CopySourceIfMatch": etag})
        except Exception as exc:
            if _error_code(exc) in ("412", "PreconditionFailed"):
                raise ValueRejected(f"the upload for {rel} changed while it was checked; "
                                    "send it again") from None
            raise

    # -- internal files ----------------------------------------------------------------------
    def put_state(self, name: str, data: bytes) -> None:
        key = self.prefix + check_state_name(name)
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data)
        except Exception as exc:
            raise self._failure("write", key, exc) from exc

    def get_state(self, name: str) -> bytes | None:
        key = self.prefix + check_state_name(name)
        try:
            return bytes(self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        except Exception as exc:
            if _error_code(exc) in _MISSING:
                return None
            raise self._failure("read", key, exc) from exc

    def _objects(self, prefix: str) -> Iterator[dict[str, Any]]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + check_state_name(prefix) + "/")
        for page in pages:
            yield from page.get("Contents", [])

    def state_names(self, prefix: str) -> Iterator[str]:
        start = len(self.prefix + prefix) + 1
        for item in self._objects(prefix):
            yield str(item["Key"])[start:]

    def drop_state(self, prefix: str, older_than: float) -> None:
        with contextlib.suppress(Exception):
            for item in self._objects(prefix):
                if item["LastModified"].timestamp() < older_than:
                    self.client.delete_object(Bucket=self.bucket, Key=item["Key"])

    def writable_problem(self) -> str | None:
        key = f"{self.prefix}.heron-write-check-{secrets.token_hex(4)}"
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=b"")
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            return str(exc)
        return None


def read_through(body: Any, hashing: Hashing) -> None:
    """Feed a streamed object body to ``hashing`` in 1 MiB chunks, then close it."""
    with contextlib.closing(body):
        for chunk in iter(lambda: body.read(1 << 20), b""):
            hashing.update(chunk)


class S3IncomingUploads:
    """``IncomingUploads`` in the bucket, under ``prefix/incoming/`` (a lifecycle rule that
    expires objects there after a few days clears uploads nobody reported)."""

    def __init__(self, storage: S3MediaStorage) -> None:
        self.storage = storage

    def _key(self, name: str) -> str | None:
        parts = name.split("/")
        if not name or "\0" in name or any(p in ("", ".", "..") for p in parts):
            raise ValueRejected(f"upload name {name[:200]!r} is not a plain relative path")
        key = f"{self.storage.prefix}incoming/{name}"
        return key if len(key.encode()) <= MAX_KEY_BYTES else None

    def _required_key(self, name: str) -> str:
        key = self._key(name)
        if key is None:
            raise ValueRejected(f"upload name {name[:200]!r} is too long for a bucket key")
        return key

    def put_url(self, name: str, content_md5: str | None = None) -> str | None:
        key = self._key(name)
        if key is None:
            return None
        params: dict[str, str] = {"Bucket": self.storage.bucket, "Key": key}
        if content_md5:
            params["ContentMD5"] = content_md5
        try:
            return str(self.storage.presigner.generate_presigned_url(
                "put_object", ExpiresIn=URL_SECONDS, Params=params))
        except Exception as exc:
            raise self.storage._failure("write", key, exc) from exc

    def start_multipart(self, name: str, parts: int) -> tuple[str, list[str]]:
        key = self._required_key(name)
        client, bucket = self.storage.client, self.storage.bucket
        try:
            upload_id = str(client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"])
            return upload_id, [str(self.storage.presigner.generate_presigned_url(
                "upload_part", ExpiresIn=URL_SECONDS,
                Params={"Bucket": bucket, "Key": key, "UploadId": upload_id,
                        "PartNumber": number})) for number in range(1, parts + 1)]
        except Exception as exc:
            raise self.storage._failure("write", key, exc) from exc

    def complete_multipart(self, name: str, upload_id: str, etags: list[str]) -> None:
        key = self._required_key(name)
        try:
            self.storage.client.complete_multipart_upload(
                Bucket=self.storage.bucket, Key=key, UploadId=upload_id,
                MultipartUpload={"Parts": [{"ETag": etag, "PartNumber": number}
                                           for number, etag in enumerate(etags, 1)]})
        except Exception as exc:
            if _error_code(exc) in ("InvalidPart", "InvalidPartOrder", "NoSuchUpload",
                                    "EntityTooSmall"):
                raise ValueRejected(f"the parts of {name[:200]!r} do not make an upload: "
                                    f"{exc}") from None
            raise self.storage._failure("write", key, exc) from exc

    def names(self, prefix: str) -> list[str]:
        start = f"{self.storage.prefix}incoming/"
        found: list[str] = []
        pages = self.storage.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.storage.bucket, Prefix=self._required_key(prefix.rstrip("/")) + "/")
        try:
            for page in pages:
                found.extend(str(item["Key"])[len(start):] for item in page.get("Contents", []))
        except Exception as exc:
            raise self.storage._failure("read", start + prefix, exc) from exc
        return sorted(found)

    def adopt(self, name: str, suffix: str, md5_hex: str | None = None
              ) -> tuple[str, Hashing] | None:
        check_suffix(suffix)
        key = self._required_key(name)
        storage = self.storage
        try:
            got = storage.client.get_object(Bucket=storage.bucket, Key=key)
        except Exception as exc:
            if _error_code(exc) in _MISSING:
                return None  # never uploaded, or another request adopted it already
            raise storage._failure("read", key, exc) from exc
        hashing = Hashing(md5=md5_hex is not None)
        read_through(got["Body"], hashing)
        if md5_hex is not None and hashing.md5_hex() != md5_hex:
            self.drop(name)
            raise ValueRejected(f"the file uploaded as md5 {md5_hex} has md5 "
                                f"{hashing.md5_hex()}: it changed while it was sent; "
                                "send it again")
        rel = media_key(hashing.sha256.hexdigest(), suffix)
        try:
            if not storage.has(rel):
                storage.copy_checked(key, str(got["ETag"]), rel)
        except (ValueRejected, StoreError):
            raise
        except Exception as exc:
            raise storage._failure("write", storage._key(rel), exc) from exc
        storage._remember(rel, hashing.size)
        self.drop(name)
        return rel, hashing

    def drop(self, name: str) -> None:
        with contextlib.suppress(Exception):
            self.storage.client.delete_object(Bucket=self.storage.bucket,
                                              Key=self._required_key(name))
