"""Shared fixtures: every test gets its own store folder and leaves no run open."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import launched_browser, missing_browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """The system Chromium (tests/support/browser.py), one for the whole session."""
    yield from launched_browser()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every test that drives the browser, saying why, where Chromium or Playwright is
    missing (the HTTP-only tests beside them still run)."""
    reason = missing_browser()
    if reason is None:
        return
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def heron_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private HERON_DIR; quiet runs with no system sampler or console tee by default."""
    root = tmp_path / "heron-store"
    monkeypatch.setenv("HERON_DIR", str(root))
    monkeypatch.setenv("HERON_CONFIG_DIR", str(tmp_path / "heron-config"))
    monkeypatch.setenv("HERON_SYSTEM_SAMPLE_SECONDS", "0")
    monkeypatch.setenv("HERON_CONSOLE", "off")
    monkeypatch.setenv("HERON_SILENT", "1")
    from heron.sdk.settings import ENVIRONMENT

    # A developer's shell may set any of the variables Heron reads (W&B's too).
    for name in ("HERON_PROJECT", "HERON_MODE", "HERON_HOST", "HERON_API_KEY",
                 "WANDB_BASE_URL", "WANDB_API_KEY", *(row.wandb for row in ENVIRONMENT)):
        if name:
            monkeypatch.delenv(name, raising=False)
    yield root
    import heron
    from heron.sdk import registry

    for run in registry.live_runs():
        run.finish(quiet=True)
    assert heron.run is None
