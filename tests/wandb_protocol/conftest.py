"""The official wandb client in a venv of its own (made once, cached between runs), and a real
``heron server`` it logs to."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.server import heron_servers

WANDB_VERSION = "0.31.0"
CACHE = Path(os.environ.get("HERON_TEST_CACHE", Path.home() / ".cache" / "heron-tests"))
FIXTURES = Path(__file__).parent / "fixtures"
SCRIPTS = Path(__file__).parent / "scripts"
MEDIA_PACKAGES = ("numpy", "pillow")
"""What ``wandb.Image`` needs besides wandb."""


def client_venv(version: str, packages: tuple[str, ...] = MEDIA_PACKAGES,
                name: str | None = None) -> Path:
    """``CACHE/NAME/bin/python`` (NAME defaults to ``wandb-VERSION``) with ``wandb==VERSION``
    and ``packages``; skips the test when the package index cannot be reached."""
    target = CACHE / (name or f"wandb-{version}")
    python = target / "bin" / "python"
    if python.exists():
        return python  # (scripts run it directly: its pip's shebang names where it was made)
    building = target.with_name(f"{target.name}.building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    made = subprocess.run([sys.executable, "-m", "venv", str(building)], capture_output=True,
                          text=True, timeout=300, check=False)
    if made.returncode != 0:
        pytest.skip(f"cannot make a venv for wandb {version}: {made.stderr[-500:]}")
    pip = subprocess.run([str(building / "bin" / "python"), "-m", "pip", "install", "-q",
                          "--disable-pip-version-check", f"wandb=={version}",
                          *packages],
                         capture_output=True, text=True, timeout=900, check=False)
    if pip.returncode != 0:
        shutil.rmtree(building, ignore_errors=True)
        pytest.skip(f"pip could not install wandb=={version} {' '.join(packages)} (is the "
                    f"package index reachable?): {pip.stderr[-500:]}")
    try:
        building.rename(target)  # another worker may have finished first: use theirs
    except OSError:
        shutil.rmtree(building, ignore_errors=True)
    return python


@pytest.fixture(scope="session")
def wandb_python() -> Path:
    """The interpreter of a venv holding the official client, wandb 0.31.0."""
    return client_venv(WANDB_VERSION)


@dataclass
class Heron:
    url: str
    key: str

    def api(self) -> Any:
        import heron

        return heron.Api({"base_url": self.url}, api_key=self.key)


@pytest.fixture
def heron_server(tmp_path: Path) -> Iterator[Heron]:
    with heron_servers(f"sqlite:///{tmp_path / 'heron.db'}", tmp_path / "media") as servers:
        yield Heron(servers[0].url, servers[0].wait_admin_key())


def client_env(server: Heron, tmp_path: Path, key: str | None = None) -> dict[str, str]:
    """The official client pointed at ``server``, quiet, quick to send and to give up."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("WANDB_", "HERON_", "PYTHONPATH"))}
    env.update({
        "WANDB_BASE_URL": server.url,
        "WANDB_API_KEY": key or server.key,
        "WANDB_SILENT": "true",
        "WANDB_DIR": str(tmp_path / "wandb-dir"),
        "WANDB_CONFIG_DIR": str(tmp_path / "wandb-config"),
        "WANDB_CACHE_DIR": str(tmp_path / "wandb-cache"),
        "WANDB__FILE_STREAM_TRANSMIT_INTERVAL": "1",
        "WANDB_X_SAVE_REQUIREMENTS": "false",
        "WANDB_HTTP_TIMEOUT": "10",
        "WANDB_X_GRAPHQL_RETRY_MAX": "2",
        "WANDB_X_FILE_STREAM_RETRY_MAX": "2",
    })
    (tmp_path / "wandb-dir").mkdir(exist_ok=True)
    return env


def run_script(python: Path | str, args: list[str], env: dict[str, str],
               timeout: float = 120, script: Path = SCRIPTS / "log_run.py"
               ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), str(script), *args], env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def fixture(name: str) -> list[dict[str, Any]]:
    """The requests of a captured client session (``fixtures/NAME.json``)."""
    requests: list[dict[str, Any]] = json.loads((FIXTURES / f"{name}.json").read_text())[
        "requests"]
    return requests
