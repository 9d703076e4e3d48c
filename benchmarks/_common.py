"""Small helpers shared by the benchmark scripts: run a measurement in a fresh interpreter,
print a figure, wait for a server they started, find the official client's venv."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any


def run_isolated(code: str, env: dict[str, str] | None = None, repeat: int = 3) -> dict[str, Any]:
    """Run ``code`` (which prints one JSON object) ``repeat`` times; the median of each figure."""
    results = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            full_env = {**os.environ, "HERON_DIR": tmp, "HERON_SILENT": "1", **(env or {})}
            out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=full_env,
                                 capture_output=True, text=True, check=False)
            if out.returncode != 0:
                raise SystemExit(f"benchmark child failed:\n{out.stderr}")
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {k: statistics.median(r[k] for r in results) for k in results[0]}


def median_time(fn: Any, repeat: int = 7) -> float:
    """Median seconds of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def row(name: str, value: float, unit: str, baseline: float | None = None,
        target: str = "") -> str:
    ratio = f"{value / baseline:8.2f}x" if baseline else " " * 9
    return f"  {name:<44} {value:12.3f} {unit:<6} {ratio}  {target}"


def came_up(url: str, proc: subprocess.Popen[Any], seconds: float = 60) -> bool:
    """Whether ``url`` answered 200 before ``proc`` exited or ``seconds`` passed (a server the
    benchmark started; the caller stops it and says why when it did not come up)."""
    import httpx

    deadline = time.monotonic() + seconds
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return False


WANDB_VERSION = "0.31.0"
CACHE = Path(os.environ.get("HERON_TEST_CACHE", Path.home() / ".cache" / "heron-tests"))
"""Where ``tests/wandb_protocol/conftest.py`` keeps its venv of the official client."""

WANDB_ENV = {
    "WANDB_X_DISABLE_STATS": "true",     # no system-metrics sampler
    "WANDB_CONSOLE": "off",              # no stdout/stderr capture
    "WANDB_SILENT": "true",
    "WANDB_X_SAVE_REQUIREMENTS": "false",  # no pip freeze uploaded at init
    "WANDB_DISABLE_GIT": "true",
    "WANDB_DISABLE_CODE": "true",
}
"""The official client's settings for throughput (its file_stream interval is its default)."""


def wandb_python(given: str | None) -> Path:
    """The interpreter of a venv holding the official client: ``given``, the tests' cached
    venv, or that venv built now (``client_venv`` from tests/wandb_protocol/conftest.py)."""
    how = (f"make one with: python -m venv DIR && DIR/bin/pip install wandb=={WANDB_VERSION} "
           "and pass --wandb-python DIR/bin/python")
    if given:
        if not Path(given).exists():
            raise SystemExit(f"--wandb-python {given}: no such file; {how}")
        return Path(given)
    cached = CACHE / f"wandb-{WANDB_VERSION}" / "bin" / "python"
    if cached.exists():
        return cached
    print(f"building a venv with wandb=={WANDB_VERSION} at {cached.parent.parent} ...",
          flush=True)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    try:
        from tests.wandb_protocol.conftest import client_venv

        return client_venv(WANDB_VERSION)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # pytest.skip() raises a BaseException of its own
        raise SystemExit(f"no venv with the official client ({exc}); {how}") from None
