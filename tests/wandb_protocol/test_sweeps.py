"""Sweeps driven by the official wandb client (0.31.0) against a real ``heron server``: Heron's
controller chooses every run's parameters and early stops, whichever agent runs it.

Each test is a user story: a W&B user's sweep (``wandb.sweep`` + ``wandb.agent``, or the
``wandb sweep`` / ``wandb agent`` commands), and what Heron then shows of it (its REST API,
``heron.Api()``). Where it helps, the same sweep is also run by Heron's own agent to show the
same decisions."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from heron.sweeps.remote import RemoteController
from tests.wandb_protocol.conftest import SCRIPTS, Heron, client_env, fixture, run_script

PY_HERON = [sys.executable, "-c", "from heron.cli import main; main()"]
"""The ``heron`` command of the interpreter running the tests."""
ROOT = Path(__file__).resolve().parents[2]


def _controller(server: Heron) -> RemoteController:
    """Heron's sweeps as ``heron sweep``/``heron agent`` see them (the REST API)."""
    return RemoteController(server.url, server.key)


def _workdir(tmp_path: Path, *files: str) -> Path:
    """A folder holding the program and sweep files the agents run from."""
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    for name in files:
        shutil.copy(SCRIPTS / name, work / name)
    return work


def _wandb_cli(python: Path, args: list[str], env: dict[str, str], cwd: Path,
               timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """``wandb ARGS`` of the client venv; its ``bin`` first on PATH, since the CLI agent starts
    the sweep's program with plain ``python``."""
    env = {**env, "PATH": f"{python.parent}{os.pathsep}{env.get('PATH', '')}"}
    return subprocess.run([str(python), "-m", "wandb", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, check=False)


def _heron_env(server: Heron, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "HERON_"))}
    return {**env, "HERON_HOST": server.url, "HERON_API_KEY": server.key,
            "HERON_DIR": str(tmp_path / "heron-dir"), "HERON_AGENT_POLL_SECONDS": "0.5",
            "PYTHONPATH": str(ROOT)}


