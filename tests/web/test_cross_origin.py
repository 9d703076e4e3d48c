"""A page on another site cannot write to `heron ui` through its visitor's browser, and an HTML
file uploaded to Heron never runs as a page of Heron's origin.

The attack is the one a review reproduced: a page served from a second loopback origin posts
HTML media with `fetch(..., {mode: "no-cors"})` (and a batch of records, and forms) to an open
`heron ui`, then navigates to what it stored. Chromium is driven by Playwright, which also sees
the statuses the server answered with (the attacking page cannot).
"""

from __future__ import annotations

import hashlib
import http.server
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from heron import records as r
from tests.web.conftest import free_port, sdk_env

pytestmark = pytest.mark.timeout(180)

PAYLOAD = "<script>alert('stored xss')</script>"
BATCH = r.encode([r.Batch(project="forged", run_id="forged01", seq=1,
                          records=[r.RunStart(name="forged"), r.HistoryRow(0, {"x": 1.0})])])

ATTACK = """<!doctype html><meta charset="utf-8"><title>cat pictures</title>
<iframe name="sink1"></iframe><iframe name="sink2"></iframe>
<form id="text" method="POST" enctype="text/plain" target="sink1"
      action="%(heron)s/api/v1/ingest"><input name="x" value="y"></form>
<form id="multi" method="POST" enctype="multipart/form-data" target="sink2"
      action="%(heron)s/api/v1/media?suffix=.html">
  <input name="file" value="%(escaped)s"></form>
<script>
const heron = %(heron_js)s;
async function send(path, init) {
  try { await fetch(heron + path, {method: "POST", mode: "no-cors", ...init}); }
  catch (e) { /* the outcome is read by the test, not by this page */ }
}
(async () => {
  // Text: the browser labels it text/plain;charset=UTF-8.
  await send("/api/v1/media?suffix=.html", {body: %(payload_js)s});
  // A typed array: no Content-Type at all. A no-cors request cannot set another one: the
  // browser drops the header rather than ask the server.
  await send("/api/v1/ingest", {body: new Uint8Array(%(batch_js)s)});
  await send("/api/v1/ingest", {body: new Uint8Array(%(batch_js)s),
                                headers: {"Content-Type": "application/msgpack"}});
  document.getElementById("text").submit();
  await new Promise((done) => setTimeout(done, 300));
  document.getElementById("multi").submit();
  await new Promise((done) => setTimeout(done, 300));
  window.attackDone = true;
})();
</script>"""


