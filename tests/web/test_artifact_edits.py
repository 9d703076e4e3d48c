"""Editing and deleting an artifact version from its page: a user changes its description,
metadata and aliases, is told what is wrong with bad metadata or a reserved alias, deletes a
version only once they agree to delete its aliases too; a viewer of a server's project sees
no edit controls, its owner does."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import ClosedServer, PageProbe, get_json, sdk_env, sign_in

pytestmark = pytest.mark.timeout(180)

PROJECT = "artedits"
LOG_VERSIONS = r"""
import sys, tempfile
from pathlib import Path
import heron
work = Path(tempfile.mkdtemp())
with heron.init(project=sys.argv[1], name="maker") as run:
    for i, aliases in enumerate((["best"], [])):
        (work / "w.bin").write_bytes(bytes([i]) * 100)
        art = heron.Artifact("weights", type="model", description="first", metadata={"lr": 0.5})
        art.add_file(str(work / "w.bin"))
        run.log_artifact(art, aliases=aliases).wait()
"""


def _log_versions(env: dict[str, str], project: str) -> None:
    done = subprocess.run([sys.executable, "-c", LOG_VERSIONS, project], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]


def _version(server: str, alias: str) -> Any:
    return get_json(f"{server}/api/v1/projects/{PROJECT}/artifacts/weights/{alias}")


def test_a_user_edits_a_version_then_deletes_it_with_its_aliases(
        probe: PageProbe, server: str, store_dir: Path) -> None:
    _log_versions(sdk_env(store_dir), PROJECT)
    page = probe.page
    page.goto(f"{server}/#/p/{PROJECT}/artifacts/weights/best")
    page.locator(".page-title").wait_for()
    assert page.locator(".page-title").inner_text() == "weights:v0"

    page.click('[data-action="edit-version"]')
    dialog = page.get_by_role("dialog", name="Edit weights:v0")
    assert dialog.locator('input[name="aliases"]').input_value() == "best"
    # Metadata that is not a JSON object is refused in the page, naming the problem.
    dialog.locator('textarea[name="metadata"]').fill("[1, 2]")
    dialog.get_by_role("button", name="Save").click()
    assert dialog.get_by_role("alert").inner_text() == \
        'Metadata must be a JSON object ({"key": value}), not an array'
    # A version number is not an alias: the server's reason is shown, nothing is stored.
    dialog.locator('textarea[name="metadata"]').fill('{"lr": 0.1, "layers": [64, 32]}')
    dialog.locator('input[name="aliases"]').fill("prod, v7")
    dialog.get_by_role("button", name="Save").click()
    dialog.get_by_role("alert").filter(has_text="v7").wait_for()
    assert _version(server, "v0")["metadata"] == {"lr": 0.5}

    dialog.locator('textarea[name="description"]').fill("tuned <b>by hand</b>")
    dialog.locator('input[name="aliases"]').fill("prod, candidate")
    dialog.get_by_role("button", name="Save").click()
    dialog.wait_for(state="detached")
    # "best" is gone, so the page follows the version by its number.
    page.wait_for_url(f"**/#/p/{PROJECT}/artifacts/weights/v0")
    page.locator('[data-description]').filter(has_text="tuned").wait_for()
    assert page.locator("[data-description]").inner_text() == "tuned <b>by hand</b>"
    assert sorted(page.locator(".page-head [data-alias]").all_inner_texts()) == \
        ["candidate", "prod"]
    stored = _version(server, "prod")
    assert (stored["version"], stored["description"], stored["metadata"], stored["aliases"]) == \
        (0, "tuned <b>by hand</b>", {"lr": 0.1, "layers": [64, 32]}, ["candidate", "prod"])
    assert _version(server, "latest")["version"] == 1  # latest stays on the newest version

    # Deleting waits for the user to agree that its aliases go with it.
    page.click('[data-action="delete-version"]')
    confirm = page.get_by_role("dialog", name="Delete weights:v0")
    delete = confirm.get_by_role("button", name="Delete version")
    assert delete.is_disabled()
    confirm.locator('input[name="delete-aliases"]').check()
    delete.click()
    page.wait_for_url(f"**/#/p/{PROJECT}/artifacts")
    page.locator('[data-collection="weights"] tr[data-version="v1"]').wait_for()
    assert page.locator('[data-collection="weights"] tr[data-version="v0"]').count() == 0
    with pytest.raises(urllib.error.HTTPError) as gone:
        _version(server, "v0")
    assert gone.value.code == 404
    assert _version(server, "v1")["aliases"] == ["latest"]


def test_a_viewer_sees_no_edit_controls_and_the_owner_does(closed_server: ClosedServer,
                                                           visitor: PageProbe,
                                                           tmp_path: Path) -> None:
    env = {**sdk_env(tmp_path / "client"), "HERON_HOST": closed_server.url,
           "HERON_API_KEY": closed_server.admin_key}
    _log_versions(env, "served-arts")
    viewer, _ = closed_server.new_user_key("vera", "viewer")
    page = visitor.page
    version_page = f"{closed_server.url}/#/p/served-arts/artifacts/weights/v1"

    sign_in(page.context, closed_server.url, viewer)
    page.goto(version_page)
    page.locator('[data-lineage="version"]').wait_for()
    page.wait_for_load_state("networkidle")  # the project's access has been asked by now
    assert page.locator('[data-action="edit-version"]').count() == 0
    assert page.locator('[data-action="delete-version"]').count() == 0

    sign_in(page.context, closed_server.url, closed_server.admin_key)
    page.goto(version_page)
    page.reload()
    page.locator('[data-action="edit-version"]').wait_for()
    assert page.locator('[data-action="delete-version"]').count() == 1


LOG_MANY = r"""
import sys
import heron
with heron.init(project=sys.argv[1], name="maker") as run:
    for i in range(12):
        art = heron.Artifact("many", type="dataset")
        with art.new_file("n.txt") as f:
            f.write(str(i))
        run.log_artifact(art).wait()
"""


def test_the_list_reads_a_collections_versions_a_page_at_a_time(
        probe: PageProbe, server: str, store_dir: Path) -> None:
    done = subprocess.run([sys.executable, "-c", LOG_MANY, "artpages"], env=sdk_env(store_dir),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    page = probe.page
    page.goto(f"{server}/#/p/artpages/artifacts")
    card = page.locator('[data-collection="many"]')
    card.locator('tr[data-version="v11"]').wait_for()
    assert "12 versions" in card.locator(".card-head").inner_text()
    rows = card.locator("tr[data-version]")
    assert rows.evaluate_all("rs => rs.map(r => r.dataset.version)") == \
        [f"v{n}" for n in range(11, 1, -1)]
    more = card.locator('[data-action="more-versions"]')
    assert more.inner_text() == "Show 2 more of 2"
    more.click()
    card.locator('tr[data-version="v0"]').wait_for()
    assert rows.evaluate_all("rs => rs.map(r => r.dataset.version)") == \
        [f"v{n}" for n in range(11, -1, -1)]
    assert more.count() == 0
