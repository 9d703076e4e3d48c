"""Two users' projects of one name on a ``heron server``: the projects page shows both with
their entities, each opens its own runs, and a reload (the entity is in the address) stays
there."""

from __future__ import annotations

import time
from typing import Any

import pytest

from heron import records as r
from tests.web.conftest import ClosedServer, PageProbe, sign_in

pytestmark = pytest.mark.timeout(180)

PROJECT = "uncategorized"


@pytest.fixture(scope="module")
def two(closed_server: ClosedServer) -> ClosedServer:
    """alice and bob each log one run into their own ``uncategorized`` (alice first)."""
    for who in ("alice", "bob"):
        key, _ = closed_server.new_user_key(who, "member")
        batch = r.Batch(project=PROJECT, run_id=f"{who}run1", seq=1, entity=who, records=[
            r.RunStart(name=f"{who}-run", started_at=time.time()),
            r.HistoryRow(0, {"_step": 0, "_runtime": 0.0, "_timestamp": time.time(),
                             "loss": 1.0}),
            r.RunEnd(state="finished", exit_code=0, ended_at=time.time())])
        res = closed_server.api("POST", "ingest", key=key, content=r.encode([batch]),
                                headers={"Content-Type": "application/msgpack"})
        assert res.status_code == 200, res.text
    return closed_server


def _runs_shown(page: Any) -> list[str]:
    page.locator(".runs-table a.run-link").first.wait_for()
    return sorted(page.locator(".runs-table a.run-link").evaluate_all(
        "links => links.map(a => a.title)"))


def test_each_of_two_same_named_projects_opens_its_own_runs(two: ClosedServer,
                                                            visitor: PageProbe) -> None:
    page = visitor.page
    sign_in(page.context, two.url, two.admin_key)
    for who in ("alice", "bob"):
        page.goto(two.url + "/#/")
        rows = page.locator(f'tr[data-project="{PROJECT}"]')
        rows.nth(1).wait_for()
        assert sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.entity)")) == [
            "alice", "bob"]
        row = page.locator(f'tr[data-project="{PROJECT}"][data-entity="{who}"]')
        assert f"{who} / {PROJECT}" in row.inner_text()
        row.locator("a.project-link").click()
        assert _runs_shown(page) == [f"{who}-run"]
        assert page.url.endswith(f"#/p/{PROJECT}?entity={who}")
        page.reload()
        assert _runs_shown(page) == [f"{who}-run"]
        # the run's page, and back to the project from it, stay in the entity
        page.locator(".runs-table a.run-link").first.click()
        page.wait_for_url(f"**/#/p/{PROJECT}/r/{who}run1?entity={who}")
        page.locator(".crumbs a.crumb").first.click()
        assert _runs_shown(page) == [f"{who}-run"]


def test_an_old_link_without_an_entity_still_opens_a_project(two: ClosedServer,
                                                            visitor: PageProbe) -> None:
    page = visitor.page
    sign_in(page.context, two.url, two.admin_key)
    page.goto(f"{two.url}/#/p/{PROJECT}")
    assert _runs_shown(page) == ["alice-run"]  # the admin's rights are equal: the older one
