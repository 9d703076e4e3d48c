"""What the server sends browsers: stored files that never run as pages, security headers on
every response, and writes another site's page cannot forge (heron.server.file_responses,
heron.server.headers, heron.server.csrf)."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from heron import records as r
from heron.server.app import create_app
from heron.server.csrf import same_origin
from heron.store import SqlStore, open_store

MSGPACK = {"Content-Type": "application/msgpack"}
BYTES = {"Content-Type": "application/octet-stream"}
BOOT_SCRIPT = "document.documentElement.dataset.theme = 'dark';"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    opened = open_store(tmp_path / "store")
    yield opened
    opened.close()


@pytest.fixture
def static_dir(tmp_path: Path) -> Path:
    """A built dashboard: an index.html with an inline boot script, like web/index.html."""
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "index.html").write_text(
        f"<!doctype html><html><head><script>{BOOT_SCRIPT}</script></head>"
        '<body><div id="app"></div><script src="app.js"></script></body></html>')
    (folder / "app.js").write_text("console.log('dashboard');")
    return folder


@pytest.fixture
def client(store: SqlStore, static_dir: Path) -> TestClient:
    """``heron ui``: open access, no keys at all."""
    return TestClient(create_app(store, access="open", static_dir=static_dir,
                                 settle_seconds=None),
                      base_url="http://127.0.0.1:8080", raise_server_exceptions=False)


def upload(client: TestClient, body: bytes, suffix: str) -> str:
    response = client.post("/api/v1/media", params={"suffix": suffix}, content=body,
                           headers=BYTES)
    assert response.status_code == 200, response.text
    return str(response.json()["path"])


def assert_inert(response: Any) -> None:
    """The headers every stored file carries: no sniffing, and a policy that runs nothing."""
    assert response.headers["x-content-type-options"] == "nosniff"
    policy = response.headers["content-security-policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy
    assert "script-src" not in policy


# -- stored files ----------------------------------------------------------------------------

@pytest.mark.parametrize(("suffix", "content_type"), [
    (".png", "image/png"), (".jpg", "image/jpeg"), (".jpeg", "image/jpeg"),
    (".gif", "image/gif"), (".webp", "image/webp"), (".avif", "image/avif"),
    (".bmp", "image/bmp"), (".mp4", "video/mp4"), (".webm", "video/webm"),
    (".ogg", "audio/ogg"), (".wav", "audio/wav"), (".mp3", "audio/mpeg"),
    (".flac", "audio/flac"), (".txt", "text/plain; charset=utf-8"),
    (".json", "application/json"), (".table.json", "application/json"),
    (".mask.png", "image/png"), (".csv", "text/csv; charset=utf-8"), (".PNG", "image/png"),
])
def test_passive_media_are_shown_inline_under_their_type(client: TestClient, suffix: str,
                                                         content_type: str) -> None:
    path = upload(client, b"passive bytes " + suffix.encode(), suffix)

    response = client.get("/api/v1/" + path)

    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.headers["content-disposition"].startswith("inline;")
    assert_inert(response)


@pytest.mark.parametrize("suffix", [".html", ".htm", ".svg", ".xhtml", ".xml", ".js", ".mjs",
                                    ".xsl", ".pdf", ".swf", ".bin", ".table.html", ""])
def test_anything_else_is_a_download_of_bytes(client: TestClient, suffix: str) -> None:
    body = b"<script>alert(document.domain)</script>" + suffix.encode()
    path = upload(client, body, suffix)

    response = client.get("/api/v1/" + path)

    assert response.status_code == 200 and response.content == body
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert_inert(response)


def test_a_range_of_a_video_is_served_for_seeking(client: TestClient) -> None:
    path = upload(client, bytes(range(256)) * 4, ".mp4")

    response = client.get("/api/v1/" + path, headers={"Range": "bytes=10-19"})

    assert response.status_code == 206 and response.content == bytes(range(10, 20))
    assert_inert(response)


def test_a_runs_files_are_downloads_that_never_run(client: TestClient, store: SqlStore) -> None:
    page = b"<html><script>alert(1)</script></html>"
    saved = upload(client, page, ".html")
    picture = upload(client, b"\x89PNG not really", ".png")
    store.write(r.Batch(project="proj", run_id="run1", seq=1, records=[
        r.RunStart(name="one", config={"lr": 0.1}),
        r.FileSaved("report.html", saved, len(page), hashlib.sha256(page).hexdigest()),
        r.FileSaved("plot.png", picture, 16, "0" * 64),
    ]))
    base = "/api/v1/projects/proj/runs/run1/files/"

    html = client.get(base + "report.html")
    png = client.get(base + "plot.png")
    config = client.get(base + "config.yaml")

    assert html.content == page and html.headers["content-type"] == "application/octet-stream"
    assert png.headers["content-type"] == "image/png"  # a download, under its type
    assert "value: 0.1" in config.text
    for response in (html, png, config):
        assert response.status_code == 200
        assert response.headers["content-disposition"].startswith("attachment;")
        assert_inert(response)


# -- security headers ------------------------------------------------------------------------

def test_the_dashboard_page_allows_only_its_own_scripts(client: TestClient) -> None:
    response = client.get("/")

    assert response.status_code == 200
    policy = dict(part.strip().split(" ", 1) for part in
                  response.headers["content-security-policy"].split(";"))
    digest = base64.b64encode(hashlib.sha256(BOOT_SCRIPT.encode()).digest()).decode()
    assert policy["script-src"] == f"'self' 'sha256-{digest}'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["connect-src"] == "'self'"
    assert policy["img-src"] == "'self' data: blob:"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


def test_a_dashboard_rebuilt_while_the_server_runs_is_allowed_its_new_script(
        client: TestClient, static_dir: Path) -> None:
    before = client.get("/").headers["content-security-policy"]
    index = static_dir / "index.html"
    index.write_text("<!doctype html><script>window.rebuilt = true;</script>")
    stat = index.stat()
    os.utime(index, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))

    after = client.get("/").headers["content-security-policy"]

    digest = base64.b64encode(hashlib.sha256(b"window.rebuilt = true;").digest()).decode()
    assert after != before and f"'sha256-{digest}'" in after


def test_a_reload_answered_304_keeps_the_pages_policy(client: TestClient) -> None:
    first = client.get("/")
    again = client.get("/", headers={"If-None-Match": first.headers["etag"]})

    # The browser applies a 304's headers to the page it keeps: the same policy, not an
    # API's "run nothing" one (which would stop the dashboard's own script).
    assert again.status_code == 304
    assert again.headers["content-security-policy"] == first.headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/api/v1/health", "/api/v1/projects", "/api/v1/nothing",
                                  "/api/v1/media/ab/nothing.png"])
def test_every_api_response_is_inert(client: TestClient, path: str) -> None:
    response = client.get(path)

    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cross-origin-resource-policy"] == "same-origin"
    assert response.headers["content-security-policy"].startswith("default-src 'none'")


def test_the_api_docs_still_load_swagger(client: TestClient) -> None:
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    assert "cdn.jsdelivr.net" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_a_server_without_a_built_dashboard_says_so_under_the_policy(store: SqlStore) -> None:
    bare = TestClient(create_app(store, access="open", static_dir=None, settle_seconds=None))

    response = bare.get("/")

    assert response.status_code == 200 and "has not been built" in response.text
    assert "script-src 'self';" in response.headers["content-security-policy"]


# -- cross-site writes -----------------------------------------------------------------------

def batch(run_id: str = "run1") -> bytes:
    return r.encode([r.Batch(project="proj", run_id=run_id, seq=1,
                             records=[r.RunStart(name="n"), r.HistoryRow(0, {"x": 1.0})])])


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},  # another port of the same host is another site's page
    {"Origin": "http://evil.example"},
    {"Origin": "http://127.0.0.1:9999"},  # another port
    {"Origin": "http://localhost:8080"},  # another name for the same address
    {"Origin": "null"},  # a sandboxed frame, or a page that hides where it is
    {"Origin": "http://127.0.0.1:8080", "Sec-Fetch-Site": "cross-site"},
], ids=lambda h: ",".join(f"{k}={v}" for k, v in h.items()))
def test_a_write_from_another_sites_page_is_refused_with_403(
        client: TestClient, store: SqlStore, headers: dict[str, str]) -> None:
    responses = [
        client.post("/api/v1/ingest", content=batch(), headers={**MSGPACK, **headers}),
        client.post("/api/v1/media", params={"suffix": ".html"}, content=b"<script>",
                    headers={**BYTES, **headers}),
        client.patch("/api/v1/projects/proj/runs/run1", json={"name": "x"}, headers=headers),
        client.delete("/api/v1/projects/proj/runs/run1", headers=headers),
        client.post("/api/v1/sweeps", json={"config": {}, "project": "proj"}, headers=headers),
    ]

    for response in responses:
        assert response.status_code == 403, response.text
        assert "refused" in response.json()["detail"]
        assert response.headers["x-content-type-options"] == "nosniff"
    assert store.list_projects() == []
    assert not (store.media_root / "media").exists()


@pytest.mark.parametrize("content_type", [None, "text/plain", "text/plain;charset=UTF-8",
                                          "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", " Text/Plain "])
def test_a_post_a_form_could_send_is_refused_with_415(client: TestClient, store: SqlStore,
                                                      content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type is not None else {}

    ingest = client.post("/api/v1/ingest", content=batch(), headers=headers)
    media = client.post("/api/v1/media", params={"suffix": ".html"}, content=b"<script>",
                        headers=headers)

    for response in (ingest, media):
        assert response.status_code == 415, response.text
        detail = response.json()["detail"]
        for accepted in ("application/msgpack", "application/octet-stream", "application/json"):
            assert accepted in detail
    assert store.list_projects() == []


@pytest.mark.parametrize("headers", [
    {},  # a client outside a browser (the SDK, curl): no Origin, no Sec-Fetch-Site
    {"Sec-Fetch-Site": "same-origin", "Origin": "http://127.0.0.1:8080"},  # the dashboard
    {"Sec-Fetch-Site": "none"},  # typed by the user
])
def test_heron_clients_and_the_dashboard_still_write(client: TestClient,
                                                     headers: dict[str, str]) -> None:
    assert client.post("/api/v1/ingest", content=batch(),
                       headers={**MSGPACK, **headers}).status_code == 200
    assert client.post("/api/v1/media", params={"suffix": ".png"}, content=b"png",
                       headers={**BYTES, **headers}).status_code == 200
    edited = client.patch("/api/v1/projects/proj/runs/run1", json={"name": "renamed"},
                          headers=headers)
    assert edited.status_code == 200 and edited.json()["name"] == "renamed"
    sweep = client.post("/api/v1/sweeps", headers=headers, json={
        "config": {"method": "grid", "parameters": {"x": {"values": [1]}}}, "project": "proj"})
    assert sweep.status_code == 200, sweep.text
    assert client.delete("/api/v1/projects/proj/runs/run1",
                         headers=headers).status_code == 200


def test_reads_from_anywhere_are_not_refused_by_the_write_rules(client: TestClient) -> None:
    response = client.get("/api/v1/projects", headers={"Sec-Fetch-Site": "cross-site",
                                                       "Origin": "http://evil.example"})

    assert response.status_code == 200  # a read changes nothing; CORS keeps its answer private
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize(("origin", "host", "same"), [
    ("http://127.0.0.1:8080", "127.0.0.1:8080", True),
    ("http://LOCALHOST:8080", "localhost:8080", True),
    ("https://heron.example", "heron.example", True),  # behind a TLS proxy that keeps Host
    ("https://heron.example", "heron.example:443", True),
    ("http://heron.example", "heron.example:80", True),
    ("http://[::1]:8080", "[::1]:8080", True),
    ("https://heron.example", "heron.example:8080", False),
    ("http://heron.example.evil", "heron.example", False),
    ("http://127.0.0.1:8080", "127.0.0.1:8081", False),
    ("null", "127.0.0.1:8080", False),
    ("file://", "127.0.0.1:8080", False),
    ("http://127.0.0.1:port", "127.0.0.1:8080", False),
    ("http://127.0.0.1:8080", "", False),
])
def test_origin_matching(origin: str, host: str, same: bool) -> None:
    assert same_origin(origin, host) is same
