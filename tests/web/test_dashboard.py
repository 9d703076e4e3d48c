"""What a user sees in the dashboard: projects, the workspace (table and charts), live updates,
zoom, the run page, the console, compare, and user text shown as text."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.web.conftest import (
    PROJECT,
    XSS_NAME,
    PageProbe,
    get_json,
    screenshot,
    sdk_env,
)

pytestmark = pytest.mark.timeout(120)

SEEDED_RUNS = 4
# metric -> runs that logged it (the XSS run logs train/loss only)
METRIC_RUNS = {"train/loss": 4, "train/acc": 3, "val/loss": 3, "epoch": 3}


def run_id(server: str, name: str) -> str:
    runs = get_json(f"{server}/api/v1/projects/{PROJECT}/runs")
    return next(r["id"] for r in runs if r["name"] == name)


def open_workspace(probe: PageProbe, server: str) -> Any:
    page = probe.page
    page.goto(f"{server}/#/p/{PROJECT}")
    page.wait_for_selector(".runs-table .tr")
    return page


def chart(page: Any, metric: str) -> Any:
    """The panel of `metric`, scrolled into view so that it renders (panels are lazy)."""
    panel = page.locator(f'.chart[data-metric="{metric}"]')
    for _ in range(40):
        if panel.count():
            break
        page.mouse.wheel(0, 400)
        page.wait_for_timeout(100)
    panel.wait_for(state="attached")
    panel.evaluate("el => el.scrollIntoView({block: 'center'})")
    return panel


def test_projects_page_lists_projects_with_counts_and_search(probe: PageProbe, server: str) -> None:
    page = probe.page
    page.goto(server + "/")
    row = page.locator(f'tr[data-project="{PROJECT}"]')
    row.wait_for()
    assert row.locator("td").nth(1).inner_text().strip() == str(SEEDED_RUNS)
    assert "ago" in row.locator("td").nth(2).inner_text() or "just now" in row.inner_text()
    screenshot(page, "projects")
    page.fill(".project-search", "no-such-project")
    page.wait_for_selector(".table-empty")
    assert page.locator(f'tr[data-project="{PROJECT}"]').count() == 0
    page.fill(".project-search", PROJECT[:4])
    row.wait_for()
    row.locator("a").click()
    page.wait_for_selector(".runs-table .tr")
    assert page.url.endswith(f"#/p/{PROJECT}")


def test_empty_project_says_how_to_log_runs(probe: PageProbe, server: str) -> None:
    page = probe.page
    page.goto(f"{server}/#/p/no-runs-here")
    empty = page.locator(".empty")
    empty.wait_for()
    assert "No runs yet" in empty.inner_text()
    assert "python examples/quickstart.py" in empty.inner_text()
    screenshot(page, "workspace-empty")


def test_workspace_has_a_chart_per_metric_with_each_run_in_the_legend(
    probe: PageProbe, server: str
) -> None:
    page = open_workspace(probe, server)
    assert page.locator(".runs-table .tr").count() == SEEDED_RUNS
    sections = page.locator(".section-name").all_inner_texts()
    assert sections[:3] == ["Charts", "train", "val"]
    screenshot(page, "workspace")
    for metric, n in METRIC_RUNS.items():
        panel = chart(page, metric)
        panel.locator(f".legend-item >> nth={n - 1}").wait_for()
        assert panel.locator(".legend-item").count() == n, metric
        assert panel.locator("canvas").count() >= 1
    # val/* is plotted against its define_metric step_metric
    assert "epoch" in chart(page, "val/loss").locator(".chart-sub").inner_text()
    screenshot(page, "workspace-charts", full_page=True)

    # a collapsed section hides its panels, and stays collapsed across a reload
    page.locator('.section[data-section="val"] .section-head').click()
    assert page.locator('.chart[data-metric="val/loss"]').count() == 0
    page.reload()
    page.wait_for_selector('.section[data-section="val"]')
    assert page.locator('.chart[data-metric="val/loss"]').count() == 0
    page.locator('.section[data-section="val"] .section-head').click()
    chart(page, "val/loss").wait_for()


def names_in_table(page: Any) -> list[str]:
    return page.locator(".runs-table .tr .run-link").all_inner_texts()


def set_filter(page: Any, text: str) -> None:
    """Type into the filter box and wait until the table shows the server's answer to it."""
    page.fill(".filter-input", text)
    table_settled(page, text)