def _heron_sweep(server: Heron, tmp_path: Path, yaml_file: Path, project: str) -> str:
    """A sweep made with ``heron sweep`` (its id is the last line it prints)."""
    done = subprocess.run([*PY_HERON, "sweep", "--project", project, str(yaml_file)],
                          env=_heron_env(server, tmp_path), capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def _lines(output: str, prefix: str) -> list[str]:
    return [line[len(prefix):].strip() for line in output.splitlines()
            if line.startswith(prefix)]


def _runs_by_id(server: Heron, project: str) -> dict[str, Any]:
    return {run.id: run for run in server.api().runs(project)}


def test_wandb_sweep_and_in_process_agent_run_each_grid_point_once(
        heron_server: Heron, wandb_python: Path, tmp_path: Path) -> None:
    done = run_script(wandb_python, ["swp"], client_env(heron_server, tmp_path), timeout=240,
                      script=SCRIPTS / "sweep_inprocess.py")
    assert done.returncode == 0, done.stdout + done.stderr
    sweep_id = _lines(done.stdout, "sweep-id:")[0]
    ran = [line.split(" ", 1) for line in _lines(done.stdout, "run:")]

    # Heron's controller chose the points: its grid order, each point once, then `exit`.
    assert [json.loads(params) for _, params in ran] == [
        {"lr": 0.1, "layers": 1}, {"lr": 0.01, "layers": 1},
        {"lr": 0.1, "layers": 2}, {"lr": 0.01, "layers": 2}]
    described = _controller(heron_server).describe(sweep_id)
    assert described["project"] == "swp" and described["state"] == "FINISHED"
    assert described["config"]["method"] == "grid"
    by_id = {run["id"]: run for run in described["runs"]}
    assert sorted(by_id) == sorted(run_id for run_id, _ in ran)
    runs = _runs_by_id(heron_server, "swp")
    for run_id, params in ran:
        expected = json.loads(params)
        assert by_id[run_id]["state"] == "finished"
        assert by_id[run_id]["params"] == expected
        # The metric the controller ranks runs by: the best loss of the run's history.
        assert by_id[run_id]["value"] == pytest.approx(
            expected["lr"] * expected["layers"] / 3)
        run = runs[run_id]
        assert run.sweep_id == sweep_id and run.state == "finished"
        # Sweep values win over the script's own (layers=99); its other keys stay.
        assert run.config == {**expected, "extra": "kept"}
        losses = [row["loss"] for row in run.history(keys=["loss"], pandas=False)]
        assert losses == pytest.approx(
            [expected["lr"] * expected["layers"] / (step + 1) for step in range(3)])


def test_wandb_agent_cli_runs_a_heron_sweep_like_heron_agent(
        heron_server: Heron, wandb_python: Path, tmp_path: Path) -> None:
    work = _workdir(tmp_path, "sweep_train.py", "sweep_grid.yaml")
    by_wandb = _heron_sweep(heron_server, tmp_path, work / "sweep_grid.yaml", "swc")
    by_heron = _heron_sweep(heron_server, tmp_path, work / "sweep_grid.yaml", "swc")

    done = _wandb_cli(wandb_python, ["agent", f"admin/swc/{by_wandb}"],
                      client_env(heron_server, tmp_path), work)
    assert done.returncode == 0, done.stdout + done.stderr
    mine = subprocess.run([*PY_HERON, "agent", by_heron], cwd=work, capture_output=True,
                          text=True, timeout=180, check=False,
                          env={**_heron_env(heron_server, tmp_path), "HERON_AS_WANDB": "1"})
    assert mine.returncode == 0, mine.stdout + mine.stderr

    # Same sweep file, same decisions: the program got the same arguments in the same order.
    expected = [f'["--layers=2", "--lr={lr}"]' for lr in (0.1, 0.01, 0.001)]
    assert _lines(done.stdout, "args:") == expected
    assert _lines(mine.stdout, "args:") == expected
    controller = _controller(heron_server)
    for sweep_id in (by_wandb, by_heron):
        described = controller.describe(sweep_id)
        assert described["state"] == "FINISHED"
        assert sorted(run["params"]["lr"] for run in described["runs"]) == [0.001, 0.01, 0.1]
        assert {run["state"] for run in described["runs"]} == {"finished"}
    runs = _runs_by_id(heron_server, "swc")
    for run_id, config in (line.split(" ", 1) for line in _lines(done.stdout, "run:")):
        assert runs[run_id].sweep_id == by_wandb
        assert runs[run_id].config == json.loads(config)
        assert runs[run_id].summary["loss"] == pytest.approx(
            runs[run_id].config["lr"] * 2 / 3)

    # The grid is exhausted: another agent is told to exit at once and runs nothing.
    again = _wandb_cli(wandb_python, ["agent", f"admin/swc/{by_wandb}"],
                       client_env(heron_server, tmp_path), work, timeout=60)
    assert again.returncode == 0, again.stderr
    assert "Received exit command" in again.stderr and not _lines(again.stdout, "args:")
    assert len(controller.describe(by_wandb)["runs"]) == 3


def test_hyperband_stops_a_bad_run_of_a_wandb_sweep(
        heron_server: Heron, wandb_python: Path, tmp_path: Path) -> None:
    work = _workdir(tmp_path, "sweep_train.py", "sweep_hyperband.yaml")
    env = {**client_env(heron_server, tmp_path), "WANDB_SILENT": "false"}
    made = _wandb_cli(wandb_python, ["sweep", "--project", "swh", "sweep_hyperband.yaml"],
                      env, work, timeout=60)
    assert made.returncode == 0, made.stderr
    sweep_id = made.stderr.split("Creating sweep with ID:")[1].split()[0]
    # A sweep the client made is an ordinary Heron sweep, its YAML read as Heron reads it.
    controller = _controller(heron_server)
    assert controller.describe(sweep_id)["config"]["early_terminate"] == {
        "type": "hyperband", "max_iter": 27, "s": 2, "eta": 3}

    # The bare id, as `wandb agent` also takes it: the runs still land in the sweep's project.
    done = _wandb_cli(wandb_python, ["agent", sweep_id], client_env(heron_server, tmp_path),
                      work)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Agent received command: stop" in done.stderr
    runs = {run["params"]["lr"]: run for run in controller.describe(sweep_id)["runs"]}
    good, bad = runs[0.01], runs[1.0]
    assert good["state"] == "finished"
    assert bad["state"] == "killed"
    stored = _runs_by_id(heron_server, "swh")[bad["id"]]
    assert stored.exit_code == 255
    # Stopped midway: far fewer than its 100 steps were logged.
    assert 0 < len(stored.history(keys=["loss"], pandas=False)) < 100


def test_agents_exit_on_a_sweep_stopped_through_either_side(
        heron_server: Heron, wandb_python: Path, tmp_path: Path) -> None:
    work = _workdir(tmp_path, "sweep_train.py", "sweep_grid.yaml")
    sweep_id = _heron_sweep(heron_server, tmp_path, work / "sweep_grid.yaml", "sws")
    env = client_env(heron_server, tmp_path)

    # `wandb sweep --stop` stops the Heron sweep (W&B's "stop": no new runs).
    stopped = _wandb_cli(wandb_python, ["sweep", "--stop", f"admin/sws/{sweep_id}"], env, work,
                         timeout=60)
    assert stopped.returncode == 0, stopped.stderr
    controller = _controller(heron_server)
    assert controller.describe(sweep_id)["state"] == "FINISHED"

    done = _wandb_cli(wandb_python, ["agent", f"admin/sws/{sweep_id}"], env, work, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Received exit command" in done.stderr
    assert controller.describe(sweep_id)["runs"] == []

    # An unknown sweep is refused by name, before any run.
    missing = _wandb_cli(wandb_python, ["agent", "admin/sws/nosuchid"], env, work, timeout=60)
    assert missing.returncode != 0
    assert "nosuchid" in missing.stdout + missing.stderr


def _captured(operation: str) -> str:
    """The query text the 0.31 client sent for ``operation`` (fixtures/sweep_*.json)."""
    for request in fixture("sweep_0.31.0_inprocess"):
        if request["kind"] == "graphql" and request["field"] == operation:
            return str(request["query"])
    raise AssertionError(f"no {operation} in the capture")


def _call(server: Heron, operation: str, variables: dict[str, Any]) -> httpx.Response:
    return httpx.post(server.url + "/graphql", auth=("api", server.key), timeout=30,
                      json={"query": _captured(operation), "variables": variables})


def _heartbeat(server: Heron, agent: str, running: list[str]) -> list[dict[str, Any]]:
    answer = _call(server, "agentHeartbeat", {
        "id": agent, "metrics": "{}", "runState": json.dumps({r: True for r in running})})
    assert answer.status_code == 200, answer.text
    commands: list[dict[str, Any]] = json.loads(answer.json()["data"]["agentHeartbeat"][
        "commands"])
    return commands


def test_heartbeats_hand_out_runs_one_at_a_time_and_follow_the_sweep_state(
        heron_server: Heron) -> None:
    """The captured calls replayed: no client timing, every branch of the heartbeat."""
    config = "method: grid\nparameters:\n  x:\n    values: [1, 2, 3]\n"
    made = _call(heron_server, "upsertSweep", {"config": config, "projectName": "swr"})
    assert made.status_code == 200, made.text
    sweep_id = made.json()["data"]["upsertSweep"]["sweep"]["name"]
    agent = _call(heron_server, "createAgent", {"host": "h", "projectName": "swr",
                                                "sweep": sweep_id}).json()
    agent_id = agent["data"]["createAgent"]["agent"]["id"]

    first = _heartbeat(heron_server, agent_id, [])
    assert [(c["type"], c["args"]) for c in first] == [("run", {"x": {"value": 1}})]
    # While the agent runs it, it gets no second run.
    assert _heartbeat(heron_server, agent_id, [first[0]["run_id"]]) == []
    # It dropped the run without the run ever starting: failed, and the next point comes.
    second = _heartbeat(heron_server, agent_id, [])
    assert second[0]["args"] == {"x": {"value": 2}}
    controller = _controller(heron_server)
    states = {r["id"]: r["state"] for r in controller.describe(sweep_id)["runs"]}
    assert states[first[0]["run_id"]] == "failed"

    # `wandb sweep --pause` / `--resume` / `--cancel` send the sweep id and a state.
    def set_state(state: str) -> None:
        done = httpx.post(heron_server.url + "/graphql", auth=("api", heron_server.key),
                          json={"query": "mutation UpsertSweep($id: ID, $state: String) {"
                                         " upsertSweep(input: {id: $id, state: $state})"
                                         " { sweep { name } } }",
                                "variables": {"id": sweep_id, "state": state}})
        assert done.status_code == 200, done.text

    set_state("PAUSED")
    assert controller.describe(sweep_id)["state"] == "PAUSED"
    assert _heartbeat(heron_server, agent_id, []) == []  # wait
    set_state("RUNNING")
    third = _heartbeat(heron_server, agent_id, [])
    assert third[0]["args"] == {"x": {"value": 3}}
    set_state("CANCELED")
    assert _heartbeat(heron_server, agent_id, [third[0]["run_id"]]) == [
        {"type": "stop", "run_id": third[0]["run_id"]}]
    assert _heartbeat(heron_server, agent_id, []) == [{"type": "exit"}]


def test_bad_sweep_input_is_refused_naming_it(heron_server: Heron) -> None:
    not_grid = "method: grid\nparameters:\n  lr:\n    min: 0.0\n    max: 1.0\n"
    refused = _call(heron_server, "upsertSweep", {"config": not_grid, "projectName": "swb"})
    assert refused.status_code == 422
    assert "lr" in refused.json()["errors"][0]["message"]
    listed = _call(heron_server, "upsertSweep", {"config": "- a\n- b\n", "projectName": "swb"})
    assert listed.status_code == 422 and "- a" in listed.json()["errors"][0]["message"]
    unknown = _call(heron_server, "createAgent", {"host": "h", "sweep": "nosuchid"})
    assert unknown.status_code == 404 and "nosuchid" in unknown.json()["errors"][0]["message"]
    garbled = _call(heron_server, "agentHeartbeat", {"id": "garbage", "runState": "{}"})
    assert garbled.status_code == 400 and "garbage" in garbled.json()["errors"][0]["message"]
    made = _call(heron_server, "upsertSweep", {
        "config": "method: random\nparameters:\n  x:\n    min: 0\n    max: 9\n",
        "projectName": "swb"}).json()["data"]["upsertSweep"]["sweep"]["name"]
    agent = _call(heron_server, "createAgent", {"host": "h", "sweep": made}).json()[
        "data"]["createAgent"]["agent"]["id"]
    listing = _call(heron_server, "agentHeartbeat", {"id": agent, "runState": "[1, 2]"})
    assert listing.status_code == 400 and "[1, 2]" in listing.json()["errors"][0]["message"]
