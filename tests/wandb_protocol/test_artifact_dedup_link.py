"""The official client's de-duplication and links on ``heron server``: logging the same content
again sends no file (``CreateArtifact`` answers the stored version, COMMITTED), a version with
one changed file sends only that file (no upload URL for the others), and
``run.link_artifact`` / ``wandb.Api().artifact(...).link`` add a version to another
collection (a registry path is a project named like it) with its aliases."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.relay import CountingRelay
from tests.wandb_protocol.conftest import SCRIPTS, Heron, client_env, run_script

pytestmark = pytest.mark.timeout(600)
BIG = 3 << 20
"""The size of the data set's large file: what a send of it would show in the bytes sent."""


@contextmanager
def relay_to(server: Heron) -> Iterator[tuple[CountingRelay, Heron]]:
    relay = CountingRelay(int(server.url.rsplit(":", 1)[1]))
    try:
        yield relay, Heron(f"http://127.0.0.1:{relay.port}", server.key)
    finally:
        relay.close()


def _client(python: Path, script: str, args: list[str], env: dict[str, str]) -> dict[str, Any]:
    done = run_script(python, args, env, timeout=180, script=SCRIPTS / script)
    assert done.returncode == 0, done.stderr[-4000:]
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def _dataset(folder: Path) -> Path:
    (folder / "images" / "sub").mkdir(parents=True)
    (folder / "train.csv").write_text("x,y\n1,2\n3,4\n")
    (folder / "images" / "big.bin").write_bytes(os.urandom(BIG))
    (folder / "images" / "sub" / "two.txt").write_text("two")
    return folder


def test_the_same_content_sends_nothing_and_a_changed_file_only_itself(
        wandb_python: Path, heron_server: Heron, tmp_path: Path) -> None:
    data = _dataset(tmp_path / "data")
    log = ["dedup", str(data), "digits"]
    with relay_to(heron_server) as (relay, through):
        env = client_env(through, tmp_path)
        first = _client(wandb_python, "artifact_log.py", [*log, "best"], env)
        assert relay.sent > BIG  # the first log sends the files

        before = relay.sent
        again = _client(wandb_python, "artifact_log.py", [*log, "again"], env)
        assert relay.sent - before < BIG // 3, relay.sent - before

        (data / "train.csv").write_text("x,y\n1,2\n3,4\n5,6\n")
        before = relay.sent
        changed = _client(wandb_python, "artifact_log.py", [*log, "best"], env)
        assert relay.sent - before < BIG // 3, relay.sent - before

    assert (first["version"], again["version"], changed["version"]) == ("v0", "v0", "v1")
    assert first["id"] == again["id"] != changed["id"]
    api = heron_server.api()
    # The re-log moved its alias onto v0 (and latest, until v1 took it).
    assert sorted(api.artifact("dedup/digits:v0").aliases) == ["again"]
    assert api.artifact("dedup/digits:again").logged_by().id == first["run"]
    v1 = api.artifact("dedup/digits:best")
    assert (v1.version, sorted(v1.aliases)) == ("v1", ["best", "latest"])
    got = Path(v1.download(str(tmp_path / "v1")))
    assert (got / "images" / "big.bin").read_bytes() == (data / "images" / "big.bin").read_bytes()
    assert (got / "train.csv").read_text() == "x,y\n1,2\n3,4\n5,6\n"


def test_link_artifact_adds_the_version_to_another_collection(
        wandb_python: Path, heron_server: Heron, tmp_path: Path) -> None:
    env = client_env(heron_server, tmp_path)
    weights = tmp_path / "weights.bin"
    weights.write_bytes(os.urandom(4000))

    linked = _client(wandb_python, "artifact_link.py",
                     ["run", "train", str(weights), "net", "zoo/best-nets", "candidate"], env)
    assert (linked["name"], linked["project"], linked["aliases"]) == \
        ("best-nets:v0", "zoo", ["candidate", "latest"])
    api = heron_server.api()
    source = api.artifact("train/net:latest")
    target = api.artifact("zoo/best-nets:candidate")
    assert (target.type, target.version) == ("model", "v0")
    assert target.logged_by().id == source.logged_by().id
    assert [(f.path, f.digest) for f in target.files()] == \
        [(f.path, f.digest) for f in source.files()]
    got = Path(target.download(str(tmp_path / "linked")))
    assert (got / "weights.bin").read_bytes() == weights.read_bytes()

    # wandb.Api(): link a stored version; linking it again moves the alias, no new version.
    again = _client(wandb_python, "artifact_link.py",
                    ["api", "train/net:v0", "zoo/best-nets", "prod"], env)
    assert (again["name"], again["aliases"]) == ("best-nets:v0", ["candidate", "latest", "prod"])
    # A registry path: the project of the same name.
    registry = _client(wandb_python, "artifact_link.py",
                       ["api", "train/net:v0", "wandb-registry-model/nets", "staging"], env)
    assert (registry["name"], registry["project"]) == ("nets:v0", "wandb-registry-model")
    assert api.artifact("wandb-registry-model/nets:staging").version == "v0"
    assert [a.version for a in api.artifacts("model", "zoo/best-nets")] == ["v0"]
