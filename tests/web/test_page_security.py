"""The dashboard works under its Content-Security-Policy: every page draws what it draws
without the browser blocking a script, a style, an image or a request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.web import seeds
from tests.web.conftest import (
    PROJECT,
    SIGN_IN_FORM,
    ClosedServer,
    run_id_of,
    sign_in_form,
)

pytestmark = pytest.mark.timeout(180)

# Every violation the page sees, as the browser reports it to the page itself.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


class CspProbe:
    def __init__(self, page: Any) -> None:
        self.page = page
        self.console: list[str] = []
        self.errors: list[str] = []
        page.on("console", lambda m: self.console.append(m.text)
                if "Content Security Policy" in m.text or "Refused to" in m.text else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.add_init_script(WATCH_VIOLATIONS)

    def violations(self) -> list[str]:
        seen: list[str] = self.page.evaluate("() => window.__violations || []")
        return seen + self.console


@pytest.fixture
def csp_probe(browser: Any, server: str) -> Iterator[CspProbe]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    probe = CspProbe(page)
    yield probe
    context.close()


def _until(page: Any, predicate: str, seconds: float = 15) -> None:
    """Poll ``predicate`` from here: Playwright's own polling (``wait_for_function``) needs
    'unsafe-eval', which the policy under test refuses."""
    for _ in range(int(seconds * 10)):
        if page.evaluate(predicate):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {predicate}")


def _visit(probe: CspProbe, url: str, selector: str) -> None:
    probe.page.goto(url)
    probe.page.wait_for_selector(selector)
    probe.page.wait_for_timeout(300)  # late requests (images, the live feed) report too
    assert probe.violations() == [], url
    assert probe.errors == [], url


def test_the_dashboard_page_carries_the_policy(csp_probe: CspProbe, server: str) -> None:
    response = csp_probe.page.goto(server + "/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    for directive in ("script-src 'self'", "object-src 'none'", "base-uri 'none'",
                      "frame-ancestors 'none'", "connect-src 'self'", "style-src 'self';"):
        assert directive in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


def test_every_page_works_without_a_violation(csp_probe: CspProbe, server: str,
                                              seeded: dict[str, Any]) -> None:
    run = run_id_of(server, PROJECT, "run-lr-0.01")
    vision = run_id_of(server, seeds.MEDIA_PROJECT, "vision-run")
    pages = [
        (f"{server}/", f'tr[data-project="{PROJECT}"]'),
        (f"{server}/#/p/{PROJECT}", ".runs-table .tr"),
        (f"{server}/#/p/{PROJECT}/r/{run}", ".trees"),
        (f"{server}/#/p/{PROJECT}/r/{run}/charts", ".chart-plot canvas"),
        (f"{server}/#/p/{PROJECT}/r/{run}/logs", ".cline"),
        (f"{server}/#/p/{PROJECT}/r/{run}/files", ".files-table"),
        (f"{server}/#/p/{seeds.SWEEP_PROJECT}/sweeps/{seeded['sweep_id']}", ".sweep-grid"),
    ]
    for url, selector in pages:
        _visit(csp_probe, url, selector)
    # A reload is answered 304 from the browser's cache: the page must still run.
    csp_probe.page.reload()
    csp_probe.page.wait_for_selector(pages[-1][1])
    assert csp_probe.violations() == []
    # Images in panels: the stored PNGs load (img-src 'self') and masks draw on canvases.
    page = csp_probe.page
    page.goto(f"{server}/#/p/{seeds.MEDIA_PROJECT}/r/{vision}/charts")
    _until(page, "() => { const i = document.querySelector('.media-img img');"
                 " return !!i && i.complete && i.naturalWidth > 0; }")
    page.wait_for_timeout(300)
    assert csp_probe.violations() == []
    assert csp_probe.errors == []


def test_signing_in_and_the_admin_pages_work_without_a_violation(
        browser: Any, closed_server: ClosedServer) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    probe = CspProbe(page)
    try:
        page.goto(closed_server.url + "/")
        page.locator(SIGN_IN_FORM).wait_for()
        assert probe.violations() == []
        # The form's POST is the dashboard's own: same origin, JSON; the CSRF rules let it in.
        sign_in_form(page, closed_server.admin_key)
        page.locator(SIGN_IN_FORM).wait_for(state="detached")
        for route in ("#/admin", "#/admin/keys", "#/admin/audit", "#/keys"):
            page.goto(f"{closed_server.url}/{route}")
            page.wait_for_load_state("networkidle")
            assert page.locator(SIGN_IN_FORM).count() == 0, route
            assert probe.violations() == [], route
        assert probe.errors == []
    finally:
        context.close()

