"""``heron server --media s3://...``: replicas that share only PostgreSQL and a bucket, clients
that send only the files the server lacks (straight into the bucket, in parts when large), and
reads answered with presigned URLs, in the SDK, ``heron.Api()`` and the dashboard."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

import heron
from heron.errors import CommError
from heron.sdk.remote import HttpSink
from heron.store.media_storage import media_key
from tests.support.s3 import S3Media
from tests.support.server import create_key, heron_servers

PROJECT = "bucketed"


def _use(monkeypatch: pytest.MonkeyPatch, url: str, key: str) -> None:
    monkeypatch.setenv("HERON_HOST", url)
    monkeypatch.setenv("HERON_API_KEY", key)


def test_replicas_share_only_postgresql_and_the_bucket(
        postgres_url: str, s3_media: S3Media, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    weights = os.urandom(300_000)
    (tmp_path / "w.bin").write_bytes(weights)
    picture = np.random.default_rng(0).integers(0, 255, (16, 24, 3), dtype=np.uint8)
    monkeypatch.chdir(tmp_path)  # nothing may be written beside the servers either
    with heron_servers(postgres_url, s3_media.url, count=2, env=s3_media.env) as (one, two):
        key = create_key(postgres_url, s3_media.url, env=s3_media.env)
        _use(monkeypatch, one.url, key)
        with heron.init(project=PROJECT, id="maker") as run:
            run.log({"sample": heron.Image(picture, caption="c"), "loss": 0.5})
            art = heron.Artifact("net", type="model")
            art.add_file(tmp_path / "w.bin")
            assert run.log_artifact(art).wait().version == "v0"
        stored = s3_media.keys("media/")
        assert media_key(hashlib.sha256(weights).hexdigest(), "") in stored
        assert len(stored) == 2 and not s3_media.keys("uploads/")
        assert not (tmp_path / "media").exists()

        # The other replica serves the run, its image and the artifact from the bucket.
        _use(monkeypatch, two.url, key)
        api = heron.Api()
        row = next(iter(api.run(f"{PROJECT}/maker").scan_history(keys=["sample"])))
        path = row["sample"]["path"]
        with httpx.Client(headers={"Authorization": f"Bearer {key}"}) as client:
            answer = client.get(f"{two.url}/api/v1/{path}")
            assert answer.status_code == 307
            assert answer.headers["location"].startswith(s3_media.endpoint)
            assert answer.headers["cache-control"] == "no-store"
        image = httpx.get(answer.headers["location"])  # the presigned URL needs no key
        assert image.headers["content-type"] == "image/png"
        assert image.headers["content-disposition"].startswith("inline")
        assert hashlib.sha256(image.content).hexdigest() in path
        folder = Path(api.artifact(f"{PROJECT}/net:latest").download(tmp_path / "out"))
        assert (folder / "w.bin").read_bytes() == weights

        # A second run logging the same weights through replica two sends nothing again.
        with heron.init(project=PROJECT, id="again") as run:
            again = heron.Artifact("net", type="model")
            again.add_file(tmp_path / "w.bin")
            assert run.log_artifact(again).wait().version == "v0"
        assert s3_media.keys("media/") == stored


def test_a_client_sends_only_what_the_bucket_lacks_and_large_files_in_parts(
        s3_media: S3Media, tmp_path: Path) -> None:
    env = {**s3_media.env, "HERON_S3_PART_MB": "5"}
    db = f"sqlite:///{tmp_path / 'server' / 'heron.db'}"
    (tmp_path / "server").mkdir()
    big = os.urandom(11 << 20)
    small = b"a table"
    files = []
    for name, data, suffix in (("big", big, ".ckpt"), ("small", small, ".table.json")):
        (tmp_path / name).write_bytes(data)
        files.append((media_key(hashlib.sha256(data).hexdigest(), suffix), tmp_path / name))
    with heron_servers(db, s3_media.url, env=env) as (server,):
        sink = HttpSink(server.url, server.wait_admin_key())
        sent: list[Any] = []
        sink.uploader._bucket_client().event_hooks["request"].append(sent.append)
        sink.deliver_media(files)
        assert [request.method for request in sent] == ["PUT"] * 4  # 3 parts + 1 file
        assert s3_media.keys("media/") == sorted(rel for rel, _ in files)
        with httpx.Client(headers={"Authorization": f"Bearer {sink.client.api_key}"},
                          follow_redirects=True) as client:
            fetched = client.get(f"{server.url}/api/v1/{files[0][0]}")
        assert hashlib.sha256(fetched.content).digest() == hashlib.sha256(big).digest()

        sent.clear()
        sink.deliver_media(files)  # one question, no bytes
        assert sent == []
        sink.close()


def test_the_dashboard_shows_images_from_the_bucket_under_its_policy(
        browser: Any, s3_media: S3Media, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    db = f"sqlite:///{tmp_path / 'server' / 'heron.db'}"
    (tmp_path / "server").mkdir()
    picture = np.full((12, 20, 3), 200, dtype=np.uint8)
    with heron_servers(db, s3_media.url, args=["--public-read"],
                       env=s3_media.env) as (server,):
        _use(monkeypatch, server.url, server.wait_admin_key())
        with heron.init(project=PROJECT, id="pictured") as run:
            run.log({"sample": heron.Image(picture)})
        policy = httpx.get(server.url + "/").headers["content-security-policy"]
        assert f"img-src 'self' data: blob: {s3_media.endpoint};" in policy
        # No bypass of the page's policy here: the image must be allowed by it.
        context = browser.new_context()
        try:
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if "Content Security Policy"
                    in m.text else None)
            page.goto(f"{server.url}/#/p/{PROJECT}/r/pictured/charts")
            page.locator('.media-panel[data-metric="sample"]').wait_for(state="attached",
                                                                       timeout=30_000)
            page.locator('.media-panel[data-metric="sample"]').evaluate(
                "el => el.scrollIntoView({block: 'center'})")
            page.locator(".media-panel .media-img img").first.wait_for(timeout=30_000)
            deadline = time.monotonic() + 30
            size = [0, 0]
            while time.monotonic() < deadline:
                size = page.evaluate(
                    "() => { const i = document.querySelector('.media-panel .media-img img');"
                    " return i && i.complete ? [i.naturalWidth, i.naturalHeight] : [0, 0]; }")
                if size[0]:
                    break
                time.sleep(0.2)
            assert size == [20, 12]
            source = page.evaluate("() => document.querySelector('.media-panel .media-img img')"
                                   ".currentSrc")
            assert source.startswith(server.url)  # the page asks the server, which redirects
            assert errors == []
        finally:
            context.close()


def test_an_upload_cut_off_part_way_resumes_with_the_parts_still_missing(
        s3_media: S3Media, tmp_path: Path) -> None:
    env = {**s3_media.env, "HERON_S3_PART_MB": "5"}
    db = f"sqlite:///{tmp_path / 'server' / 'heron.db'}"
    (tmp_path / "server").mkdir()
    data = os.urandom(12 << 20)  # three parts
    (tmp_path / "ckpt").write_bytes(data)
    files = [(media_key(hashlib.sha256(data).hexdigest(), ".ckpt"), tmp_path / "ckpt")]
    with heron_servers(db, s3_media.url, env=env) as (server,):
        sink = HttpSink(server.url, server.wait_admin_key())
        sent: list[Any] = []
        dropped: list[bool] = []

        def network(request: httpx.Request) -> None:
            sent.append(request)
            if len(sent) == 2 and not dropped:  # the link drops during the second part
                dropped.append(True)
                raise httpx.ReadError("connection reset by peer", request=request)

        sink.uploader._bucket_client().event_hooks["request"].append(network)
        with pytest.raises(CommError, match="could not send"):
            sink.deliver_media(files)
        assert s3_media.keys("media/") == []  # nothing half-stored under the key
        sent.clear()
        sink.deliver_media(files)  # the writer's retry
        assert len(sent) == 2  # parts 2 and 3 only
        assert s3_media.keys("media/") == [files[0][0]]
        with sink.client.http.stream("GET", "/" + files[0][0]) as response:
            digest = hashlib.sha256()
            for chunk in response.iter_bytes():
                digest.update(chunk)
        assert digest.digest() == hashlib.sha256(data).digest()
        sink.close()
