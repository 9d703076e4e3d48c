"""Media, histogram and table panels, and the model tree, for runs that logged heron.Image (with
boxes and masks, and lists of images), heron.Histogram, heron.Table and watch(log_graph=True)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web import seeds
from tests.web.conftest import PageProbe, run_id_of, screenshot, scroll_to

pytestmark = pytest.mark.timeout(120)
P = seeds.MEDIA_PROJECT


def open_run_charts(probe: PageProbe, server: str, name: str = "vision-run") -> Any:
    page = probe.page
    page.goto(f"{server}/#/p/{P}/r/{run_id_of(server, P, name)}/charts")
    page.wait_for_selector(".section")
    return page


def test_image_panel_captions_overlays_steps_and_enlarge(probe: PageProbe, server: str) -> None:
    page = open_run_charts(probe, server)
    panel = scroll_to(page, '.media-panel[data-metric="samples/image"]')
    panel.locator(".media-img img").wait_for()
    # the last step is shown first; the caption is text, not HTML
    assert panel.get_attribute("data-step") == "9"
    caption = panel.locator(".media-caption")
    assert caption.inner_text() == "step 9 <b>not bold</b>"
    assert caption.locator("b").count() == 0
    page.wait_for_function(
        "() => { const i = document.querySelector('.media-panel[data-metric=\"samples/image\"] "
        ".media-img img'); return i && i.complete && i.naturalWidth === 48; }")
    # boxes (corner and middle/width/height forms) with captions as text, and the mask
    boxes = panel.locator(".media-box")
    assert boxes.count() == 2
    labels = panel.locator(".media-box-label").all_inner_texts()
    assert labels == ["cat <img src=x onerror=alert(5)>", "dog"]
    assert panel.locator(".media-box img").count() == 0
    panel.locator('canvas[data-mask="segmentation"][data-ready="1"]').wait_for()
    screenshot(page, "panel-image-overlays")

    # overlays toggle
    panel.locator('input[data-overlay="box:predictions"]').uncheck()
    assert panel.locator(".media-box").count() == 0
    panel.locator('input[data-overlay="mask:segmentation"]').uncheck()
    assert panel.locator("canvas[data-mask]").count() == 0
    panel.locator('input[data-overlay="box:predictions"]').check()
    panel.locator('input[data-overlay="mask:segmentation"]').check()
    assert panel.locator(".media-box").count() == 2

    # the step slider walks back through the logged steps
    panel.locator('button[aria-label="Previous step"]').click()
    page.wait_for_selector('.media-panel[data-metric="samples/image"][data-step="6"]')
    assert panel.locator(".media-caption").inner_text() == "step 6 <b>not bold</b>"
    panel.locator('input[aria-label="Step"]').fill("0")
    page.wait_for_selector('.media-panel[data-metric="samples/image"][data-step="0"]')

    # click to enlarge, with the overlays and the class legend; Escape closes
    panel.locator(".media-img").first.click()
    modal = page.locator(".modal-media")
    modal.wait_for()
    assert modal.locator(".media-box").count() == 2
    legend = modal.locator(".class-legend").inner_text()
    assert "cat" in legend and "sky" in legend and "road" in legend
    assert "background" not in legend
    big = modal.locator(".media-img").bounding_box()
    assert big is not None and big["height"] > 300
    screenshot(page, "panel-image-enlarged")
    page.keyboard.press("Escape")
    modal.wait_for(state="detached")


def test_image_list_grid_with_captions(probe: PageProbe, server: str) -> None:
    page = open_run_charts(probe, server)
    panel = scroll_to(page, '.media-panel[data-metric="samples/grid"]')
    panel.locator(".media-fig >> nth=5").wait_for()
    assert panel.locator(".media-fig").count() == 6
    assert panel.locator(".media-caption").all_inner_texts() == [
        f"digit {i} @ 9" for i in range(6)]
    assert "6 images" in panel.locator(".chart-sub").inner_text()
    screenshot(page, "panel-image-grid")


def test_workspace_image_panel_shows_each_run(probe: PageProbe, server: str) -> None:
    page = probe.page
    page.goto(f"{server}/#/p/{P}")
    panel = scroll_to(page, '.media-panel[data-metric="samples/image"]')
    panel.locator(".media-run >> nth=1").wait_for()
    heads = panel.locator(".media-run-head .legend-name").all_inner_texts()
    assert sorted(heads) == ["second-run", "vision-run"]
    # the runs table shows no columns made of media values
    assert page.locator('.th[data-col^="summary:samples"]').count() == 0
    screenshot(page, "workspace-media")


def test_histogram_heatmap_hover_and_lazy_gradient_sections(probe: PageProbe,
                                                            server: str) -> None:
    page = open_run_charts(probe, server)
    media_requests: list[str] = []
    page.on("request", lambda r: "/media?" in r.url and media_requests.append(r.url))
    panel = scroll_to(page, '.hist-panel[data-metric="dist/activations"]')
    canvas = panel.locator('canvas.hist-canvas[data-drawn="1"]')
    canvas.wait_for()
    assert canvas.get_attribute("data-steps") == "4"
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.5)
    tip = panel.locator(".hist-tip")
    tip.wait_for()
    assert tip.locator(".hist-tip-head").inner_text() == "Step 9"
    assert tip.locator(".hist-bars rect").count() == 64
    screenshot(page, "panel-histogram-hover")

    # watch()'s sections start collapsed: nothing of them is asked until opened
    for name in ("gradients", "parameters"):
        head = page.locator(f'.section[data-section="{name}"] .section-head')
        assert head.get_attribute("aria-expanded") == "false"
    assert not [u for u in media_requests if "gradients" in u or "parameters" in u]
    page.locator('.section[data-section="gradients"] .section-head').click()
    grad = scroll_to(page, '.hist-panel[data-metric="gradients/0.weight"]')
    grad.locator('canvas[data-drawn="1"]').wait_for()
    # watch(log_freq=2) with one log() per step: histograms at steps 1, 3, 5, ...
    assert grad.locator("canvas").get_attribute("data-steps") == "6"
    assert [u for u in media_requests if "gradients" in u]
    screenshot(page, "panel-gradients")
    page.locator('.section[data-section="gradients"] .section-head').click()


def test_table_panel_pages_sorts_and_shows_images(probe: PageProbe, server: str) -> None:
    page = open_run_charts(probe, server)
    asked: list[str] = []
    page.on("request", lambda r: "/tables?" in r.url and asked.append(r.url))
    panel = scroll_to(page, '.table-panel[data-metric="eval/predictions"]')
    panel.locator("tbody tr >> nth=9").wait_for()
    assert panel.locator("tbody tr").count() == 10
    assert panel.locator(".ltable-range").inner_text() == "1\u201310 of 25"
    assert panel.locator("tbody tr >> nth=0").locator(".cell-images img").count() == 1
    page.wait_for_function(
        "() => [...document.querySelectorAll('.table-panel .cell-images img')]"
        ".every(i => i.complete && i.naturalWidth === 16)")
    # user text in cells is text
    script_cell = panel.locator('tr[data-row="3"] td >> nth=3')
    assert script_cell.inner_text() == "<script>alert(4)</script>"
    assert panel.locator("tbody script").count() == 0
    screenshot(page, "panel-table")

    panel.locator('button[aria-label="Next page"]').click()
    page.wait_for_function(
        "t => document.querySelector('.table-panel .ltable-range').innerText === t",
        arg="11\u201320 of 25")
    # sorting by a column is asked of the server, and starts again at the first page
    panel.locator('.th-btn[data-col="3"]').click()
    page.wait_for_selector('.table-panel .th-btn[data-col="3"][aria-sort="ascending"]')
    page.wait_for_function(
        "t => document.querySelector('.table-panel .ltable-range').innerText === t",
        arg="1\u201310 of 25")
    assert any("sort=3" in u and "order=asc" in u for u in asked)
    page.wait_for_function(
        "() => { const v = [...document.querySelectorAll('.table-panel tbody tr')]"
        ".map(r => +r.children[4].innerText); return v.every((x, i) => !i || v[i - 1] <= x); }")
    panel.locator('.th-btn[data-col="3"]').click()
    page.wait_for_selector('.table-panel .th-btn[data-col="3"][aria-sort="descending"]')
    page.wait_for_function(
        "() => { const v = [...document.querySelectorAll('.table-panel tbody tr')]"
        ".map(r => +r.children[4].innerText); return v.every((x, i) => !i || v[i - 1] >= x); }")
    screenshot(page, "panel-table-sorted")


def test_model_tree_on_the_run_page(probe: PageProbe, server: str) -> None:
    page = probe.page
    page.goto(f"{server}/#/p/{P}/r/{run_id_of(server, P, 'vision-run')}")
    page.wait_for_selector(".overview")
    page.click('.tab[data-tab="model"]')
    tree = page.locator('.model-tree[data-graph="graph_0"]')
    tree.wait_for()
    assert "Sequential" in tree.locator(".card-head").inner_text()
    rows = tree.locator(".mt-row[data-module]")
    assert rows.evaluate_all("els => els.map(e => e.dataset.module)") == [
        "(root)", "0", "1", "2", "3"]
    linear = tree.locator('.mt-row[data-module="3"]')
    assert linear.locator(".mt-type").inner_text() == "Linear"
    assert "weight [10\u00d7784]" in linear.locator(".mt-params").inner_text()
    assert linear.locator(".mt-count").inner_text() == "7.8k"
    page.fill('input[aria-label="Search modules"]', "conv")
    page.wait_for_function(
        "() => document.querySelectorAll('.model-tree .mt-row[data-module]').length === 2")
    screenshot(page, "run-model-tree")
    # a run without watch(log_graph=True) has no Model tab
    page.goto(f"{server}/#/p/{P}/r/{run_id_of(server, P, 'second-run')}")
    page.wait_for_selector(".overview")
    assert page.locator('.tab[data-tab="model"]').count() == 0


LIVE_IMAGES = r"""
import sys, time
import numpy as np
import heron

