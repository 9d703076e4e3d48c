"""A workspace of many runs: each chart is one request for all its runs (binary buckets), and
the runs table is filtered and sorted by the server."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.web import seeds
from tests.web.conftest import PageProbe, get_json, screenshot

pytestmark = pytest.mark.timeout(120)
P = seeds.MANY_PROJECT
CHARTS_DRAWN = """() => {
  const onScreen = [...document.querySelectorAll('.chart')].filter((c) => {
    const r = c.getBoundingClientRect();
    return r.top < innerHeight && r.bottom > 0;
  });
  return onScreen.length > 0 && onScreen.every((c) => c.dataset.drawn === '1');
}"""


def test_each_chart_asks_once_for_all_its_runs(probe: PageProbe, server: str) -> None:
    page = probe.page
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    sizes: dict[str, int] = {}
    cdp.on("Network.loadingFinished",
           lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    asked: list[str] = []
    page.on("request", lambda r: "/series?" in r.url and asked.append(r.url))
    t0 = time.perf_counter()
    page.goto(f"{server}/#/p/{P}")
    page.wait_for_function(CHARTS_DRAWN, polling=50, timeout=20_000)
    elapsed = time.perf_counter() - t0
    transferred = sum(sizes.values())
    charts = page.locator('.chart[data-drawn="1"]')
    n = charts.count()
    assert n >= 3
    for i in range(n):
        assert charts.nth(i).locator(".legend-item").count() == 20  # "Charts show first 20"
    # one request per chart, for its 20 runs, as binary buckets; none per run
    assert len(asked) == n, asked
    for url in asked:
        parsed = urlparse(url)
        assert parsed.path.endswith(f"/projects/{P}/series")
        q = parse_qs(parsed.query)
        assert len(q["runs"][0].split(",")) == 20
        assert q["format"] == ["binary"]
    screenshot(page, "workspace-many-runs")
    # generous bounds for a loaded test machine (benchmarks/dashboard.py measures properly)
    assert elapsed < 6, f"charts took {elapsed:.2f} s"
    assert transferred < 1_500_000, f"{transferred} bytes"


def visible_names(page: Any) -> list[str]:
    return page.locator(".runs-table .tr .run-link").all_inner_texts()


def settle(page: Any, text: str = "") -> None:
    page.wait_for_function(
        """t => { const el = document.querySelector('.runs-table');
                  return el && el.dataset.filter === t
                      && el.getAttribute('aria-busy') === 'false'; }""",
        arg=text)


def test_server_filters_and_sorts_many_runs(probe: PageProbe, server: str) -> None:
    page = probe.page
    page.goto(f"{server}/#/p/{P}")
    page.wait_for_selector(".runs-table .tr")
    page.fill(".filter-input", "lr > 0.03")
    settle(page, "lr > 0.03")
    assert page.locator('[data-testid="run-count"]').inner_text() == f"10 of {seeds.MANY_RUNS} runs"
    page.fill(".filter-input", "wide = true many-1")
    settle(page, "wide = true many-1")
    assert sorted(visible_names(page)) == [f"many-1{k}" for k in range(0, 10, 2)]
    page.fill(".filter-input", "")
    settle(page)

    # sort by a summary column: the order the server gives
    header = page.locator('.th[data-col="summary:m0"]')
    header.click()
    page.wait_for_selector('.th[data-col="summary:m0"][aria-sort="ascending"]')
    want = get_json(f"{server}/api/v1/projects/{P}/run-ids?sort=summary:m0&order=asc")["ids"]
    shown = page.locator(".runs-table .tr").evaluate_all("els => els.map(e => e.dataset.runId)")
    assert shown == want[: len(shown)]
    header.click()
    page.wait_for_selector('.th[data-col="summary:m0"][aria-sort="descending"]')
    shown = page.locator(".runs-table .tr").evaluate_all("els => els.map(e => e.dataset.runId)")
    assert shown[0] == want[-1]
    header.click()  # back to newest first
    page.wait_for_selector('.th[data-col="summary:m0"][aria-sort="none"]')
