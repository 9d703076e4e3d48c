"""Browser tests of the dashboard: the real `heron ui` server, runs made by the real SDK, and the
system Chromium driven by Playwright (install it with `apt-get install -y chromium`)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.browser import CHROMIUM  # noqa: F401  (tests import it from here)
from tests.support.server import ServerProcess
from tests.web import seeds

REPO = Path(__file__).resolve().parents[2]
STATIC = REPO / "src" / "heron" / "server" / "static"
SCREENSHOTS = REPO / "artifacts" / "screenshots"
PROJECT = "webtest"
XSS_NAME = "<img src=x onerror=alert(1)>"


# The runs every test reads: three runs with train/ and val/ metrics (val/* against epoch), and
# one run whose name, tags, config and console output carry HTML.
SEED = r"""
import math, sys
import heron

for i, lr in enumerate((0.01, 0.03, 0.1)):
    run = heron.init(project=%(project)r, name=f"run-lr-{lr}", config={"lr": lr, "batch_size": 32,
                     "optimizer": {"name": "adam" if i != 1 else "sgd", "beta": 0.9}},
                     tags=["baseline"] if i == 0 else ["sweep"])
    heron.define_metric("val/*", step_metric="epoch")
    loss = 2.0
    for step in range(300):
        loss = loss * (1 - lr) + 0.01 * math.sin(step)
        row = {"train/loss": loss, "train/acc": 1 - loss / 2}
        if step %% 30 == 29:
            row.update({"val/loss": loss * 1.1, "epoch": step // 30})
        heron.log(row)
    print(f"\x1b[32mdone\x1b[0m lr={lr}")
    heron.finish()

run = heron.init(project=%(project)r, name=%(xss)r, tags=["<b>tag</b>"],
                 config={"lr": 0.5, "html": "<script>alert(2)</script>", "batch_size": 64})
for step in range(50):
    heron.log({"train/loss": 1.0 / (step + 1)})
print("\x1b[31merror:\x1b[0m plain <script>alert(3)</script> line")
print("second line")
heron.finish()
"""


def sdk_env(store: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HERON_", "WANDB_"))}
    env.update(HERON_DIR=str(store), HERON_CONSOLE="wrap", HERON_SYSTEM_SAMPLE_SECONDS="0",
               HERON_SILENT="1", PYTHONUNBUFFERED="1")
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as res:
        return json.loads(res.read())


@pytest.fixture(autouse=True)
def heron_dir() -> None:
    """The browser tests share one module-wide store (below), not the per-test one."""


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every test project, made by the real SDK in subprocesses that run side by side."""
    store = tmp_path_factory.mktemp("web") / "store"
    scripts = {
        "main": SEED % {"project": PROJECT, "xss": XSS_NAME},
        "media": seeds.MEDIA % {"project": seeds.MEDIA_PROJECT},
        "sweep": seeds.SWEEP % {"project": seeds.SWEEP_PROJECT, "cap": seeds.SWEEP_RUN_CAP,
                                "count": seeds.SWEEP_FIRST_RUNS},
        "many": seeds.MANY % {"project": seeds.MANY_PROJECT, "runs": seeds.MANY_RUNS,
                              "metrics": seeds.MANY_METRICS, "steps": seeds.MANY_STEPS},
        "artifacts": seeds.ARTIFACTS % {"project": seeds.ARTIFACT_PROJECT},
    }
    procs = {name: subprocess.Popen([sys.executable, "-c", code], env=sdk_env(store),
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name, code in scripts.items()}
    out: dict[str, str] = {}
    for name, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=180)
        if proc.returncode != 0:
            pytest.fail(f"seeding {name!r} failed:\n{stderr[-3000:]}")
        out[name] = stdout
    return {"store": store, "sweep_id": out["sweep"].strip().splitlines()[-1]}


@pytest.fixture(scope="session")
def store_dir(seeded: dict[str, Any]) -> Path:
    return Path(seeded["store"])


@pytest.fixture(scope="session")
def server(store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not (STATIC / "index.html").is_file():
        pytest.fail("the dashboard is not built: run `bash scripts/build-web.sh`")
    env = sdk_env(store_dir)
    env["HERON_CONFIG_DIR"] = str(tmp_path_factory.mktemp("config"))
    with running_ui(env, tmp_path_factory.mktemp("serverlog") / "server.log") as base:
        yield base


@contextmanager
def running_ui(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """``heron ui`` on a free port with ``env`` (its output in ``log_path``); its URL until
    the block ends."""
    port = free_port()
    with open(log_path, "w+") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from heron.cli import main; main()", "ui", "--port",
             str(port), "--no-browser"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    get_json(f"{base}/api/v1/health")
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        pytest.fail(f"heron ui did not start:\n{log.read()}")
                    time.sleep(0.1)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


class PageProbe:
    """A page plus what went wrong on it: script errors and dialogs (an XSS would open one)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


# Playwright's polling wait_for_function builds its predicate with `new Function`, which the
# dashboard's Content-Security-Policy (no 'unsafe-eval') refuses: the tests' own contexts bypass
# the policy. test_page_security.py checks the dashboard under it, with no bypass.
TEST_CONTEXT = {"bypass_csp": True}


@pytest.fixture
def probe(browser: Any, server: str) -> Iterator[PageProbe]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True,
                                  **TEST_CONTEXT)
    page = context.new_page()
    page.set_default_timeout(10_000)
    pr = PageProbe(page)
    yield pr
    context.close()
    assert not pr.dialogs, f"a dialog opened (script injection?): {pr.dialogs}"
    assert not pr.errors, f"script errors on the page: {pr.errors}"


def screenshot(page: Any, name: str, full_page: bool = False) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def scroll_to(page: Any, selector: str) -> Any:
    """The element at `selector`, scrolled into view so that it renders (panels are lazy)."""
    el = page.locator(selector)
    for _ in range(40):
        if el.count():
            break
        page.mouse.wheel(0, 400)
        page.wait_for_timeout(100)
    el.first.wait_for(state="attached")
    el.first.evaluate("el => el.scrollIntoView({block: 'center'})")
    return el.first


SIGN_IN_FORM = 'form[aria-label="Sign in"]'


def sign_in_form(page: Any, key: str) -> None:
    """Type `key` into the dashboard's sign-in page and submit it."""
    form = page.locator(SIGN_IN_FORM)
    form.wait_for()
    form.locator('input[type="password"]').fill(key)
    form.locator('button[type="submit"]').click()


def sign_in(context: Any, base: str, key: str) -> None:
    """Sign a browser context in as the dashboard does: the key, sent once, for the session
    cookie (the context keeps it; no key is left in the page)."""
    res = context.request.post(f"{base}/api/v1/session", data={"key": key},
                               headers={"X-Heron-Client": "dashboard"})
    assert res.ok, f"signing in failed: {res.status} {res.text()}"


def run_id_of(server: str, project: str, name: str) -> str:
    runs = get_json(f"{server}/api/v1/projects/{project}/runs")
    return str(next(r["id"] for r in runs if r["name"] == name))


@dataclass
class ClosedServer:
    """A ``heron server`` that wants a key (docs/security.md), on a SQLite store of its own,
    with the admin key its first start printed."""

    process: ServerProcess
    admin_key: str
    store_url: str
    media: Path
    home: Path
    """A folder for the test's own files."""

    @property
    def url(self) -> str:
        return self.process.url

    def api(self, method: str, path: str, key: str | None = None,
            headers: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
        """A REST call with a key (the admin's unless given), as the SDK or a script makes."""
        headers = {"Authorization": f"Bearer {key or self.admin_key}", **(headers or {})}
        return httpx.request(method, f"{self.url}/api/v1/{path}", headers=headers, timeout=30,
                             **kw)

    def new_user_key(self, name: str, role: str) -> tuple[str, str]:
        """A user made through REST with the admin's key, and a key for them: (key, key id)."""
        made = self.api("POST", "users", json={"name": name, "role": role})
        assert made.status_code == 200, made.text
        key = self.api("POST", "keys", json={"user": name})
        assert key.status_code == 200, key.text
        return key.json()["key"], str(key.json()["id"])


@pytest.fixture(scope="module")
def closed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClosedServer]:
    if not (STATIC / "index.html").is_file():
        pytest.fail("the dashboard is not built: run `bash scripts/build-web.sh`")
    home = tmp_path_factory.mktemp("closed")
    store_url = f"sqlite:///{home / 'heron.db'}"
    process = ServerProcess(store_url, home / "media", free_port(),
                            env={"HERON_CONFIG_DIR": str(home / "config")})
    try:
        process.wait_ready()
        assert process.admin_key, f"the first start printed no admin key:\n{process.stderr}"
        yield ClosedServer(process, process.admin_key, store_url, home / "media", home)
    finally:
        process.stop()


@pytest.fixture
def visitor(browser: Any) -> Iterator[PageProbe]:
    """A page in a browser context of its own, signed out (``visitor.page.context``)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **TEST_CONTEXT)
    page = context.new_page()
    page.set_default_timeout(15_000)
    pr = PageProbe(page)
    yield pr
    context.close()
    assert not pr.dialogs, f"a dialog opened (script injection?): {pr.dialogs}"
    assert not pr.errors, f"script errors on the page: {pr.errors}"
