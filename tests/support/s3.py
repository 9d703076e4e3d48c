"""An S3-compatible server for tests: moto's standalone server on 127.0.0.1 (no cloud).

``s3_server`` runs one for the session; ``s3_media`` gives each test a bucket of its own and
the environment (``AWS_ENDPOINT_URL``, credentials) under which boto3 reaches it, both for the
test process and for the ``heron server`` processes it starts.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support.postgres import free_port


@dataclass
class S3Media:
    """One test's bucket: ``url`` is what ``--media`` takes."""

    url: str
    bucket: str
    prefix: str
    env: dict[str, str]
    endpoint: str

    def client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test")

    def keys(self, under: str = "") -> list[str]:
        """Every key in the bucket under ``prefix/under``, relative to the prefix."""
        listed = self.client().list_objects_v2(Bucket=self.bucket,
                                               Prefix=f"{self.prefix}/{under}")
        return sorted(item["Key"][len(self.prefix) + 1:] for item in listed.get("Contents", []))


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """The endpoint of a moto S3 server (skips when moto is not installed)."""
    try:
        import boto3  # noqa: F401
        import moto.server  # noqa: F401
    except ImportError:
        pytest.skip("moto and boto3 are not installed: pip install 'heron[dev]'")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                             str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(endpoint + "/moto-api/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"moto's S3 server did not start on {endpoint}")
            time.sleep(0.2)
        yield endpoint
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@pytest.fixture
def s3_media(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> S3Media:
    """A new bucket, with boto3's environment pointing at it in this process too."""
    env = {"AWS_ENDPOINT_URL": s3_server, "AWS_ACCESS_KEY_ID": "test",
           "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    bucket = f"heron-{secrets.token_hex(6)}"
    media = S3Media(f"s3://{bucket}/team", bucket, "team", env, s3_server)
    media.client().create_bucket(Bucket=bucket)
    assert os.environ["AWS_ENDPOINT_URL"] == s3_server
    return media