def table_settled(page: Any, text: str = "") -> None:
    page.wait_for_function(
        """t => { const el = document.querySelector('.runs-table');
                  return el && el.dataset.filter === t
                      && el.getAttribute('aria-busy') === 'false'; }""",
        arg=text.strip(),
    )


def test_table_filters_and_sorts(probe: PageProbe, server: str) -> None:
    page = open_workspace(probe, server)
    asked: list[str] = []
    page.on("request", lambda r: "/run-ids?" in r.url and asked.append(r.url))
    set_filter(page, "lr > 0.02")
    assert sorted(names_in_table(page)) == sorted(["run-lr-0.03", "run-lr-0.1", XSS_NAME])
    # the server filtered: the browser asked it with the expression
    assert any(parse_qs(urlparse(u).query).get("filter") == ["lr > 0.02"] for u in asked)

    set_filter(page, "tag:baseline")
    assert names_in_table(page) == ["run-lr-0.01"]

    set_filter(page, "optimizer.name = sgd")
    assert names_in_table(page) == ["run-lr-0.03"]

    set_filter(page, "summary.train/loss < 0.05 run-lr")
    assert sorted(names_in_table(page)) == ["run-lr-0.03", "run-lr-0.1"]

    set_filter(page, "run-lr")
    assert len(names_in_table(page)) == 3
    set_filter(page, "")
    page.select_option('select[aria-label="State"]', "finished")
    table_settled(page)
    assert len(names_in_table(page)) == 4
    page.select_option('select[aria-label="State"]', "running")
    page.wait_for_selector(".table-empty")
    page.select_option('select[aria-label="State"]', "")
    table_settled(page)

    # sort by the lr config column: ascending, then descending
    header = page.locator('.th[data-col="config:lr"]')
    header.click()
    page.wait_for_selector('.th[data-col="config:lr"][aria-sort="ascending"]')
    assert names_in_table(page) == ["run-lr-0.01", "run-lr-0.03", "run-lr-0.1", XSS_NAME]
    header.click()
    page.wait_for_selector('.th[data-col="config:lr"][aria-sort="descending"]')
    assert names_in_table(page) == [XSS_NAME, "run-lr-0.1", "run-lr-0.03", "run-lr-0.01"]
    screenshot(page, "workspace-sorted")

    # the eye hides a run from the charts
    panel = chart(page, "train/acc")
    panel.locator(".legend-item >> nth=2").wait_for()
    page.locator('.tr[data-run-id] .eye >> nth=1').click()
    page.wait_for_function(
        "() => document.querySelectorAll('.chart[data-metric=\"train/acc\"] .legend-item')"
        ".length === 2"
    )
    page.locator('.tr[data-run-id] .eye >> nth=1').click()
    page.wait_for_function(
        "() => document.querySelectorAll('.chart[data-metric=\"train/acc\"] .legend-item')"
        ".length === 3"
    )
    # leave the sort as it was for the other tests (it is remembered per browser)
    header.click()


def test_drag_zoom_asks_the_server_to_rebucket(probe: PageProbe, server: str) -> None:
    page = open_workspace(probe, server)
    panel = chart(page, "train/loss")
    panel.locator(".legend-item >> nth=3").wait_for()
    over = panel.locator(".u-over")
    box = over.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    with page.expect_request(lambda r: "/series?" in r.url and "x_min=" in r.url) as req:
        page.mouse.move(box["x"] + box["width"] * 0.3, y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=5)
        page.mouse.move(box["x"] + box["width"] * 0.6, y, steps=5)
        page.mouse.up()
    query = parse_qs(urlparse(req.value.url).query)
    x_min, x_max = float(query["x_min"][0]), float(query["x_max"][0])
    assert 0 < x_min < x_max < 300
    assert query["key"] == ["train/loss"]
    page.wait_for_selector('.chart[data-metric="train/loss"][data-zoomed="1"]')
    screenshot(page, "chart-zoomed")
    # the zoomed chart holds only points inside the range
    panel.locator(".legend-item >> nth=3").wait_for()
    last_x = [float(x) for x in panel.locator(".legend-item").evaluate_all(
        "els => els.map(e => e.dataset.lastX)") if x]
    assert last_x and all(x <= x_max + 1 for x in last_x)
    # double-click resets the zoom
    over.dblclick()
    page.wait_for_selector('.chart[data-metric="train/loss"][data-zoomed="0"]')


