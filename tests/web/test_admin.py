"""The Admin page and a project's Access dialog on a closed ``heron server``
(docs/security.md): an admin makes a member and a key for them, shown once, that works with the
REST API; every change the dashboard makes says it is the dashboard's; the project's owner
sets its visibility and grants."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from heron import records as r
from tests.web.conftest import (
    TEST_CONTEXT,
    ClosedServer,
    PageProbe,
    screenshot,
    sign_in,
    sign_in_form,
)

pytestmark = pytest.mark.timeout(180)

PROJECT = "adminproj"


@pytest.fixture(scope="module")
def closed(closed_server: ClosedServer) -> ClosedServer:
    """The server, with one project the admin owns (its run logged with the admin's key)."""
    batch = r.Batch(project=PROJECT, run_id="adminrun1", seq=1, records=[
        r.RunStart(name="admin-run", started_at=time.time()),
        r.HistoryRow(0, {"_step": 0, "_runtime": 0.0, "_timestamp": time.time(), "loss": 1.0}),
        r.RunEnd(state="finished", exit_code=0, ended_at=time.time())])
    res = closed_server.api("POST", "ingest", content=r.encode([batch]),
                            headers={"Content-Type": "application/msgpack"})
    assert res.status_code == 200, res.text
    return closed_server


def test_admin_page_makes_a_member_and_a_key_that_works(
    closed: ClosedServer, visitor: PageProbe
) -> None:
    page = visitor.page
    context = page.context
    sent: list[tuple[str, str, dict[str, str]]] = []

    def record(req: Any) -> None:
        if "/api/" in req.url:
            sent.append((req.method, req.url, req.headers))

    page.on("request", record)
    page.goto(closed.url + "/")
    sign_in_form(page, closed.admin_key)
    page.click('[data-action="admin"]')
    users = page.locator('[data-section="users"]')
    users.locator('tr[data-user="admin"]').wait_for()

    form = page.locator('form[aria-label="New user"]')
    form.locator('input[aria-label="New user name"]').fill("bea")
    form.locator('select[aria-label="New user role"]').select_option("member")
    form.locator('[data-action="create-user"]').click()
    row = users.locator('tr[data-user="bea"]')
    row.wait_for()
    assert row.locator('select[aria-label="Role of bea"]').input_value() == "member"

    row.locator('[data-action="new-key"]').click()
    shown = page.locator('[data-testid="new-key"]')
    shown.wait_for()
    assert shown.get_attribute("data-user") == "bea"
    key = shown.locator("input").input_value()
    assert key.startswith("hk-")
    screenshot(page, "admin-new-key")

    me = httpx.get(f"{closed.url}/api/v1/me", headers={"Authorization": f"Bearer {key}"},
                   timeout=10)
    assert me.status_code == 200, me.text
    assert me.json()["user"] == "bea" and me.json()["role"] == "member"
    assert closed.api("GET", "projects", key=key).status_code == 200

    # every change the page made said it is the dashboard's, in JSON; no request carried a key
    writes = [(method, url, headers) for method, url, headers in sent if method != "GET"]
    assert {m for m, _, _ in writes} >= {"POST"} and len(writes) >= 3
    for method, url, headers in writes:
        assert headers.get("x-heron-client") == "dashboard", (method, url)
        assert headers.get("content-type") == "application/json", (method, url)
    assert not [u for _, u, h in sent if "authorization" in h]

    # shown once: gone once the page changes; the keys tab lists it by its hint only
    page.click('.tab[data-tab="keys"]')
    page.locator('[data-section="keys"] tbody tr').first.wait_for()
    assert page.locator('[data-testid="new-key"]').count() == 0
    assert key not in page.locator('[data-section="keys"]').inner_text()
    assert page.locator('[data-section="keys"] td:text-is("bea")').count() >= 1

    # the audit trail says who made them, newest first
    page.click('.tab[data-tab="audit"]')
    page.locator('[data-section="audit"] tbody tr').first.wait_for()
    actions = page.locator('[data-section="audit"] tbody tr').evaluate_all(
        "rows => rows.map(r => r.dataset.action)")
    assert "key.create" in actions and "user.create" in actions
    assert actions.index("key.create") < actions.index("user.create")
    screenshot(page, "admin-audit")

    # bea signs in elsewhere: no Admin link; My keys lists her key
    other = context.browser.new_context(viewport={"width": 1280, "height": 900},
                                        **TEST_CONTEXT)
    try:
        page2 = other.new_page()
        page2.goto(closed.url + "/")
        sign_in_form(page2, key)
        page2.locator('.user-menu[data-user="bea"]').wait_for()
        assert page2.locator('[data-action="admin"]').count() == 0
        page2.click('[data-action="my-keys"]')
        page2.locator('[data-section="keys"] tbody tr').first.wait_for()
        assert page2.locator('[data-section="keys"] tbody tr').count() == 1
    finally:
        other.close()


def test_the_owner_sets_a_projects_access(closed: ClosedServer, visitor: PageProbe) -> None:
    page = visitor.page
    cy, _ = closed.new_user_key("cy", "viewer")
    sign_in(page.context, closed.url, closed.admin_key)
    page.goto(f"{closed.url}/#/p/{PROJECT}")
    page.click('[data-action="access"]')
    dialog = page.locator('[role="dialog"]')
    visibility = dialog.locator('select[aria-label="Visibility"]')
    assert visibility.input_value() == "server"

    # private, with a grant for cy: cy reads it
    visibility.select_option("private")
    dialog.locator('input[aria-label="User to grant"]').fill("cy")
    dialog.locator('select[aria-label="Role to grant"]').select_option("member")
    dialog.locator('[data-action="grant"]').click()
    dialog.locator('tr[data-grant="cy"]').wait_for()
    access = closed.api("GET", f"projects/{PROJECT}/access").json()
    assert access["visibility"] == "private"
    assert {"user": "cy", "role": "member"} in access["members"]
    assert page.locator('[data-action="access"]').inner_text().endswith("private")
    screenshot(page, "project-access")
    assert wait_status(closed, f"projects/{PROJECT}/access", cy, 200)

    # the grant removed: to cy the private project does not exist
    dialog.locator('tr[data-grant="cy"] [data-action="ungrant"]').click()
    dialog.locator('tr[data-grant="cy"]').wait_for(state="detached")
    assert wait_status(closed, f"projects/{PROJECT}/access", cy, 404)

    # back to every user of the server
    visibility.select_option("server")
    assert wait_status(closed, f"projects/{PROJECT}/access", cy, 200)
    assert closed.api("GET", f"projects/{PROJECT}/access").json()["visibility"] == "server"


def wait_status(closed: ClosedServer, path: str, key: str, status: int) -> bool:
    """Whether GET `path` with `key` answers `status` within 3 s (access is cached up to 1 s)."""
    deadline = time.monotonic() + 3
    while closed.api("GET", path, key=key).status_code != status:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True