heron.init(project=%(project)r, name="live-images")
for step in range(6):
    heron.log({"live/image": heron.Image(np.full((24, 24, 3), 40 * step, dtype=np.uint8),
                                         caption=f"live {step}"), "loss": 1.0 / (step + 1)})
    time.sleep(0.4)
heron.finish()
"""


def test_images_logged_while_the_page_is_open_arrive_live(probe: PageProbe, server: str,
                                                          store_dir: Any) -> None:
    import subprocess
    import sys

    from tests.web.conftest import get_json, sdk_env

    page = probe.page
    proc = subprocess.Popen([sys.executable, "-c", LIVE_IMAGES % {"project": P}],
                            env=sdk_env(store_dir), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        run_id = None
        for _ in range(100):
            runs = get_json(f"{server}/api/v1/projects/{P}/runs")
            run_id = next((x["id"] for x in runs if x["name"] == "live-images"), None)
            if run_id:
                break
            page.wait_for_timeout(100)
        assert run_id, "the live run did not start"
        page.goto(f"{server}/#/p/{P}/r/{run_id}/charts")
        page.evaluate("window.__heronNoReload = true")
        panel = scroll_to(page, '.media-panel[data-metric="live/image"]')
        page.wait_for_selector('.media-panel[data-metric="live/image"][data-step="5"]',
                               timeout=15_000)
        assert panel.locator(".media-caption").inner_text() == "live 5"
        assert page.evaluate("window.__heronNoReload") is True
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