def test_run_page_overview_edit_and_tabs(probe: PageProbe, server: str) -> None:
    page = probe.page
    rid = run_id(server, "run-lr-0.03")
    page.goto(f"{server}/#/p/{PROJECT}/r/{rid}")
    page.wait_for_selector(".overview")
    assert page.locator(".run-title").inner_text() == "run-lr-0.03"
    lr = page.locator('.tree[data-tree="Config"] .tree-leaf[data-key="lr"] .tree-val')
    assert lr.inner_text() == "0.03"
    assert "Python" in page.locator(".kv").inner_text()

    # add a tag and notes: saved on the server through PATCH
    page.fill(".tag-input", "reviewed")
    page.press(".tag-input", "Enter")
    page.wait_for_selector('.tag-editor .tag:has-text("reviewed")')
    page.click('button[aria-label="Edit notes"]')
    page.fill('textarea[aria-label="notes"]', "looks good")
    page.click('.editing button:has-text("Save")')
    page.wait_for_selector('.editable:has-text("looks good")')
    run = get_json(f"{server}/api/v1/projects/{PROJECT}/runs/{rid}")
    assert "reviewed" in run["tags"] and run["notes"] == "looks good"
    page.fill('input[aria-label="Search Config"]', "beta")
    page.wait_for_selector('.tree[data-tree="Config"] .tree-leaf[data-key="beta"]')
    assert page.locator('.tree[data-tree="Config"] .tree-leaf[data-key="lr"]').count() == 0
    screenshot(page, "run-overview")

    page.click('.tab[data-tab="charts"]')
    chart(page, "train/loss").locator(".legend-item").wait_for()
    chart(page, "val/loss").locator(".legend-item").wait_for()
    screenshot(page, "run-charts")
    page.click('.tab[data-tab="files"]')
    page.wait_for_selector(".empty, .files-table")
    screenshot(page, "run-files")


def test_console_shows_lines_with_ansi_colours_as_text(probe: PageProbe, server: str) -> None:
    page = probe.page
    rid = run_id(server, XSS_NAME)
    page.goto(f"{server}/#/p/{PROJECT}/r/{rid}/logs")
    line = page.locator('.cline:has-text("plain")')
    line.wait_for()
    assert line.inner_text().strip() == "error: plain <script>alert(3)</script> line"
    assert line.locator(".fg-red").inner_text() == "error:"
    assert page.locator(".console-body script").count() == 0
    page.fill('input[aria-label="Search console"]', "second")
    page.wait_for_function("() => document.querySelectorAll('.cline').length === 1")
    screenshot(page, "run-console")


def test_user_text_renders_as_text_never_html(probe: PageProbe, server: str) -> None:
    page = open_workspace(probe, server)
    link = page.locator(".run-link", has_text="<img")
    assert link.inner_text() == XSS_NAME
    assert page.locator(".runs-table img, .legend img").count() == 0
    assert page.locator('.tag:has-text("<b>tag</b>")').count() == 1
    chart(page, "train/loss").locator(f'.legend-item[title="{XSS_NAME}"]').wait_for()
    rid = run_id(server, XSS_NAME)
    page.goto(f"{server}/#/p/{PROJECT}/r/{rid}")
    page.wait_for_selector(".overview")
    assert page.locator(".run-title").inner_text() == XSS_NAME
    value = page.locator('.tree[data-tree="Config"] .tree-leaf[data-key="html"] .tree-val')
    assert value.inner_text() == "<script>alert(2)</script>"
    assert page.locator("main img, main script").count() == 0
    screenshot(page, "xss-run")
    page.wait_for_timeout(300)  # give an injected handler time to fire (the probe fails on it)


