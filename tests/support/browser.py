"""The system Chromium driven by Playwright: one browser for the whole test session, shared by
every folder whose tests open the dashboard (tests/web, tests/wandb_protocol). Playwright's
sync API allows one instance per thread, so the fixture lives in tests/conftest.py only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not CHROMIUM.exists():
        return (f"the dashboard tests need the system Chromium at {CHROMIUM} "
                "(apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the dashboard tests need `pip install playwright`"
    return None


def launched_browser() -> Iterator[Any]:
    """The body of the session's ``browser`` fixture."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