class AttackSite:
    """A second web server on loopback serving one page (another origin than Heron's)."""

    def __init__(self) -> None:
        self.page = ""
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # the name http.server calls
                body = site.page.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def open_ui(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`heron ui` (open access: no keys at all) on a new, empty store; its URL and folder."""
    store = tmp_path / "store"
    port = free_port()
    env = sdk_env(store)
    env["HERON_CONFIG_DIR"] = str(tmp_path / "config")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from heron.cli import main; main()", "ui", "--port", str(port),
         "--no-browser"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "/api/v1/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"heron ui did not start: {proc.communicate()[1]}")
        time.sleep(0.1)
    yield url, store
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@pytest.fixture
def attack_site() -> Iterator[AttackSite]:
    site = AttackSite()
    yield site
    site.close()


class _Posts:
    """The POSTs a page sent to Heron and the statuses Heron answered with, as the browser's
    network layer saw them: the page itself cannot read them (no-cors), and Playwright reports
    a response the browser then blocks (Cross-Origin-Resource-Policy) as a failed request."""

    def __init__(self, heron: str) -> None:
        self.heron = heron
        self.sent: dict[str, str] = {}
        self.status: dict[str, int] = {}

    def on_sent(self, event: dict[str, Any]) -> None:
        request = event["request"]
        if request["method"] == "POST" and request["url"].startswith(self.heron):
            self.sent[event["requestId"]] = request["url"].removeprefix(self.heron)

    def on_answer(self, event: dict[str, Any]) -> None:
        if "statusCode" in event:
            self.status[event["requestId"]] = int(event["statusCode"])

    def answered(self) -> list[tuple[str, int]]:
        return [(url, self.status[rid]) for rid, url in self.sent.items() if rid in self.status]


def _watch_posts(context: Any, page: Any, heron: str) -> _Posts:
    posts = _Posts(heron)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on("Network.requestWillBeSent", posts.on_sent)
    cdp.on("Network.responseReceivedExtraInfo", posts.on_answer)
    return posts


def _media_files(store: Path) -> list[Path]:
    return sorted(p for p in (store / "media").rglob("*") if p.is_file())


@pytest.mark.parametrize("attacker_host", ["localhost", "127.0.0.1"],
                         ids=["cross-site", "same-host-other-port"])
def test_a_page_on_another_origin_stores_nothing(browser: Any, open_ui: tuple[str, Path],
                                                 attack_site: AttackSite,
                                                 attacker_host: str) -> None:
    heron, store = open_ui
    attack_site.page = ATTACK % {
        # "<\\/" keeps the payload's own "</script>" from ending the page's script.
        "heron": heron, "heron_js": json.dumps(heron),
        "payload_js": json.dumps(PAYLOAD).replace("</", "<\\/"),
        "escaped": PAYLOAD.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;"),
        "batch_js": json.dumps(list(BATCH)),
    }
    context = browser.new_context()
    page = context.new_page()
    posts = _watch_posts(context, page, heron)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(f"http://{attacker_host}:{attack_site.port}/")
        page.wait_for_function("() => window.attackDone === true", timeout=30_000)
        for _ in range(100):  # the last form's answer
            if len(posts.answered()) >= 5:
                break
            page.wait_for_timeout(100)
    finally:
        context.close()

    # Every forged request reached Heron and was refused: 403 for a page of another site.
    answered = posts.answered()
    assert len(answered) == 5, answered
    assert {status for _, status in answered} == {403}, answered
    # Nothing was stored: no run, no project, no media file.
    assert httpx.get(heron + "/api/v1/projects").json() == []
    digest = hashlib.sha256(PAYLOAD.encode()).hexdigest()
    assert httpx.get(f"{heron}/api/v1/media/{digest[:2]}/{digest}.html").status_code == 404
    assert _media_files(store) == []
    assert dialogs == []


def test_uploaded_html_and_svg_never_run_as_heron_pages(browser: Any,
                                                       open_ui: tuple[str, Path],
                                                       attack_site: AttackSite) -> None:
    heron, _ = open_ui
    uploads = {
        ".html": b"<script>alert('html')</script>",
        ".svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(\'svg\')"/>',
        ".xhtml": (b'<html xmlns="http://www.w3.org/1999/xhtml"><script>alert("xhtml")'
                   b"</script></html>"),
        ".txt": b"<script>alert('text')</script>",
        ".json": b'{"a": "<script>alert(\'json\')</script>"}',
    }
    paths = {}
    for suffix, body in uploads.items():  # uploaded the legitimate way, by a client
        res = httpx.post(f"{heron}/api/v1/media", params={"suffix": suffix}, content=body,
                         headers={"Content-Type": "application/octet-stream"})
        assert res.status_code == 200, res.text
        paths[suffix] = f"{heron}/api/v1/{res.json()['path']}"

    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        for suffix in (".html", ".svg", ".xhtml"):  # downloads, not pages
            with page.expect_download() as download:
                try:
                    page.goto(paths[suffix])
                except Exception as exc:  # Playwright: "Download is starting"
                    assert "Download is starting" in str(exc), exc
            assert download.value.suggested_filename.endswith(suffix)
        for suffix in (".txt", ".json"):  # shown, as text
            response = page.goto(paths[suffix])
            assert response is not None and response.status == 200
            assert "alert(" in page.locator("body").inner_text()
            assert page.evaluate("() => document.scripts.length") == 0
        # Framed by another site's page: refused (and a download anyway).
        attack_site.page = "".join(f'<iframe src="{paths[s]}"></iframe>' for s in paths)
        page.goto(f"http://localhost:{attack_site.port}/")
        page.wait_for_timeout(1000)
    finally:
        context.close()
    assert dialogs == []