def test_compare_shows_config_differences(probe: PageProbe, server: str) -> None:
    page = open_workspace(probe, server)
    for name in ("run-lr-0.01", "run-lr-0.03"):
        page.locator(f'.tr:has(.run-link:text-is("{name}")) input[type=checkbox]').check()
    page.click('a[data-action="compare"]')
    page.wait_for_selector(".cmp-table")
    keys = page.locator(".cmp-table tr.differs").evaluate_all("els => els.map(e => e.dataset.key)")
    assert "lr" in keys and "optimizer.name" in keys
    assert "batch_size" not in keys
    screenshot(page, "compare")


def test_dark_theme(probe: PageProbe, server: str) -> None:
    page = open_workspace(probe, server)
    page.click(".theme-toggle")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    chart(page, "train/loss").locator(".legend-item >> nth=3").wait_for()
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "workspace-dark")
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.click(".theme-toggle")


def test_chart_hover_fullscreen_downloads_axes_smoothing_and_groups(
    probe: PageProbe, server: str
) -> None:
    page = open_workspace(probe, server)
    panel = chart(page, "train/loss")
    panel.locator(".legend-item >> nth=3").wait_for()

    # hover lists every run's value at that x
    box = panel.locator(".u-over").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] / 2)
    tip = panel.locator(".chart-tip")
    tip.wait_for()
    assert tip.locator(".tip-row").count() == panel.locator(".legend-item").count() == 4
    assert tip.locator(".tip-head").inner_text().startswith("Step ")
    screenshot(page, "chart-hover")

    # downloads: CSV of the plotted points, PNG of the chart
    with page.expect_download() as dl:
        panel.locator('[data-action="csv"]').click()
    lines = Path(dl.value.path()).read_text().splitlines()
    assert lines[0].startswith("run_id,run_name,_step,")
    assert len(lines) > 300
    with page.expect_download() as dl:
        panel.locator('[data-action="png"]').click()
    assert Path(dl.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # fullscreen, closed with Escape
    panel.locator('[data-action="fullscreen"]').click()
    full = page.locator(".modal .chart-full")
    full.locator(".legend-item >> nth=3").wait_for()
    screenshot(page, "chart-fullscreen")
    page.keyboard.press("Escape")
    full.wait_for(state="detached")

    # the x axis: relative time asks the server for x=_runtime
    with page.expect_request(lambda r: "/series?" in r.url and "x=_runtime" in r.url):
        page.select_option('select[aria-label="X axis"]', "_runtime")
    panel.locator(".legend-item >> nth=3").wait_for()
    assert "Relative time" in panel.locator(".chart-sub").inner_text()
    page.select_option('select[aria-label="X axis"]', "_step")
    panel.locator(".legend-item >> nth=3").wait_for()
    page.wait_for_timeout(800)  # every panel reloads its step axis

    # smoothing and log scale redraw without asking the server again
    asked: list[str] = []
    page.on("request", lambda r: "/series?" in r.url and asked.append(r.url))
    page.locator('input[aria-label="Smoothing"]').fill("0.9")
    page.check('input[aria-label="Log scale y"]')
    page.wait_for_timeout(300)
    panel.locator(".legend-item >> nth=3").wait_for()
    assert page.locator(".smoothing-val").inner_text() == "0.90"
    screenshot(page, "chart-smoothed-log")
    assert not asked, f"smoothing and log scale fetched data: {asked}"
    page.locator('input[aria-label="Smoothing"]').fill("0")
    page.uncheck('input[aria-label="Log scale y"]')

    # group by a config value: one line (mean, min-max band) per group
    page.select_option('select[aria-label="Group by"]', "optimizer.name")
    chart(page, "train/acc").locator(".legend-group >> nth=1").wait_for()
    labels = chart(page, "train/acc").locator(".legend-group").all_inner_texts()
    assert [t.split(" (")[0] for t in labels] == ["optimizer.name=adam", "optimizer.name=sgd"]
    screenshot(page, "workspace-grouped")
    page.select_option('select[aria-label="Group by"]', "")


# Runs last: it adds a run to the project the other tests count.
LIVE = r"""
import json, sys, time
import heron

heron.init(project=%(project)r, name="live-run", config={"lr": 0.2})
out = open(sys.argv[1], "a")
for step in range(%(steps)d):
    heron.log({"train/loss": 1.0 / (step + 1), "train/acc": step / %(steps)d})
    print(f"live line {step}", flush=True)
    out.write(json.dumps([step, time.time()]) + "\n"); out.flush()
    time.sleep(0.1)
heron.finish()
"""


def history_fetches(urls: list[str]) -> list[tuple[str, str, str]]:
    """(run, key, x) for each run of each full (not cursor, not zoom) /series request: the
    per-run `/runs/R/series` and the many-run `/projects/P/series?runs=a,b`."""
    out = []
    for url in urls:
        parsed = urlparse(url)
        q = parse_qs(parsed.query)
        if "after" in q or "x_min" in q:
            continue
        if "/runs/" in parsed.path:
            runs = [parsed.path.split("/runs/")[1].split("/")[0]]
        else:
            runs = q["runs"][0].split(",")
        out.extend((run, q["key"][0], q.get("x", ["_step"])[0]) for run in runs)
    return out


def test_live_points_arrive_without_reload(probe: PageProbe, server: str, store_dir: Path,
                                           tmp_path: Path) -> None:
    page = probe.page
    series_requests: list[str] = []
    page.on("request", lambda r: "/series?" in r.url and series_requests.append(r.url))
    open_workspace(probe, server)
    panel = chart(page, "train/loss")
    panel.locator(".legend-item >> nth=3").wait_for()
    page.evaluate("window.__heronNoReload = true")

    times = tmp_path / "times.jsonl"
    env = sdk_env(store_dir)
    env["HERON_SYSTEM_SAMPLE_SECONDS"] = "0.5"
    proc = subprocess.Popen(
        [sys.executable, "-c", LIVE % {"project": PROJECT, "steps": 80}, str(times)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        row = page.locator('.runs-table .tr:has-text("live-run")')
        row.wait_for(timeout=15_000)
        assert "running" in row.locator(".state").inner_text()
        item = panel.locator('.legend-item:has-text("live-run")')
        item.wait_for(timeout=15_000)
        lags = []
        live_id = item.get_attribute("data-run-id")
        legend = f'.chart[data-metric="train/loss"] .legend-item[data-run-id="{live_id}"]'
        for _ in range(4):
            seen = int(item.get_attribute("data-points") or 0)
            page.wait_for_function(
                "([sel, n]) => +(document.querySelector(sel)?.dataset.points ?? 0) > n",
                arg=[legend, seen],
                timeout=5_000,
            )
            now = time.time()
            last = float(item.get_attribute("data-last-x") or 0)
            logged = dict(json.loads(line) for line in times.read_text().splitlines())
            lags.append(now - logged[int(last)])
        screenshot(page, "workspace-live")
        assert max(lags) < 2.5, f"points took {lags} s to arrive"
        assert page.evaluate("window.__heronNoReload") is True  # the page never reloaded
        # new points came from the feed: no chart downloaded a run's history twice
        fetches = history_fetches(series_requests)
        again = {f for f in fetches if fetches.count(f) > 1}
        assert not again, f"histories re-downloaded: {again}"

        # the console tail of the running run shows its lines as they are printed
        page.goto(f"{server}/#/p/{PROJECT}/r/{live_id}/logs")
        page.wait_for_selector(".cline")
        first = page.locator(".console-count").inner_text()
        page.wait_for_function(
            "t => document.querySelector('.console-count').innerText !== t", arg=first,
            timeout=5_000,
        )
        assert page.locator('.cline:has-text("live line")').count() > 0
        screenshot(page, "run-console-live")

        # its system metrics (sampled every 0.5 s here) have their own tab
        page.click('.tab[data-tab="system"]')
        page.wait_for_selector('.section[data-section="system"] .chart .legend-item',
                               timeout=10_000)
        screenshot(page, "run-system")
        proc.wait(30)
        page.wait_for_selector('.page-head .state[data-state="finished"]', timeout=10_000)
    finally:
        if proc.poll() is None:
            proc.kill()
