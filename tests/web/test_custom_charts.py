"""Custom charts (heron.plot) on the run page: each kind drawn as a real chart from its logged
table (a uPlot canvas with a legend and hover values, bars, a grid of counts), a spec Heron
does not know shown as its table, under the dashboard's Content-Security-Policy."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import STATIC, get_json, running_ui, screenshot, sdk_env

pytestmark = pytest.mark.timeout(120)
PROJECT = "charts"

SEED = r"""
import heron

run = heron.init(project=%(project)r, name="classifier")
curve = heron.Table(columns=["step", "loss", "split"],
                    data=[[s, 1 / (s + 1), "train"] for s in range(5)]
                    + [[s, 1.2 / (s + 1), "val"] for s in range(5)])
points = heron.Table(columns=["h", "w"], data=[[1.6, 55], [1.7, 65], [1.8, 80]])
counts = heron.Table(columns=["animal", "n"], data=[["cat", 12], ["dog", 9], ["bird", 4]])
scores = heron.Table(columns=["score"], data=[[v / 10] for v in range(40)])
truth = [0, 1, 2, 1, 0, 2, 2, 1]
probas = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.3, 0.4, 0.3],
          [0.5, 0.3, 0.2], [0.1, 0.3, 0.6], [0.4, 0.4, 0.2], [0.2, 0.5, 0.3]]
run.log({
    "loss": heron.plot.line(curve, "step", "loss", stroke="split", title="Loss by split"),
    "hw": heron.plot.scatter(points, "h", "w", title="Height and weight"),
    "animals": heron.plot.bar(counts, "animal", "n", title="Animals"),
    "scores": heron.plot.histogram(scores, "score", title="Scores"),
    "series": heron.plot.line_series([0, 1, 2], [[3, 2, 1], [4, 3, 3]], keys=["a", "b"],
                                     title="Two lines", xname="epoch"),
    "cm": heron.plot.confusion_matrix(y_true=truth, probs=probas,
                                      class_names=["cat", "dog", "bird"], title="Confusions"),
    "pr": heron.plot.pr_curve(truth, probas, labels=["cat", "dog", "bird"]),
    "roc": heron.plot.roc_curve(truth, probas, labels=["cat", "dog", "bird"]),
    "mine": heron.plot_table("me/radar/v1", counts, {"theta": "animal", "r": "n"}),
})
run.finish()

second = heron.init(project=%(project)r, name="baseline")
second.log({"cm": heron.plot.confusion_matrix(y_true=[0, 1, 1], preds=[1, 1, 1],
                                              class_names=["cat", "dog", "bird"])})
second.finish()
"""

WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


@pytest.fixture(scope="module")
def chart_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``heron ui`` on a store holding one run that logged every kind of chart."""
    if not (STATIC / "index.html").is_file():
        pytest.fail("the dashboard is not built: run `bash scripts/build-web.sh`")
    home = tmp_path_factory.mktemp("custom-charts")
    env = sdk_env(home / "store")
    env["HERON_CONFIG_DIR"] = str(home / "config")
    seeded = subprocess.run([sys.executable, "-c", SEED % {"project": PROJECT}], env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    with running_ui(env, home / "server.log") as base:
        yield base


class ChartPage:
    """The run's charts tab, under the dashboard's own CSP (no bypass), with what went wrong
    on it: script errors, console errors and policy violations."""

    def __init__(self, browser: Any, server: str) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text)
                     if m.type == "error" or "Content Security Policy" in m.text else None)
        self.page.add_init_script(WATCH_VIOLATIONS)
        self.server = server

    def open_run(self, name: str = "classifier") -> None:
        runs = get_json(f"{self.server}/api/v1/projects/{PROJECT}/runs")
        run_id = next(r["id"] for r in runs if r["name"] == name)
        self.page.goto(f"{self.server}/#/p/{PROJECT}/r/{run_id}/charts")
        self.page.wait_for_selector(".custom-charts")

    def open_workspace(self) -> None:
        self.page.goto(f"{self.server}/#/p/{PROJECT}")
        self.page.wait_for_selector(".custom-charts")

    def chart(self, key: str) -> Any:
        chart = self.page.locator(f'.custom-chart[data-chart="{key}"]')
        chart.scroll_into_view_if_needed()
        return chart

    def problems(self) -> list[str]:
        seen: list[str] = self.page.evaluate("() => window.__violations || []")
        return seen + self.errors


@pytest.fixture
def workspace(browser: Any, chart_server: str) -> Iterator[ChartPage]:
    page = ChartPage(browser, chart_server)
    page.open_workspace()
    yield page
    page.context.close()


