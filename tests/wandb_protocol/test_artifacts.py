"""The official client's artifacts on ``heron server``: ``run.log_artifact``,
``run.use_artifact`` + ``download``, ``wandb.Api().artifact``, stored as Heron artifacts that
``heron.Api()`` reads, and an artifact Heron's SDK logged, used by the official client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.server import create_key
from tests.wandb_protocol.conftest import (
    SCRIPTS,
    WANDB_VERSION,
    Heron,
    client_env,
    client_venv,
    fixture,
    run_script,
)

pytestmark = pytest.mark.timeout(900)


def _dataset(folder: Path) -> Path:
    (folder / "images" / "sub").mkdir(parents=True)
    (folder / "train.csv").write_text("x,y\n1,2\n3,4\n")
    (folder / "images" / "one.png").write_bytes(bytes(range(256)) * 4)
    (folder / "images" / "sub" / "two.txt").write_text("two")
    return folder


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _client(python: Path, script: str, args: list[str], env: dict[str, str]) -> dict[str, Any]:
    done = run_script(python, args, env, timeout=180, script=SCRIPTS / script)
    assert done.returncode == 0, done.stderr[-4000:]
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def _fresh_cache(env: dict[str, str], home: Path, name: str) -> dict[str, str]:
    """Another machine: the client's cache does not hold the files it logged."""
    return {**env, "WANDB_CACHE_DIR": str(home / name)}


def test_log_use_and_read_a_dataset_through_heron_server(wandb_python: Path,
                                                         heron_server: Heron,
                                                         tmp_path: Path) -> None:
    data = _dataset(tmp_path / "data")
    env = client_env(heron_server, tmp_path)
    log = ["demo", str(data), "digits"]

    first = _client(wandb_python, "artifact_log.py", [*log, "best,first"], env)
    again = _client(wandb_python, "artifact_log.py", [*log, "best,first"], env)
    v0_files = _files(data)
    (data / "train.csv").write_text("x,y\n1,2\n3,4\n5,6\n")
    changed = _client(wandb_python, "artifact_log.py", [*log, "best"], env)

    # the same content is the same version; a changed file makes v1, which takes "best"
    assert (first["version"], again["version"], changed["version"]) == ("v0", "v0", "v1")
    assert first["id"] == again["id"] != changed["id"]
    assert sorted(changed["aliases"]) == ["best", "latest"]

    # another run (on another machine) uses name:best and downloads it: the same bytes
    used = _client(wandb_python, "artifact_use.py",
                   ["demo", "digits:best", str(tmp_path / "got-best")],
                   _fresh_cache(env, tmp_path, "cache-use"))
    assert used["version"] == "v1"
    assert used["files"] == ["images/one.png", "images/sub/two.txt", "train.csv"]
    assert _files(tmp_path / "got-best") == _files(data)
    assert used["metadata"] == {"rows": 3, "source": "test"}

    # wandb.Api(): metadata, aliases, version, type, producer, and the old version's bytes
    read = _client(wandb_python, "artifact_api.py",
                   ["demo/digits:first", str(tmp_path / "got-first")],
                   _fresh_cache(env, tmp_path, "cache-api"))
    assert (read["version"], read["type"], read["description"]) == ("v0", "dataset", "digits")
    assert read["aliases"] == ["first"]
    assert read["metadata"] == {"rows": 3, "source": "test"}
    assert read["logged_by"] == first["run"]
    assert _files(tmp_path / "got-first") == v0_files

    # heron.Api() sees the same versions and lineage
    api = heron_server.api()
    best = api.artifact("demo/digits:best")
    assert (best.version, best.type, sorted(best.aliases)) == ("v1", "dataset", ["best",
                                                                                 "latest"])
    assert best.logged_by().id == changed["run"]
    assert [run.id for run in best.used_by()] == [used["run"]]
    assert best.metadata == {"rows": 3, "source": "test"}
    assert sorted(f.path for f in best.files()) == sorted(_files(data))
    assert [a.version for a in api.artifacts("dataset", "demo/digits")] == ["v1", "v0"]
    assert api.artifact("demo/digits:v0").logged_by().id == first["run"]
    heron_copy = Path(best.download(str(tmp_path / "heron-copy")))
    assert _files(heron_copy) == _files(data)


