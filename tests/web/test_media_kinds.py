"""Video, audio, HTML and plotly panels on a run page, under the dashboard's real
Content-Security-Policy: a GIF plays, a waveform is drawn, a logged page shows in a sandbox where
its script does not run, and plotly (loaded only then) draws a chart, with no policy violation."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.web.conftest import (
    ClosedServer,
    get_json,
    run_id_of,
    running_ui,
    screenshot,
    scroll_to,
    sdk_env,
    sign_in,
)
from tests.web.test_page_security import WATCH_VIOLATIONS

pytestmark = pytest.mark.timeout(180)
PROJECT = "kinds"

SEED = r"""
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import plotly.graph_objects as go
import heron

PAGE = ('<html><body><h1 style="color: rgb(200, 0, 0)">Report %d</h1>'
        '<script>document.body.dataset.ran = "yes"; parent.document.title = "pwned";</script>'
        '</body></html>')
heron.init(project="kinds", name="kinds-run")
t = np.arange(8000) / 8000
for step in range(3):
    frames = np.zeros((4, 3, 24, 32), np.uint8)
    frames[:, 0] = 60 * (step + 1)
    frames[np.arange(4), 1, :, np.arange(4) * 8] = 255  # a bar that moves
    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[step, 2, 1], name="s"))
    heron.log({
        "media/clip": heron.Video(frames, fps=4, caption=f"clip {step}"),
        "media/tone": heron.Audio(np.sin(2 * np.pi * 220 * (step + 1) * t) * 0.8 * np.exp(-3 * t),
                                  sample_rate=8000, caption=f"tone {step}"),
        "media/page": heron.Html(PAGE % step),
        "media/chart": fig,
        "media/pair": [heron.Video(frames, caption="left"), heron.Video(frames[:, ::-1])],
    })
