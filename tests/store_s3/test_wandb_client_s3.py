"""The official ``wandb`` client on a server whose media live in a bucket: its images, table
and artifact files land in the bucket, and it reads them back through the redirects."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from tests.support.s3 import S3Media
from tests.support.server import heron_servers
from tests.wandb_protocol.conftest import SCRIPTS, Heron, client_env, run_script

pytestmark = pytest.mark.timeout(900)


def test_the_official_client_logs_media_and_artifacts_into_the_bucket(
        wandb_python: Path, s3_media: S3Media, tmp_path: Path) -> None:
    data = tmp_path / "data"  # the layout artifact_log.py logs
    (data / "images" / "sub").mkdir(parents=True)
    (data / "train.csv").write_text("x,y\n1,2\n")
    (data / "images" / "one.png").write_bytes(bytes(range(256)) * 64)
    (data / "images" / "sub" / "two.txt").write_text("two")
    files = sorted(p for p in data.rglob("*") if p.is_file())
    with heron_servers(f"sqlite:///{tmp_path / 'heron.db'}", s3_media.url,
                       env=s3_media.env) as (server,):
        heron = Heron(server.url, server.wait_admin_key())
        env = client_env(heron, tmp_path)
        done = run_script(wandb_python, ["media"], env, script=SCRIPTS / "log_media.py")
        assert done.returncode == 0, done.stderr[-3000:]
        run_id = re.search(r"run-id: (\S+)", done.stdout).group(1)  # type: ignore[union-attr]
        logged = run_script(wandb_python, ["demo", str(data), "digits", "best"], env,
                            timeout=180, script=SCRIPTS / "artifact_log.py")
        assert logged.returncode == 0, logged.stderr[-3000:]

        stored = s3_media.keys("media/")
        rows = list(heron.api().run(f"media/{run_id}").scan_history())
        for row in rows[:3]:
            assert row["img"]["path"] in stored
        for file in files:
            digest = hashlib.sha256(file.read_bytes()).hexdigest()
            assert any(digest in key for key in stored), file.name
        assert not (tmp_path / "media").exists()  # nothing on the server's disk

        # Another machine uses the artifact: the downloads redirect into the bucket.
        env["WANDB_CACHE_DIR"] = str(tmp_path / "other-cache")
        used = run_script(wandb_python, ["demo", "digits:best", str(tmp_path / "got")], env,
                          timeout=180, script=SCRIPTS / "artifact_use.py")
        assert used.returncode == 0, used.stderr[-3000:]
        assert json.loads(used.stdout.strip().splitlines()[-1])["files"] == [
            "images/one.png", "images/sub/two.txt", "train.csv"]
        for file in files:
            assert (tmp_path / "got" / file.relative_to(data)).read_bytes() == file.read_bytes()
