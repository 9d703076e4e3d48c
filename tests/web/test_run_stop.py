"""The run page's "Stop run": a user stops a running script from the dashboard, the script is
interrupted, and the page shows the run killed."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.web.conftest import PageProbe, get_json, sdk_env

pytestmark = pytest.mark.timeout(180)

PROJECT = "webstop"
RUN_ID = "webstop01"
SCRIPT = r"""
import time
import heron
heron.init(project=%(project)r, name="long-job", id=%(run_id)r)
try:
    for step in range(100_000):
        heron.log({"loss": 1.0 / (step + 1)})
        time.sleep(0.05)
finally:
    print("cleanup ran", flush=True)
"""


def test_stop_run_in_the_dashboard_interrupts_the_script(probe: PageProbe, server: str,
                                                         store_dir: Path,
                                                         tmp_path: Path) -> None:
    script = tmp_path / "long_job.py"
    script.write_text(SCRIPT % {"project": PROJECT, "run_id": RUN_ID})
    proc = subprocess.Popen([sys.executable, str(script)], env=sdk_env(store_dir),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        run_url = f"{server}/api/v1/projects/{PROJECT}/runs/{RUN_ID}"
        deadline = time.time() + 60
        while True:
            try:
                if get_json(run_url)["state"] == "running":
                    break
            except OSError:
                pass
            assert time.time() < deadline, "the run never started"
            time.sleep(0.2)
        page = probe.page
        page.goto(f"{server}/#/p/{PROJECT}/r/{RUN_ID}")
        page.get_by_role("button", name="Stop run").click()
        dialog = page.get_by_role("dialog", name="Stop long-job")
        dialog.get_by_role("button", name="Stop run").click()
        page.get_by_role("button", name="Stopping…").wait_for()
        assert get_json(run_url)["stop_requested_at"] is not None

        out, _ = proc.communicate(timeout=60)
        assert proc.returncode != 0 and "cleanup ran" in out
        page.locator('.page-head [data-state="killed"]').wait_for(timeout=30_000)
        assert page.get_by_role("button", name="Stop run").count() == 0
        stored = get_json(run_url)
        assert (stored["state"], stored["exit_code"]) == ("killed", 255)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
