"""``wandb sync`` of an offline run: the official client (0.31.0) runs a script with
``WANDB_MODE=offline``, then ``wandb sync DIR`` replays it to a real ``heron server`` over
the ordinary run protocol. The run arrives whole, and a second sync stores nothing twice."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from heron.store import SqlStore
from tests.wandb_protocol.conftest import SCRIPTS, WANDB_VERSION, Heron, client_env, run_script
from tests.wandb_protocol.test_client_versions import STEPS, assert_full_run


def _sync(python: Path, run_dir: Path, env: dict[str, str], *flags: str
          ) -> subprocess.CompletedProcess[str]:
    # ``python -m wandb``: the venv's ``bin/wandb`` names the folder it was built in.
    return subprocess.run([str(python), "-m", "wandb", "sync", *flags, str(run_dir)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def _stored(tmp_path: Path, project: str, run_id: str) -> tuple[int, int, int]:
    """(history rows, points of "loss", console lines) as the database holds them: reads
    through the API merge rows of one step, so duplicates would not show there."""
    store = SqlStore(f"sqlite:///{tmp_path / 'heron.db'}")
    try:
        info = store.get_run(project, run_id)
        assert info is not None
        return (info.history_rows, len(store.read_series(info.pk, "loss")),
                len(store.console(info.pk)))
    finally:
        store.close()


def test_an_offline_run_synced_twice_arrives_whole_once(
        wandb_python: Path, heron_server: Heron, tmp_path: Path) -> None:
    env = client_env(heron_server, tmp_path)
    offline = run_script(wandb_python, ["synced"], {**env, "WANDB_MODE": "offline"},
                         script=SCRIPTS / "full_run.py")
    assert offline.returncode == 0, offline.stderr
    found = re.search(r"run-id: (\S+)", offline.stdout)
    assert found, offline.stdout
    run_id = found.group(1)
    assert len(heron_server.api().runs("synced")) == 0  # nothing was sent while offline
    [run_dir] = (tmp_path / "wandb-dir" / "wandb").glob(f"offline-run-*-{run_id}")

    first = _sync(wandb_python, run_dir, env)
    assert first.returncode == 0, first.stderr
    assert_full_run(heron_server, "synced", run_id, WANDB_VERSION)
    once = _stored(tmp_path, "synced", run_id)
    assert once == (STEPS + 1, STEPS, 2)

    # The client skips a synced run unless told; told, it sends the whole run again.
    again = _sync(wandb_python, run_dir, env, "--include-synced")
    assert again.returncode == 0, again.stderr
    assert "Syncing 1 run" in again.stderr + again.stdout
    assert _stored(tmp_path, "synced", run_id) == once
    assert_full_run(heron_server, "synced", run_id, WANDB_VERSION)
    assert len(heron_server.api().runs("synced")) == 1
