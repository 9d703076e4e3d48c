"""Signing in to a closed ``heron server`` (docs/security.md): the dashboard asks for a key,
trades it for an HttpOnly session cookie and never keeps it; charts, images and the live feed
work on the cookie; signing out or revoking the key ends the session; and no logged value makes
the page fetch from another origin."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlparse

import httpx
import pytest

from heron import records as r
from heron.store import open_store
from tests.web.conftest import (
    SIGN_IN_FORM,
    ClosedServer,
    PageProbe,
    screenshot,
    scroll_to,
    sdk_env,
    sign_in,
    sign_in_form,
)

pytestmark = pytest.mark.timeout(240)

PROJECT = "signin"
OFFSITE_PROJECT = "offsite"
OFFSITE_RUN = "offsiterun1"
STEPS = 20

# A run logged through the server with the admin's key: STEPS points and an image, then one
# more point once the page is open (the go file), then it ends (the done file).
LIVE = r"""
import os, sys, time
import numpy as np
import heron

id_file, go, done = sys.argv[1:4]
run = heron.init(project=%(project)r, name="signin-run", config={"lr": 0.1})
for step in range(%(steps)d):
    row = {"loss": 1.0 / (step + 1)}
    if step == 0:
        row["sample"] = heron.Image(np.full((8, 12, 3), 200, dtype=np.uint8), caption="grey")
    heron.log(row)
with open(id_file + ".tmp", "w") as f:
    f.write(run.id)
os.replace(id_file + ".tmp", id_file)
while not os.path.exists(go):
    time.sleep(0.05)
heron.log({"loss": 0.001})
while not os.path.exists(done):
    time.sleep(0.05)