def test_a_missing_or_hidden_artifact_is_the_clients_own_error(
        wandb_python: Path, heron_server: Heron, tmp_path: Path) -> None:
    env = client_env(heron_server, tmp_path)
    _client(wandb_python, "artifact_log.py",
            ["demo", str(_dataset(tmp_path / "data")), "digits", ""], env)
    for spec in ("demo/nothere:latest", "demo/digits:nosuchalias", "elsewhere/digits:v0"):
        answer = _client(wandb_python, "artifact_api.py", [spec, str(tmp_path / "out")], env)
        assert answer["error"] == "CommError", answer
        assert "not found" in answer["message"], answer

    # a private project's artifacts read as missing to a user who may not see it
    made_private = httpx.patch(f"{heron_server.url}/api/v1/projects/demo/access",
                               json={"visibility": "private"},
                               headers={"Authorization": f"Bearer {heron_server.key}"})
    assert made_private.status_code == 200, made_private.text
    reader = create_key(f"sqlite:///{tmp_path / 'heron.db'}", tmp_path / "media",
                        user="reader", admin=False)
    hidden = _client(wandb_python, "artifact_api.py", ["demo/digits:v0", str(tmp_path / "r")],
                     client_env(heron_server, tmp_path, key=reader))
    assert hidden["error"] == "CommError" and "not found" in hidden["message"], hidden


def test_the_official_client_uses_an_artifact_heron_logged(wandb_python: Path,
                                                           heron_server: Heron,
                                                           tmp_path: Path) -> None:
    weights = tmp_path / "weights.bin"
    weights.write_bytes(os.urandom(5000))
    heron_env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "HERON_"))}
    heron_env.update({"HERON_HOST": heron_server.url, "HERON_API_KEY": heron_server.key,
                      "HERON_DIR": str(tmp_path / "heron-dir")})
    done = subprocess.run([sys.executable, str(SCRIPTS / "artifact_heron_log.py"), "models",
                           str(weights), "net"], env=heron_env, capture_output=True, text=True,
                          timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    logged = json.loads(done.stdout.strip().splitlines()[0])

    env = client_env(heron_server, tmp_path)
    used = _client(wandb_python, "artifact_use.py",
                   ["models", "net:prod", str(tmp_path / "got")], env)
    assert (used["version"], used["metadata"]) == ("v0", {"by": "heron"})
    assert sorted(used["aliases"]) == ["latest", "prod"]
    assert _files(tmp_path / "got") == {"notes/readme.txt": b"made by heron",
                                        "weights.bin": weights.read_bytes()}
    version = heron_server.api().artifact("models/net:prod")
    assert version.logged_by().id == logged["run"]
    assert [run.id for run in version.used_by()] == [used["run"]]


def test_captured_artifact_calls_are_the_ones_heron_answers() -> None:
    """The fixtures name every operation the client sent; each is one Heron answers."""
    from heron.server.wandb.routes import RESOLVERS

    for name in ("log", "use", "api"):
        for request in fixture(f"artifact_{WANDB_VERSION}_{name}"):
            if request["kind"] == "graphql" and request["field"] != "entity":
                assert request["field"] in RESOLVERS, (name, request["operationName"])
    log = [r.get("operationName") for r in fixture(f"artifact_{WANDB_VERSION}_log")]
    for operation in ("CreateArtifact", "CreateArtifactManifest", "CreateArtifactFiles",
                      "CommitArtifact"):
        assert operation in log


INTEGRATIONS = ("numpy", "pillow", "torch==2.13.0", "transformers", "accelerate", "lightning")


def test_lightning_log_model_keeps_its_checkpoint_in_heron(heron_server: Heron,
                                                          tmp_path: Path) -> None:
    python = client_venv(WANDB_VERSION, INTEGRATIONS, name=f"wandb-{WANDB_VERSION}-integrations")
    env = client_env(heron_server, tmp_path)
    done = run_script(python, ["lit", str(tmp_path / "out")], env, timeout=300,
                      script=SCRIPTS / "artifact_lightning.py")
    assert done.returncode == 0, done.stderr[-4000:]
    run_id = json.loads(done.stdout.strip().splitlines()[-1])["run"]
    model = heron_server.api().artifact(f"lit/model-{run_id}:latest")
    assert model.type == "model"
    assert "best" in model.aliases
    assert [f.path for f in model.files()] == ["model.ckpt"]
    assert model.logged_by().id == run_id


def test_hugging_face_log_model_end_keeps_the_model_in_heron(heron_server: Heron,
                                                             tmp_path: Path) -> None:
    python = client_venv(WANDB_VERSION, INTEGRATIONS, name=f"wandb-{WANDB_VERSION}-integrations")
    env = {**client_env(heron_server, tmp_path), "WANDB_PROJECT": "hf",
           "WANDB_LOG_MODEL": "end"}
    done = run_script(python, [str(tmp_path / "out")], env, timeout=300,
                      script=SCRIPTS / "hf_trainer.py")
    assert done.returncode == 0, done.stderr[-4000:]
    run_id = done.stdout.split("run-id:")[1].split()[0]
    model = heron_server.api().artifact("hf/model-tiny-bert:final_model")
    assert model.type == "model" and model.metadata["final_model"] is True
    files = {f.path for f in model.files()}
    assert {"config.json", "model.safetensors"} <= files, files
    assert model.logged_by().id == run_id