@pytest.fixture
def charts(browser: Any, chart_server: str) -> Iterator[ChartPage]:
    page = ChartPage(browser, chart_server)
    page.open_run()
    yield page
    page.context.close()


def test_every_kind_is_drawn_without_errors(charts: ChartPage) -> None:
    page = charts.page
    assert page.locator(".custom-charts .section-count").inner_text() == "9"
    for key, kind in (("loss", "line"), ("hw", "scatter"), ("series", "lineseries"),
                      ("pr", "curve"), ("roc", "curve"), ("animals", "bar"),
                      ("scores", "histogram")):
        chart = charts.chart(key)
        assert chart.get_attribute("data-kind") == kind
        chart.locator('.chart-canvas[data-drawn="1"] canvas').wait_for()
    loss = charts.chart("loss")
    assert loss.locator(".chart-title").inner_text() == "Loss by split"
    assert loss.locator(".legend-item").evaluate_all(
        "els => els.map(e => [e.dataset.series, e.dataset.points])") == [["train", "5"],
                                                                        ["val", "5"]]
    assert charts.chart("roc").locator(".legend-item").all_inner_texts() == ["cat", "dog",
                                                                             "bird"]
    assert charts.chart("series").locator(".legend-item").all_inner_texts() == ["a", "b"]
    assert charts.chart("animals").locator("[data-bars]").get_attribute("data-bars") == "3"
    assert charts.chart("scores").locator(".legend-name").inner_text() == \
        "40 values in 6 bins"
    screenshot(page, "custom-charts", full_page=True)
    assert charts.problems() == []


def test_confusion_matrix_is_a_grid_of_counts(charts: ChartPage) -> None:
    cm = charts.chart("cm")
    assert cm.locator(".chart-title").inner_text() == "Confusions"
    cells = cm.locator("td.confusion-cell")
    cells.first.wait_for()
    assert cells.count() == 9
    grid = cells.evaluate_all(
        "els => els.map(e => [e.dataset.actual, e.dataset.predicted, e.textContent])")
    # argmax of each row of probabilities: cat, dog, bird, dog, cat, bird, cat, dog
    assert grid == [["cat", "cat", "2"], ["cat", "dog", "0"], ["cat", "bird", "0"],
                    ["dog", "cat", "0"], ["dog", "dog", "3"], ["dog", "bird", "0"],
                    ["bird", "cat", "1"], ["bird", "dog", "0"], ["bird", "bird", "2"]]
    cells.nth(6).hover()
    assert cm.locator(".custom-chart-note").inner_text() == "Actual bird, predicted cat: 1"
    assert charts.problems() == []


def test_hover_shows_each_lines_value(charts: ChartPage) -> None:
    loss = charts.chart("loss")
    loss.locator('.chart-canvas[data-drawn="1"]').wait_for()
    over = loss.locator(".u-over")
    box = over.bounding_box()
    assert box is not None
    over.hover(position={"x": 2, "y": box["height"] / 2})  # at step 0
    tip = loss.locator(".chart-tip")
    tip.wait_for(state="visible")
    rows = tip.locator(".tip-row").all_inner_texts()
    assert [r.split()[:2] for r in rows] == [["train", "1"], ["val", "1.2"]]
    assert charts.problems() == []


def test_an_unknown_spec_is_shown_as_its_table(charts: ChartPage) -> None:
    mine = charts.chart("mine")
    assert mine.get_attribute("data-kind") == "table"
    mine.locator(".custom-spec-table").wait_for()
    assert "Heron does not draw the chart spec me/radar/v1" in mine.inner_text()
    assert mine.locator("tbody tr").all_inner_texts() == ["cat\t12", "dog\t9", "bird\t4"]
    assert charts.problems() == []


def test_the_workspace_shows_each_runs_chart_by_key(workspace: ChartPage) -> None:
    page = workspace.page
    assert page.locator(".custom-charts .section-count").inner_text() == "9"
    cm = workspace.chart("cm")
    cm.locator("td.confusion-cell").first.wait_for()
    picker = cm.locator('select[aria-label="Run"]')
    assert sorted(picker.locator("option").all_inner_texts()) == ["baseline", "classifier"]
    picker.select_option(label="baseline")
    cm.locator('td[data-actual="dog"][data-predicted="dog"]').filter(has_text="2").wait_for()
    counts = cm.locator("td.confusion-cell").evaluate_all("els => els.map(e => e.textContent)")
    assert counts == ["0", "1", "0", "0", "2", "0", "0", "0", "0"]
    assert workspace.chart("mine").locator('select[aria-label="Run"]').count() == 0
    assert workspace.problems() == []
