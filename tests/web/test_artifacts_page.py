"""The dashboard's artifact pages for a dataset logged by the real SDK (seeds.ARTIFACTS): the
project's list (types, collections, versions, aliases), a version's page (details, metadata,
description as text, files, previews of the PNG, the CSV and the text file, downloads), the
lineage graph (producer run -> version -> consumer run), and the run page's Artifacts tab."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from tests.web import seeds
from tests.web.conftest import PageProbe, get_json, run_id_of, screenshot
from tests.web.test_page_security import CspProbe

pytestmark = pytest.mark.timeout(120)
P = seeds.ARTIFACT_PROJECT
DESCRIPTION = "digits <img src=x onerror=alert(7)>"
CSV_V1 = 'id,label,score\n1,"class, 1",0.5\n2,"class, 2",1.0\n3,"class, 3",1.5\n'


def test_the_list_shows_the_collection_its_versions_and_aliases(probe: PageProbe,
                                                                server: str) -> None:
    page = probe.page
    producer = run_id_of(server, P, "producer-run")
    page.goto(f"{server}/#/p/{P}")
    page.locator('a[data-action="artifacts"]').click()
    collection = page.locator('.artifact-type[data-type="dataset"] [data-collection="digits"]')
    collection.wait_for()
    assert page.url.endswith(f"#/p/{P}/artifacts")
    assert "2 versions" in collection.locator(".card-head").inner_text()
    v1 = collection.locator('tr[data-version="v1"]')
    v0 = collection.locator('tr[data-version="v0"]')
    assert sorted(v1.locator("[data-alias]").all_inner_texts()) == ["best", "latest"]
    assert v0.locator("[data-alias]").count() == 0
    assert v1.locator("td").nth(3).inner_text() == "3"  # files
    assert v1.locator(f'a[data-producer="{producer}"]').inner_text() == "producer-run"
    assert v1.locator(f'a[data-producer="{producer}"]').get_attribute("href") == \
        f"#/p/{P}/r/{producer}"
    screenshot(page, "artifacts-list")
    v0.locator("a.version-link").click()
    page.locator('[data-lineage="version"]').wait_for()
    assert page.url.endswith(f"#/p/{P}/artifacts/digits/v0")
    assert page.locator(".page-title").inner_text() == "digits:v0"
    # v0 was logged but nobody used it
    assert page.locator('[data-lineage="consumer-none"]').count() == 1

    # a project without artifacts says how to log one
    page.goto(f"{server}/#/p/{seeds.MEDIA_PROJECT}/artifacts")
    snippet = page.locator("[data-empty-snippet]")
    snippet.wait_for()
    assert "run.log_artifact(art" in snippet.inner_text()


def test_the_version_page_shows_details_files_previews_and_downloads(
        probe: PageProbe, server: str, tmp_path: Path) -> None:
    page = probe.page
    page.goto(f"{server}/#/p/{P}/artifacts/digits/best")
    page.locator('[data-lineage="version"]').wait_for()
    assert page.locator(".page-title").inner_text() == "digits:v1"
    assert sorted(page.locator(".page-head [data-alias]").all_inner_texts()) == ["best", "latest"]
    # the description is text: its HTML shows as written and makes no element
    description = page.locator("[data-description]")
    assert description.inner_text() == DESCRIPTION
    assert description.locator("img").count() == 0
    metadata = page.locator('[data-tree="Metadata"]')
    assert metadata.locator('[data-key="rows"] .tree-val').inner_text() == "3"
    assert metadata.locator('[data-key="kind"] .tree-val').inner_text() == "synthetic"

    files = page.locator(".artifact-files-table tr[data-file]")
    files.first.wait_for()
    assert files.evaluate_all("rows => rows.map(r => r.dataset.file)") == \
        ["data.csv", "notes.txt", "sample.png"]
    entries = {e["path"]: e for e in get_json(
        f"{server}/api/v1/artifacts/{page.locator('.artifact-page').get_attribute('data-artifact-id')}/files")}
    row = page.locator('tr[data-file="data.csv"]')
    assert row.locator("td").nth(1).inner_text() == f"{entries['data.csv']['size']} B"
    assert entries["data.csv"]["sha256"].startswith(row.locator("code").inner_text())

    # the PNG: an <img> from its media path, actually decoded
    page.locator('tr[data-file="sample.png"] a.file-link').click()
    img = page.locator('[data-preview-of="sample.png"] img[data-preview="image"]')
    img.wait_for()
    page.wait_for_function(
        "() => document.querySelector('img[data-preview=\"image\"]')?.naturalWidth > 0")
    assert img.evaluate("i => [i.naturalWidth, i.naturalHeight]") == [12, 8]
    assert img.get_attribute("src").endswith(f"/api/v1/{entries['sample.png']['media']}")
    assert "file=sample.png" in page.url

    # the CSV: a table, quoted commas kept in their cell
    page.locator('tr[data-file="data.csv"] a.file-link').click()
    table = page.locator('[data-preview-of="data.csv"] table[data-preview="table"]')
    table.wait_for()
    assert table.locator("th").all_inner_texts() == ["id", "label", "score"]
    assert table.locator("tbody tr").count() == 3
    assert table.locator("tbody tr").nth(1).locator("td").all_inner_texts() == \
        ["2", "class, 2", "1.0"]
    screenshot(page, "artifact-version", full_page=True)

    # its download link saves the stored bytes under the file's own name
    with page.expect_download() as got:
        page.locator('[data-preview-of="data.csv"] a[data-download="data.csv"]').click()
    download = got.value
    assert download.suggested_filename == "data.csv"
    saved = tmp_path / "data.csv"
    download.save_as(saved)
    assert saved.read_text() == CSV_V1
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == entries["data.csv"]["sha256"]
    # the PNG's link in the files table, too
    with page.expect_download() as got:
        page.locator('tr[data-file="sample.png"] a[data-download]').click()
    png = tmp_path / "sample.png"
    got.value.save_as(png)
    assert hashlib.sha256(png.read_bytes()).hexdigest() == entries["sample.png"]["sha256"]

    # the text file: shown as text, its HTML inert
    page.locator('tr[data-file="notes.txt"] a.file-link').click()
    text = page.locator('[data-preview-of="notes.txt"] pre[data-preview="text"]')
    text.wait_for()
    assert text.inner_text() == "hand written notes\n<b>not bold</b>\n"
    assert text.locator("b").count() == 0


def test_the_lineage_graph_links_the_producer_and_consumer_runs(probe: PageProbe,
                                                                server: str) -> None:
    page = probe.page
    producer = run_id_of(server, P, "producer-run")
    consumer = run_id_of(server, P, "consumer-run")
    page.goto(f"{server}/#/p/{P}/artifacts/digits/v1")
    graph = page.locator("[data-lineage-graph]")
    graph.locator('[data-lineage="consumer"]').first.wait_for()
    left = graph.locator('a[data-lineage="producer"]')
    right = graph.locator('a[data-lineage="consumer"]')
    assert left.get_attribute("data-run") == producer
    assert "producer-run" in left.inner_text()
    assert left.get_attribute("href") == f"#/p/{P}/r/{producer}"
    assert right.count() == 1
    assert right.get_attribute("data-run") == consumer
    assert "consumer-run" in right.inner_text()
    assert right.get_attribute("href") == f"#/p/{P}/r/{consumer}"
    # left to right: producer, version, consumer
    xs = [graph.locator(f'[data-lineage="{k}"]').bounding_box()["x"]
          for k in ("producer", "version", "consumer")]
    assert xs == sorted(xs)
    assert len(graph.locator("svg path").all()) == 2
    screenshot(page, "artifact-lineage")
    right.click()
    page.locator(".run-title").wait_for()
    assert page.locator(".run-title").inner_text() == "consumer-run"
    assert page.url.endswith(f"#/p/{P}/r/{consumer}")


def test_the_run_page_lists_what_the_run_logged_and_used(probe: PageProbe, server: str) -> None:
    page = probe.page
    producer = run_id_of(server, P, "producer-run")
    consumer = run_id_of(server, P, "consumer-run")
    page.goto(f"{server}/#/p/{P}/r/{producer}")
    page.locator('a[data-tab="artifacts"]').click()
    logged = page.locator('[data-artifact-list="logged"]')
    logged.locator("tr[data-artifact]").first.wait_for()
    assert page.url.endswith(f"#/p/{P}/r/{producer}/artifacts")
    assert sorted(logged.locator("tr[data-artifact]").evaluate_all(
        "rows => rows.map(r => r.dataset.artifact)")) == ["digits:v0", "digits:v1"]
    assert "None." in page.locator('[data-artifact-list="used"]').inner_text()
    screenshot(page, "run-artifacts")

    page.goto(f"{server}/#/p/{P}/r/{consumer}/artifacts")
    used = page.locator('[data-artifact-list="used"]')
    used.locator("tr[data-artifact]").first.wait_for()
    assert used.locator("tr[data-artifact]").evaluate_all(
        "rows => rows.map(r => r.dataset.artifact)") == ["digits:v1"]
    assert "None." in page.locator('[data-artifact-list="logged"]').inner_text()
    used.locator("a.version-link").click()
    page.locator('[data-lineage="version"]').wait_for()
    assert page.url.endswith(f"#/p/{P}/artifacts/digits/v1")


def test_the_artifact_pages_work_under_the_content_security_policy(browser: Any,
                                                                   server: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        csp = CspProbe(page)
        page.goto(f"{server}/#/p/{P}/artifacts")
        page.wait_for_selector('[data-collection="digits"]')
        page.goto(f"{server}/#/p/{P}/artifacts/digits/v1?file=sample.png")
        page.wait_for_selector('img[data-preview="image"]')
        for _ in range(50):
            if page.evaluate("() => document.querySelector('img[data-preview=\"image\"]')"
                             ".naturalWidth > 0"):
                break
            page.wait_for_timeout(100)
        page.goto(f"{server}/#/p/{P}/artifacts/digits/v1?file=data.csv")
        page.wait_for_selector('table[data-preview="table"]')
        page.wait_for_selector('[data-lineage="consumer"]')
        page.wait_for_timeout(300)
        assert csp.violations() == []
        assert csp.errors == []
    finally:
        context.close()
