"""The sweeps list and a sweep's page for a sweep made by heron.sweep and run by heron.agent:
progress, the metric over runs, parallel coordinates with brushing, scatter plots, parameter
importance from the server, the best runs, the state controls, and live refresh."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from tests.web import seeds
from tests.web.conftest import PageProbe, get_json, screenshot, scroll_to, sdk_env

pytestmark = pytest.mark.timeout(120)
P = seeds.SWEEP_PROJECT
PARAMS = ["layers", "lr", "optimizer"]


def open_sweep(probe: PageProbe, server: str, sweep_id: str) -> Any:
    page = probe.page
    page.goto(f"{server}/#/p/{P}/sweeps/{sweep_id}")
    page.wait_for_selector(".sweep-grid")
    return page


def test_sweeps_list_links_to_the_sweep_page(probe: PageProbe, server: str,
                                             seeded: dict[str, Any]) -> None:
    page = probe.page
    sweep_id = seeded["sweep_id"]
    page.goto(f"{server}/#/p/{P}")
    link = page.locator('a[data-action="sweeps"]')
    page.wait_for_function(
        "() => document.querySelector('a[data-action=\"sweeps\"]')?.innerText === 'Sweeps (1)'")
    link.click()
    row = page.locator(f'.sweep-table tr[data-sweep="{sweep_id}"]')
    row.wait_for()
    assert row.locator("[data-sweep-state]").inner_text() == "running"
    assert "random" in row.inner_text()
    screenshot(page, "sweeps-list")
    row.locator(".sweep-link").click()
    page.wait_for_selector(f'.sweep-page[data-sweep="{sweep_id}"] .sweep-grid')
    # a project without sweeps says how to start one
    page.goto(f"{server}/#/p/{seeds.MEDIA_PROJECT}/sweeps")
    assert "heron sweep sweep.yaml" in page.locator(".empty").inner_text()


def test_sweep_page_progress_charts_importance_and_best_runs(
        probe: PageProbe, server: str, seeded: dict[str, Any]) -> None:
    sweep_id = seeded["sweep_id"]
    page = open_sweep(probe, server, sweep_id)
    sweep = get_json(f"{server}/api/v1/sweeps/{sweep_id}")
    n = len(sweep["runs"])
    assert n >= seeds.SWEEP_FIRST_RUNS
    progress = page.locator(".sweep-progress")
    assert progress.get_attribute("data-runs") == str(n)
    assert f"/ {seeds.SWEEP_RUN_CAP} runs" in progress.inner_text()
    assert progress.locator('[data-state-count="finished"]').inner_text().strip().endswith(str(n))

    # the metric of every run, and the best-so-far line
    chart = page.locator('[data-chart="metric-over-runs"]')
    assert chart.locator("circle.pt").count() == n
    assert chart.locator("path[data-best-line]").count() == 1

    # parallel coordinates: the parameters (most important first) and the metric last
    pc = page.locator('[data-chart="parallel-coordinates"]')
    # "attached", not "visible": a line that runs level across every axis has no height, and
    # Playwright calls a zero-height path hidden.
    pc.locator(".pc-line >> nth=0").wait_for(state="attached", timeout=30_000)
    axes = pc.locator(".pc-axis").evaluate_all("els => els.map(e => e.dataset.axis)")
    assert sorted(axes[:-1]) == PARAMS and axes[-1] == "val/loss"
    assert pc.locator(".pc-line").count() == n
    # one scatter plot per parameter
    scatters = page.locator('[data-chart="scatter"]')
    assert sorted(scatters.evaluate_all("els => els.map(e => e.dataset.param)")) == PARAMS
    assert scatters.first.locator("circle").count() == n

    # importance: the random forest's figures come from the server
    table = page.locator('.importance-table[data-pending="0"]')
    table.wait_for(timeout=20_000)
    analysis = get_json(f"{server}/api/v1/sweeps/{sweep_id}/analysis")
    shown = table.locator("tr[data-param]").evaluate_all("els => els.map(e => e.dataset.param)")
    assert shown == [p["name"] for p in analysis["params"]]
    for p in analysis["params"]:
        cell = table.locator(f'tr[data-param="{p["name"]}"] .imp-val').inner_text()
        assert cell == f"{p['importance']:.3f}"
    assert abs(sum(p["importance"] for p in analysis["params"]) - 1) < 1e-6
    lr = next(p for p in analysis["params"] if p["name"] == "lr")
    assert lr["correlation"] is not None
    assert next(p for p in analysis["params"] if p["name"] == "optimizer")["kind"] == "category"

    # the best runs, best first, link to their run pages
    best = page.locator(".best-runs tbody tr")
    ids = best.evaluate_all("els => els.map(e => e.dataset.runId)")
    assert ids == analysis["ranking"][:10]
    values = [float(v) for v in best.locator("td:nth-child(4)").all_inner_texts()]
    assert values == sorted(values)
    screenshot(page, "sweep-page", full_page=True)
    best.first.locator(".run-link").click()
    page.wait_for_selector(".overview")
    assert page.locator(".sweep-link").inner_text() == sweep_id


def test_brushing_an_axis_filters_the_runs(probe: PageProbe, server: str,
                                           seeded: dict[str, Any]) -> None:
    page = open_sweep(probe, server, seeded["sweep_id"])
    pc = scroll_to(page, '[data-chart="parallel-coordinates"]')
    pc.locator(".pc-line >> nth=0").wait_for(state="attached", timeout=30_000)
    total = pc.locator(".pc-line").count()
    hit = pc.locator('.pc-axis[data-axis="val/loss"] .pc-hit').bounding_box()
    assert hit is not None
    x = hit["x"] + hit["width"] / 2
    page.mouse.move(x, hit["y"] + hit["height"] - 1)
    page.mouse.down()
    page.mouse.move(x, hit["y"] + hit["height"] * 0.6, steps=6)
    page.mouse.up()
    page.wait_for_selector('.pc-axis[data-axis="val/loss"] .pc-brush')
    selected = int(page.locator("[data-selected]").get_attribute("data-selected") or 0)
    assert 0 < selected < total
    assert pc.locator(".pc-line.pc-dim").count() == total - selected
    # the brushed runs are the only ones kept in the best-runs table and lit in the scatter plots
    assert page.locator(".best-runs tbody tr").count() == min(selected, 10)
    assert page.locator('[data-chart="scatter"] >> nth=0').locator(
        "circle:not(.pt-dim)").count() == selected
    screenshot(page, "sweep-brushed")
    page.click('[data-action="clear-brush"]')
    page.wait_for_function(f"() => document.querySelectorAll('.pc-line.pc-dim').length === 0 "
                           f"&& document.querySelectorAll('.pc-line').length === {total}")


def test_controls_change_the_state_and_new_runs_arrive_live(
        probe: PageProbe, server: str, seeded: dict[str, Any], store_dir: Any) -> None:
    sweep_id = seeded["sweep_id"]
    page = open_sweep(probe, server, sweep_id)
    state = page.locator(".page-head [data-sweep-state]")
    page.click('[data-action="pause"]')
    page.wait_for_selector('.page-head [data-sweep-state="PAUSED"]')
    assert get_json(f"{server}/api/v1/sweeps/{sweep_id}")["state"] == "PAUSED"
    page.click('[data-action="resume"]')
    page.wait_for_selector('.page-head [data-sweep-state="RUNNING"]')
    assert state.inner_text() == "running"

    # another agent runs two more trials: the page shows them without a reload
    before = int(page.locator(".sweep-progress").get_attribute("data-runs") or 0)
    page.evaluate("window.__heronNoReload = true")
    agent = subprocess.run(
        [sys.executable, "-c", seeds.SWEEP % {"project": P, "cap": seeds.SWEEP_RUN_CAP,
                                              "count": 2}, sweep_id],
        env=sdk_env(store_dir), capture_output=True, text=True, timeout=90)
    assert agent.returncode == 0, agent.stderr[-2000:]
    page.wait_for_function(
        f"() => +document.querySelector('.sweep-progress').dataset.runs === {before + 2}",
        timeout=15_000)
    page.wait_for_function(
        f"() => document.querySelectorAll('[data-chart=\"metric-over-runs\"] circle.pt').length"
        f" === {before + 2}", timeout=15_000)
    assert page.evaluate("window.__heronNoReload") is True
    screenshot(page, "sweep-live")

    # stop asks first, then the sweep finishes (running runs would finish on their own)
    page.click('[data-action="stop"]')
    page.click('[data-confirm="stop"]')
    page.wait_for_selector('.page-head [data-sweep-state="FINISHED"]')
    assert get_json(f"{server}/api/v1/sweeps/{sweep_id}")["state"] == "FINISHED"
    assert page.locator('.sweep-controls [data-action]').count() == 0