figure, ax = plt.subplots()
ax.plot([1, 2, 3], [2, 1, 3])
heron.log({"media/mpl": figure})
heron.finish()
"""


@pytest.fixture(scope="module")
def kinds_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``heron ui`` on a store holding one run that logged each kind."""
    store = tmp_path_factory.mktemp("kinds") / "store"
    env = sdk_env(store)
    seeded = subprocess.run([sys.executable, "-c", SEED], env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    env["HERON_CONFIG_DIR"] = str(tmp_path_factory.mktemp("kinds-config"))
    with running_ui(env, tmp_path_factory.mktemp("kinds-log") / "server.log") as base:
        yield base


def _until(page: Any, predicate: str, seconds: float = 20) -> None:
    """Poll ``predicate`` from here (Playwright's own polling needs 'unsafe-eval')."""
    for _ in range(int(seconds * 10)):
        if page.evaluate(predicate):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {predicate}")


def test_video_audio_html_and_plotly_panels_draw_under_the_policy(
        browser: Any, kinds_server: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})  # policy enforced
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems: list[str] = []
    in_frame: list[str] = []  # what the logged HTML page's own policy refused

    def on_console(m: Any) -> None:
        if "/api/v1/html/" in (m.location or {}).get("url", ""):
            in_frame.append(m.text)
        elif m.type == "error" or "Content Security Policy" in m.text or "CSP" in m.text:
            problems.append(f"{m.type}: {m.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.add_init_script(WATCH_VIOLATIONS)
    plotly_loads: list[str] = []
    page.on("request", lambda r: plotly_loads.append(r.url) if "plotly.min.js" in r.url else None)
    try:
        run_id = run_id_of(kinds_server, PROJECT, "kinds-run")
        page.goto(f"{kinds_server}/#/p/{PROJECT}/r/{run_id}/overview")
        page.wait_for_selector(".overview")
        page.wait_for_timeout(300)
        assert plotly_loads == []  # plotly.js is not part of the dashboard's own bundle
        page.locator('a[data-tab="charts"]').click()
        page.wait_for_selector(".section")
        title = page.title()

        # a GIF plays in an <img>, newest step first, with its caption; the slider steps back
        clip = scroll_to(page, '.player-panel[data-metric="media/clip"]')
        assert clip.get_attribute("data-kind") == "video"
        clip.locator(".player-video img").wait_for()
        _until(page, "() => { const i = document.querySelector('.player-video img'); "
                     "return i && i.complete && i.naturalWidth === 32 && i.naturalHeight === 24; }")
        assert clip.get_attribute("data-step") == "2"
        assert clip.locator(".media-caption").inner_text() == "clip 2"
        clip.locator('button[aria-label="Previous step"]').click()
        page.wait_for_selector('.player-panel[data-metric="media/clip"][data-step="1"]')
        assert clip.locator(".media-caption").inner_text() == "clip 1"

        # a list of videos (W&B's "videos") plays side by side
        pair = scroll_to(page, '.player-panel[data-metric="media/pair"]')
        pair.locator(".player-video img").nth(1).wait_for()
        assert pair.locator(".player-video img").count() == 2
        assert pair.locator(".chart-sub").inner_text() == "2 videos"

        # audio: a player and a waveform decoded from the WAV file
        tone = scroll_to(page, '.player-panel[data-metric="media/tone"]')
        tone.locator('canvas.waveform[data-ready="1"]').wait_for()
        assert tone.locator("audio[controls]").count() == 1
        seconds = float(tone.locator("canvas.waveform").get_attribute("data-seconds") or 0)
        assert abs(seconds - 1.0) < 0.01
        inked = tone.locator("canvas.waveform").evaluate(
            "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; "
            "let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; "
            "return n / (c.width * c.height); }")
        assert 0.05 < inked < 0.95  # a drawn wave, neither blank nor a filled box

        # HTML in a sandboxed frame: styled, its script never ran, the dashboard untouched
        page_panel = scroll_to(page, '.player-panel[data-metric="media/page"]')
        frame_el = page_panel.locator("iframe")
        frame_el.wait_for()
        assert frame_el.get_attribute("sandbox") == "allow-popups allow-popups-to-escape-sandbox"
        frame = frame_el.element_handle().content_frame()
        assert frame is not None
        frame.wait_for_selector("h1")
        assert frame.locator("h1").inner_text() == "Report 2"
        assert frame.locator("h1").evaluate("h => getComputedStyle(h).color") == "rgb(200, 0, 0)"
        assert frame.evaluate("() => document.body.dataset.ran") is None
        assert page.title() == title

        # plotly: loaded once, for the plotly panels, draws the logged trace; matplotlib
        # arrives converted
        chart = scroll_to(page, '.player-panel[data-metric="media/chart"]')
        assert chart.get_attribute("data-kind") == "plotly"
        chart.locator('.plotly-box[data-ready="1"]').wait_for()
        assert chart.locator(".plotly-box .main-svg").count() >= 1
        assert chart.locator(".plotly-box .scatterlayer .trace").count() == 1
        assert len(plotly_loads) == 1
        mpl = scroll_to(page, '.player-panel[data-metric="media/mpl"]')
        mpl.locator('.plotly-box[data-ready="1"]').wait_for()
        assert mpl.locator(".plotly-box .scatterlayer .trace").count() == 1
        screenshot(page, "panel-media-kinds", full_page=True)

        # plotly's style rules went into plotly.css's sheet, not an inline <style>
        rules = page.evaluate("() => document.getElementById('plotly.js-style-global')"
                              ".sheet.cssRules.length")
        assert rules > 100
        assert page.locator("style").count() == 0
        violations = page.evaluate("() => window.__violations || []")
        assert violations == [] and problems == [], (violations, problems)
        # the page's script was refused by the page's own policy, and nothing else was
        assert in_frame and all("Blocked script execution" in t for t in in_frame), in_frame
    finally:
        context.close()


def test_html_frames_are_served_sandboxed_and_only_for_html(kinds_server: str) -> None:
    run_id = run_id_of(kinds_server, PROJECT, "kinds-run")
    rows = get_json(f"{kinds_server}/api/v1/projects/{PROJECT}/media?key=media/page&runs={run_id}")
    path = rows["runs"][0]["values"][-1]["path"]
    framed = httpx.get(f"{kinds_server}/api/v1/html/{path}", timeout=10)
    assert framed.status_code == 200
    assert framed.headers["content-type"].startswith("text/html")
    policy = framed.headers["content-security-policy"]
    assert policy.startswith("sandbox allow-popups") and "allow-scripts" not in policy
    assert "default-src 'none'" in policy and "frame-ancestors 'self'" in policy
    assert framed.headers["x-frame-options"] == "SAMEORIGIN"
    # the same file read as media stays a download
    plain = httpx.get(f"{kinds_server}/api/v1/{path}", timeout=10)
    assert plain.headers["content-type"] == "application/octet-stream"
    assert plain.headers["content-disposition"].startswith("attachment")
    clip = get_json(f"{kinds_server}/api/v1/projects/{PROJECT}/media?key=media/clip&runs={run_id}")
    gif = clip["runs"][0]["values"][0]["path"]
    assert httpx.get(f"{kinds_server}/api/v1/html/{gif}", timeout=10).status_code in (400, 422)
    outside = httpx.get(f"{kinds_server}/api/v1/html/media/../../heron.db.html", timeout=10)
    assert outside.status_code == 404
    assert Path(path).suffix == ".html"


CLOSED_SEED = """
import heron
heron.init(project="kinds-closed", name="closed-run")
heron.log({"page": heron.Html("<h1>Only for the signed in</h1>")})
heron.finish()
"""


def test_a_closed_server_frames_logged_pages_for_signed_in_users_only(
        browser: Any, closed_server: ClosedServer, tmp_path: Path) -> None:
    env = sdk_env(tmp_path / "store")
    env.update(HERON_HOST=closed_server.url, HERON_API_KEY=closed_server.admin_key)
    logged = subprocess.run([sys.executable, "-c", CLOSED_SEED], env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    assert logged.returncode == 0, logged.stderr[-3000:]
    runs = closed_server.api("GET", "projects/kinds-closed/runs").json()
    run_id = next(r["id"] for r in runs if r["name"] == "closed-run")
    rows = closed_server.api("GET", f"projects/kinds-closed/media?key=page&runs={run_id}").json()
    path = rows["runs"][0]["values"][0]["path"]
    # without a session or key the page is refused, like every other read
    assert httpx.get(f"{closed_server.url}/api/v1/html/{path}", timeout=10).status_code == 401

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        sign_in(context, closed_server.url, closed_server.admin_key)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(f"{closed_server.url}/#/p/kinds-closed/r/{run_id}/charts")
        frame_el = scroll_to(page, '.player-panel[data-metric="page"] iframe')
        frame = frame_el.element_handle().content_frame()
        assert frame is not None
        frame.wait_for_selector("h1")  # the sandboxed frame's request carried the session
        assert frame.locator("h1").inner_text() == "Only for the signed in"
    finally:
        context.close()