heron.finish()
"""

# Media values whose paths point off-site (what a hostile client could log).
OFFSITE_PATHS = ["///attacker.example/x.png", "https://example.invalid/x.png"]


def offsite_row() -> dict[str, Any]:
    """One history row of media values whose files are off-site."""
    image = {"_type": "image-file", "width": 8, "height": 8, "format": "png"}
    return {
        "_step": 0, "_runtime": 0.0, "_timestamp": time.time(), "loss": 1.0,
        "slashes": {**image, "path": OFFSITE_PATHS[0]},
        "absolute": {**image, "path": OFFSITE_PATHS[1],
                     "masks": {"m": {"path": OFFSITE_PATHS[0], "class_labels": {"1": "x"}}}},
        "listed": {"_type": "images/separated", "width": 8, "height": 8, "count": 2,
                   "filenames": OFFSITE_PATHS},
        "sheet": {"_type": "table-file", "path": OFFSITE_PATHS[1], "nrows": 1, "ncols": 1},
    }


@dataclass
class Seeded:
    """The closed server, its live run (waiting for `go` to log one more point) and the
    off-site run (how it was written: `offsite_via`)."""

    server: ClosedServer
    run_id: str
    go: Path
    offsite_via: str

    @property
    def url(self) -> str:
        return self.server.url


def write_offsite_run(server: ClosedServer) -> str:
    """The off-site run, through the server's ingest; when the server refuses it, written
    straight into the store past its checks (a database filled before they existed, or by
    hand): its pages must fetch nothing off-site either way."""
    row = offsite_row()
    batch = r.Batch(project=OFFSITE_PROJECT, run_id=OFFSITE_RUN, seq=1, records=[
        r.RunStart(name="offsite-run", started_at=time.time()),
        r.HistoryRow(0, row),
        r.SummarySet({k: v for k, v in row.items() if not k.startswith("_")}),
        r.RunEnd(state="finished", exit_code=0, ended_at=time.time())])
    res = server.api("POST", "ingest", content=r.encode([batch]),
                     headers={"Content-Type": "application/msgpack"})
    if res.status_code == 200:
        return "ingest"
    store = open_store(server.store_url, media_root=server.media)
    try:
        with mock.patch("heron.store.apply.check_batch", lambda batch: None):
            store.write(batch, user="admin")
    finally:
        store.close()
    return f"store (ingest answered {res.status_code})"


@pytest.fixture(scope="module")
def closed(closed_server: ClosedServer) -> Iterator[Seeded]:
    home = closed_server.home
    env = sdk_env(home / "sdk")
    env.update(HERON_HOST=closed_server.url, HERON_API_KEY=closed_server.admin_key)
    id_file, go, done = home / "run-id", home / "go", home / "done"
    live = subprocess.Popen(
        [sys.executable, "-c", LIVE % {"project": PROJECT, "steps": STEPS}, str(id_file),
         str(go), str(done)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while not id_file.exists():
            if live.poll() is not None or time.monotonic() > deadline:
                err = live.stderr.read() if live.stderr else ""
                pytest.fail(f"the live run did not start:\n{err}")
            time.sleep(0.1)
        run_id = id_file.read_text()
        # every point and the image reached the server before any page opens
        while True:
            res = closed_server.api("GET", f"projects/{PROJECT}/runs/{run_id}")
            if res.status_code == 200 and res.json()["history_rows"] >= STEPS:
                break
            if time.monotonic() > deadline:
                pytest.fail(f"the run's points did not reach the server: {res.status_code} "
                            f"{res.text[:300]}")
            time.sleep(0.2)
        yield Seeded(closed_server, run_id, go, write_offsite_run(closed_server))
    finally:
        done.touch()
        try:
            live.wait(30)
        except subprocess.TimeoutExpired:
            live.kill()


def legend(page: Any, metric: str, run_id: str) -> Any:
    return page.locator(f'.chart[data-metric="{metric}"] .legend-item[data-run-id="{run_id}"]')


def test_sign_in_with_a_key_then_charts_images_and_live_points_on_the_cookie(
    closed: Seeded, visitor: PageProbe
) -> None:
    page = visitor.page
    context = page.context
    # a link to a run's charts, opened signed out: the sign-in page, and no data
    page.goto(f"{closed.url}/#/p/{PROJECT}/r/{closed.run_id}/charts")
    page.locator(SIGN_IN_FORM).wait_for()
    assert page.locator(".chart").count() == 0
    password = page.locator(f'{SIGN_IN_FORM} input')
    assert password.count() == 1 and password.get_attribute("type") == "password"
    screenshot(page, "signin-page")

    sign_in_form(page, "hk-" + "x" * 43)
    error = page.locator('[data-testid="signin-error"]')
    error.wait_for()
    assert "refused" in error.inner_text() and "unknown or revoked" in error.inner_text()
    assert page.locator(SIGN_IN_FORM).is_visible()
    screenshot(page, "signin-wrong-key")

    # the admin key signs in, and the page is the one the link named
    sign_in_form(page, closed.server.admin_key)
    item = legend(page, "loss", closed.run_id)
    item.wait_for()
    assert page.locator(SIGN_IN_FORM).count() == 0
    page.wait_for_function(
        "([sel, n]) => +(document.querySelector(sel)?.dataset.points ?? 0) === n",
        arg=[f'.chart[data-metric="loss"] .legend-item[data-run-id="{closed.run_id}"]', STEPS])
    menu = page.locator(".user-menu")
    assert menu.get_attribute("data-user") == "admin" and menu.get_attribute("data-role") == "admin"
    assert page.locator('[data-action="admin"]').is_visible()

    # the image panel's image decodes (the cookie authenticates <img src>)
    panel = scroll_to(page, '.media-panel[data-metric="sample"]')
    panel.locator(".media-img img").wait_for()
    page.wait_for_function(
        "() => { const i = document.querySelector('.media-panel[data-metric=\"sample\"] "
        ".media-img img'); return i && i.complete && i.naturalWidth > 0; }")

    # a point logged now arrives through the live feed (EventSource, cookie only)
    page.wait_for_selector(".live[data-live='live']")
    closed.go.touch()
    page.wait_for_function(
        "([sel, n]) => +(document.querySelector(sel)?.dataset.points ?? 0) === n",
        arg=[f'.chart[data-metric="loss"] .legend-item[data-run-id="{closed.run_id}"]', STEPS + 1],
        timeout=20_000)
    screenshot(page, "signin-run-charts")

    # the project list; a reload keeps the session (the cookie, not the page, holds it)
    page.click(".brand")
    page.locator(f'tr[data-project="{PROJECT}"]').wait_for()
    page.reload()
    page.locator(f'tr[data-project="{PROJECT}"]').wait_for()
    assert page.locator(SIGN_IN_FORM).count() == 0

    # the browser keeps no key: nothing in localStorage, the cookie is HttpOnly
    stored = page.evaluate("() => JSON.stringify(Object.entries(localStorage))")
    assert closed.server.admin_key not in stored and "heron.apiKey" not in stored
    cookies = {c["name"]: c for c in context.cookies()}
    assert "heron_session" in cookies, cookies.keys()
    session = cookies["heron_session"]
    assert session["httpOnly"] is True and session["sameSite"] == "Strict"
    assert closed.server.admin_key not in session["value"]
    assert "heron_session" not in page.evaluate("() => document.cookie")

    # signing out: the sign-in page, and the cookie no longer works
    page.click('[data-action="signout"]')
    page.locator(SIGN_IN_FORM).wait_for()
    assert context.request.get(f"{closed.url}/api/v1/me").status == 401
    res = httpx.get(f"{closed.url}/api/v1/projects",
                    cookies={"heron_session": session["value"]}, timeout=10)
    assert res.status_code == 401, res.text


def test_an_old_key_in_local_storage_is_forgotten(closed: Seeded, visitor: PageProbe) -> None:
    page = visitor.page
    context = page.context
    context.add_init_script(
        f"if (!sessionStorage.getItem('seeded')) {{ sessionStorage.setItem('seeded', '1');"
        f" localStorage.setItem('heron.apiKey', {closed.server.admin_key!r}); }}")
    page.goto(closed.url + "/")
    page.locator(SIGN_IN_FORM).wait_for()  # the old key signs nobody in
    assert page.evaluate("() => localStorage.getItem('heron.apiKey')") is None


def test_revoking_the_key_ends_the_session_within_seconds(
    closed: Seeded, visitor: PageProbe
) -> None:
    page = visitor.page
    context = page.context
    key, key_id = closed.server.new_user_key("ops", "admin")
    page.goto(f"{closed.url}/#/p/{PROJECT}")
    sign_in_form(page, key)
    page.locator(".runs-table .tr").first.wait_for()
    assert page.locator(".user-menu").get_attribute("data-user") == "ops"

    revoked = closed.server.api("DELETE", f"keys/{key_id}")
    assert revoked.status_code == 200, revoked.text
    start = time.monotonic()
    while context.request.get(f"{closed.url}/api/v1/me").status != 401:
        assert time.monotonic() - start < 3, "the session outlived its key by 3 s"
        time.sleep(0.1)
    # the next request the page makes answers 401: the sign-in page, saying why
    page.click(".brand")
    page.locator(SIGN_IN_FORM).wait_for(timeout=5_000)
    assert "session ended" in page.locator('[data-testid="signin-reason"]').inner_text()


def test_media_paths_off_site_make_the_page_fetch_nothing_off_site(
    closed: Seeded, visitor: PageProbe
) -> None:
    page = visitor.page
    context = page.context
    origin = urlparse(closed.url)
    requested: list[str] = []
    page.on("request", lambda req: requested.append(req.url))
    sign_in(context, closed.url, closed.server.admin_key)
    page.goto(f"{closed.url}/#/p/{OFFSITE_PROJECT}/r/{OFFSITE_RUN}/charts")
    page.wait_for_selector(".section")
    for metric in ("slashes", "absolute", "listed"):
        panel = scroll_to(page, f'.media-panel[data-metric="{metric}"]')
        panel.locator(".media-refused").first.wait_for()
    table = scroll_to(page, '.table-panel[data-metric="sheet"]')
    table.locator(".media-refused").wait_for()
    assert page.locator(".media-refused").count() >= 4
    screenshot(page, "media-refused")
    # the workspace's panels too
    page.goto(f"{closed.url}/#/p/{OFFSITE_PROJECT}")
    page.wait_for_selector(".runs-table .tr")
    panel = scroll_to(page, '.media-panel[data-metric="slashes"]')
    panel.locator(".media-refused").first.wait_for()
    page.wait_for_timeout(500)

    off_site = [u for u in requested
                if urlparse(u).scheme not in ("data", "blob")
                and (urlparse(u).hostname, urlparse(u).port) != (origin.hostname, origin.port)]
    assert not off_site, f"the page fetched off-site: {off_site}"
    assert not [u for u in requested if "attacker" in u or "example.invalid" in u]
    srcs = page.evaluate("() => [...document.querySelectorAll('img')].map(i => i.src)")
    assert all(s.startswith(closed.url) for s in srcs), srcs
