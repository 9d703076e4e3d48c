"""The official ``wandb`` client on a server whose media live in a bucket: its images, table,
run files and artifact files go straight into the bucket (presigned URLs; the server only reads
them through once to store them by content), and it reads them back through the redirects."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pytest

from tests.support.relay import CountingRelay
from tests.support.s3 import S3Media
from tests.support.server import heron_servers
from tests.wandb_protocol.conftest import SCRIPTS, Heron, client_env, run_script

pytestmark = pytest.mark.timeout(900)
BIG = 4 << 20
"""The size of the large files: what a send of one through the server would show."""


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


def test_the_clients_large_files_go_straight_into_the_bucket(
        wandb_python: Path, s3_media: S3Media, tmp_path: Path) -> None:
    model = tmp_path / "saved" / "model.bin"
    model.parent.mkdir()
    model.write_bytes(os.urandom(BIG))
    data = tmp_path / "data"
    (data / "images").mkdir(parents=True)
    (data / "train.csv").write_bytes(os.urandom(BIG))
    (data / "images" / "one.txt").write_text("one")
    with heron_servers(f"sqlite:///{tmp_path / 'heron.db'}", s3_media.url,
                       env=s3_media.env) as (server,):
        heron = Heron(server.url, server.wait_admin_key())
        relay = CountingRelay(server.port)
        try:
            env = client_env(Heron(f"http://127.0.0.1:{relay.port}", heron.key), tmp_path)
            saved = run_script(wandb_python, ["direct", str(model)], env,
                               script=SCRIPTS / "save_file.py")
            assert saved.returncode == 0, saved.stderr[-3000:]
            logged = run_script(wandb_python, ["direct", str(data), "blobs", "best"], env,
                                timeout=180, script=SCRIPTS / "artifact_log.py")
            assert logged.returncode == 0, logged.stderr[-3000:]
        finally:
            relay.close()
        # Two files of 4 MiB were logged; the server was sent neither.
        assert relay.sent < BIG // 4, relay.sent

        run_id = re.search(r"run-id: (\S+)", saved.stdout).group(1)  # type: ignore[union-attr]
        run = heron.api().run(f"direct/{run_id}")
        got = run.file("model.bin").download(str(tmp_path / "got"))
        assert got.read_bytes() == model.read_bytes()
        image = next(iter(run.scan_history()))["img"]
        assert image["path"] in s3_media.keys("media/")
        assert "wandb-summary.json" in {f.name for f in run.files()}

        version = heron.api().artifact("direct/blobs:best")
        folder = Path(version.download(str(tmp_path / "blobs")))
        assert (folder / "train.csv").read_bytes() == (data / "train.csv").read_bytes()
        assert s3_media.keys("incoming/") == []  # every upload was stored by its content
        assert not (tmp_path / "media").exists()
