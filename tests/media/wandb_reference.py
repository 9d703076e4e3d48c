"""What the official client (wandb 0.31, offline) stores for each call of scripts/media_cases.py,
and what Heron stores for the same calls through a real run, for the tests to compare."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

import heron
from tests.media.scripts.media_cases import CASES
from tests.wandb_protocol.conftest import WANDB_VERSION, client_venv

SCRIPT = Path(__file__).parent / "scripts" / "wandb_media.py"
CLIENT_PACKAGES = ("numpy", "pillow", "plotly", "matplotlib", "moviepy", "imageio", "soundfile")
"""What wandb.Video, wandb.Audio and wandb.Plotly need besides wandb."""


@functools.cache
def wandb_stored() -> dict[str, Any]:
    """``{"values": {key: JSON}, "files": {key: hex bytes}}`` as W&B logged each case (made
    once per test session; the client's venv is cached between sessions)."""
    python = client_venv(WANDB_VERSION, CLIENT_PACKAGES, name=f"wandb-{WANDB_VERSION}-media")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "HERON_"))}
    with tempfile.TemporaryDirectory() as tmp:
        env.update(WANDB_MODE="offline", WANDB_SILENT="true", WANDB_DIR=tmp)
        done = subprocess.run([str(python), str(SCRIPT)], env=env, capture_output=True,
                              text=True, timeout=300, check=False)
    if done.returncode != 0:
        pytest.fail(f"the official client could not log the cases:\n{done.stderr[-3000:]}")
    stored: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return stored


def same_versions(*names: str) -> bool:
    """Whether the client's venv and this one have the same versions of ``names``: only then
    must files that those libraries write (GIF frames, figure JSON) be byte for byte equal."""
    from importlib.metadata import version

    return all(wandb_stored()["versions"][name] == version(name) for name in names)


def heron_stored(keys: list[str]) -> dict[str, Any]:
    """Each case of ``keys`` logged with ``heron.log`` in one real run (the test's HERON_DIR),
    read back through ``heron.Api``: ``{key: stored JSON}``."""
    run = heron.init(project="media-vs-wandb")
    for key in keys:
        heron.log({key: CASES[key](heron)})
    heron.finish()
    out: dict[str, Any] = {}
    for row in heron.Api().run(f"media-vs-wandb/{run.id}").scan_history():
        out.update({k: v for k, v in row.items() if k in keys and v is not None})
    return out


def without_path(value: Any) -> Any:
    """A media reference less its path (and the paths of the references it lists): W&B names
    files ``media/<kind>/<key>_<step>_<hash>``, Heron by content
    (``media/<sha[:2]>/<sha><suffix>``)."""
    if isinstance(value, list):
        return [without_path(v) for v in value]
    if isinstance(value, dict):
        return {k: without_path(v) for k, v in value.items() if k != "path"}
    return value


def content_path(value: dict[str, Any], suffix: str) -> str:
    """The path Heron gives the file of a reference: its sha256 and ``suffix``."""
    sha = value["sha256"]
    return f"media/{sha[:2]}/{sha}{suffix}"
