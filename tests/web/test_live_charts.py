"""A chart that grew live draws what the same chart draws after a reload: pixel for pixel, for
plain lines, smoothing, log y, another metric as x, grouped runs and the run page, with runs that
log while the pages are open (one of them fast enough for min-max buckets)."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.web.conftest import (
    SCREENSHOTS,
    TEST_CONTEXT,
    PageProbe,
    get_json,
    sdk_env,
)

pytestmark = pytest.mark.timeout(240)

PROJECT = "weblive"
STEPS = 80
DENSE_STEPS = 4500

# Each run waits for the go file, so that every page is open before the first point is logged
# and everything the charts hold arrived live. y = step is the user's report: a chart opened
# while it logged ended at y = 35 for step 79.
RUN = r"""
import math, os, sys, time
import heron

name, run_id, opt, phase, go = sys.argv[1:6]
heron.init(project=%(project)r, name=name, id=run_id, config={"opt": opt})
heron.define_metric("val/*", step_metric="epoch")
while not os.path.exists(go):
    time.sleep(0.02)
for step in range(%(steps)d):
    row = {"y": step,
           "loss": 2.0 * 0.96 ** step + 0.05 * (step %% 7) + float(phase),
           # x = acc: a metric that goes back and forth
           "acc": 0.5 + 0.4 * (1 - math.exp(-step / 30)) + 0.05 * math.sin(step + float(phase))}
    if step %% 10 == 9:
        row.update({"val/acc": row["acc"] - 0.1, "epoch": step // 10})
    heron.log(row)
    time.sleep(0.05)
heron.finish()
"""

# Enough points for min-max buckets, in three parts: raw points in batches the feed inlines;
# a burst too large to inline (the chart fetches it from its cursor), after which the chart holds
# buckets; batches that merge into those buckets until their width doubles (past x = 4096 at 512
# buckets). The SDK writes every 2 s here and the pauses are longer, so each part is its own
# batches however busy the machine is.
DENSE = r"""
import math, os, sys, time
import heron

go = sys.argv[1]
heron.init(project=%(project)r, name="dense", id="weblivedense", config={"opt": "sgd"})
while not os.path.exists(go):
    time.sleep(0.02)
for step in range(%(steps)d):
    heron.log({"dense/sig": 2 + math.sin(step / 50) + (5 if step %% 997 == 3 else 0)})
    if step == 299 or step == 3899:
        time.sleep(3)
    elif step > 3899 and step %% 100 == 99:
        time.sleep(0.5)
heron.finish()
"""

RUNS = [("run-a", "weblivea", "adam", "0"), ("run-b", "weblivebb", "adam", "0.3")]

# metric -> points per run, as each page's legend says once everything has arrived
PER_RUN = {"y": STEPS, "loss": STEPS, "acc": STEPS, "epoch": STEPS // 10, "val/acc": STEPS // 10}
STEP_X = {m: {name: n for name, *_ in RUNS} for m, n in PER_RUN.items()} | {
    "dense/sig": {"dense": DENSE_STEPS}}
GROUPED = {m: {"opt=adam": 2 * n} for m, n in PER_RUN.items()} | {
    "dense/sig": {"opt=sgd": DENSE_STEPS}}
# dense logs no acc, so it has nothing to draw against it
ACC_X = {m: totals for m, totals in STEP_X.items() if m != "dense/sig"}
RUN_PAGE = {m: {"run-a": n} for m, n in PER_RUN.items()}

# What the chart holds: per chart, per legend entry (a run or a group), its total points.
TOTALS_JS = """() => Object.fromEntries([...document.querySelectorAll('.chart')].map(c => [
    c.dataset.metric,
    Object.fromEntries([...c.querySelectorAll('.legend-item')].map(i => [
        i.querySelector('.legend-name').textContent.replace(/ \\(\\d+\\)$/, ''),
        +i.dataset.total]))]))"""

DONE_JS = f"""expected => {{
    const got = ({TOTALS_JS})();
    return Object.entries(expected).every(([m, runs]) =>
        got[m] && Object.keys(got[m]).length === Object.keys(runs).length
        && Object.entries(runs).every(([name, n]) => got[m][name] === n));
}}"""

# Each chart's canvas, once two frames have passed since its last update.
CANVASES_JS = """async () => {
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    return Object.fromEntries([...document.querySelectorAll('.chart')].map(c => [
        c.dataset.metric,
        c.querySelector('.chart-canvas canvas')?.toDataURL('image/png') ?? null]));
}"""


def pixels(data_url: str) -> np.ndarray:
    from PIL import Image

    raw = base64.b64decode(data_url.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(raw)).convert("RGBA"), dtype=np.int16)


def unmatched(a: np.ndarray, b: np.ndarray, tolerance: int = 40) -> int:
    """Pixels of `a` with no pixel of `b` within one pixel of them that looks the same: what
    differs beyond anti-aliasing."""
    h, w, _ = a.shape
    padded = np.pad(b, ((1, 1), (1, 1), (0, 0)), constant_values=-1000)
    best = np.full((h, w), 10_000, dtype=np.int32)
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            diff = np.abs(a - padded[dy:dy + h, dx:dx + w]).max(axis=2)
            best = np.minimum(best, diff)
    return int((best > tolerance).sum())


def canvases_differ(live: str, reloaded: str) -> str | None:
    """Why two canvases differ beyond anti-aliasing, or None when they draw the same."""
    a, b = pixels(live), pixels(reloaded)
    if a.shape != b.shape:
        return f"sizes differ: {a.shape[:2]} live, {b.shape[:2]} after reload"
    drawn = int((np.abs(a - a[0, 0]).max(axis=2) > 0).sum())
    bad = max(unmatched(a, b), unmatched(b, a))
    # a line through a few wrong points moves far more pixels than this
    return f"{bad} of {drawn} drawn pixels differ" if bad > max(8, drawn // 500) else None


def save(name: str, data_url: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"{name}.png").write_bytes(base64.b64decode(data_url.split(",", 1)[1]))


def wait_for_totals(page: Any, expected: dict[str, dict[str, int]], what: str) -> None:
    try:
        page.wait_for_function(DONE_JS, arg=expected, timeout=60_000, polling=200)
    except Exception as err:
        got = page.evaluate(TOTALS_JS)
        raise AssertionError(f"{what}: charts hold {got}, expected {expected}") from err


Opener = Callable[[dict[str, Any]], PageProbe]


@pytest.fixture
def contexts(browser: Any) -> Iterator[Opener]:
    """Pages in their own browser contexts (own chart settings), closed at the end."""
    opened: list[Any] = []
    probes: list[PageProbe] = []

    def new(prefs: dict[str, Any]) -> PageProbe:
        # Tall enough that every panel is on screen (panels render lazily).
        context = browser.new_context(viewport={"width": 1280, "height": 2200}, **TEST_CONTEXT)
        context.add_init_script(
            "for (const [k, v] of Object.entries(" + json.dumps(prefs) + "))"
            " localStorage.setItem('heron.' + k, JSON.stringify(v));")
        opened.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        probe = PageProbe(page)
        probes.append(probe)
        return probe

    yield new
    for context in opened:
        context.close()
    for probe in probes:
        assert not probe.errors, f"script errors on the page: {probe.errors}"


def test_live_charts_draw_what_a_reload_draws(contexts: Opener, server: str, store_dir: Path,
                                              tmp_path: Path) -> None:
    go = tmp_path / "go"
    env = sdk_env(store_dir)
    procs = [subprocess.Popen([sys.executable, "-c", RUN % {"project": PROJECT, "steps": STEPS},
                               name, run_id, opt, phase, str(go)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for name, run_id, opt, phase in RUNS]
    procs.append(subprocess.Popen(
        [sys.executable, "-c", DENSE % {"project": PROJECT, "steps": DENSE_STEPS}, str(go)],
        env=env | {"HERON_FLUSH_INTERVAL": "2"}, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True))
    try:
        deadline = time.monotonic() + 30
        while len(get_json(f"{server}/api/v1/projects/{PROJECT}/runs")) < len(procs):
            assert time.monotonic() < deadline, "the runs did not start"
            time.sleep(0.1)
        workspace = f"{server}/#/p/{PROJECT}"
        def chart(x: str = "_step", smoothing: float = 0, log_y: bool = False) -> dict[str, Any]:
            return {"chart.weblive": {"x": x, "smoothing": smoothing, "logY": log_y}}

        step = chart()
        pages: dict[str, tuple[PageProbe, str, dict[str, dict[str, int]]]] = {
            "line": (contexts(step), workspace, STEP_X),
            "smoothed": (contexts(chart(smoothing=0.6)), workspace, STEP_X),
            "log-y": (contexts(chart(log_y=True)), workspace, STEP_X),
            "x-acc": (contexts(chart(x="acc")), workspace, ACC_X),
            "grouped": (contexts(step | {"groupBy.weblive": "opt"}), workspace, GROUPED),
            "run-page": (contexts(step), f"{server}/#/p/{PROJECT}/r/{RUNS[0][1]}/charts", RUN_PAGE),
        }
        for probe, url, _ in pages.values():
            probe.page.goto(url)
        for name, (probe, _, _) in pages.items():
            probe.page.wait_for_selector(".live[data-live='live']")
            if name == "run-page":
                probe.page.wait_for_selector(".run-page .empty-panels")
            else:
                probe.page.wait_for_function(
                    "() => document.querySelectorAll('.runs-table .tr').length === 3")
        go.touch()

        for name, (probe, _, expected) in pages.items():
            wait_for_totals(probe.page, expected, f"{name} (live)")
        for proc in procs:
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err[-3000:]

        # y = step: each live run's chart ends at y = 79 for step 79
        line = pages["line"][0].page
        for run_name, *_ in RUNS:
            item = line.locator(f'.chart[data-metric="y"] .legend-item[title="{run_name}"]')
            assert item.get_attribute("data-last-x") == str(STEPS - 1)
            assert item.get_attribute("data-last-y") == str(STEPS - 1)
            assert item.get_attribute("data-points") == str(STEPS)
        # dense logged more points than a chart asks for: it holds min-max buckets
        dense = line.locator('.chart[data-metric="dense/sig"]')
        assert "min\u2013max" in dense.locator(".chart-sub").inner_text()
        assert int(dense.locator(".legend-item").get_attribute("data-points") or 0) < DENSE_STEPS

        live = {name: probe.page.evaluate(CANVASES_JS) for name, (probe, _, _) in pages.items()}
        problems = []
        for name, (probe, _, expected) in pages.items():
            probe.page.reload()
            probe.page.wait_for_function(
                "n => document.querySelectorAll('.chart[data-drawn=\"1\"]').length >= n",
                arg=len(expected))
            wait_for_totals(probe.page, expected, f"{name} (reloaded)")
            reloaded = probe.page.evaluate(CANVASES_JS)
            assert sorted(reloaded) == sorted(live[name]), name
            for metric, url in reloaded.items():
                assert url and live[name][metric], f"{name} {metric}: no canvas"
                why = canvases_differ(live[name][metric], url)
                if why:
                    tag = f"live-vs-reload-{name}-{metric.replace('/', '_')}"
                    save(f"{tag}-live", live[name][metric])
                    save(f"{tag}-reloaded", url)
                    problems.append(f"{name} {metric}: {why}")
        assert not problems, "live charts differ from reloaded ones:\n" + "\n".join(problems)
    finally:
        go.touch()
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
