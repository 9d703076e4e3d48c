"""What the child process of ``heron agent`` receives: the sweep's ``command`` with every macro
expanded (SWEEPS.md, Agents), from a YAML file as a user writes it."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from heron.store import SqlStore
from tests.sweeps_agents.conftest import heron, sweep_runs, write_program

RECORD_ARGV = """
import json, os, sys
import heron

run = heron.init()
out = {"argv": sys.argv, "orig_argv": sys.orig_argv, "json_file": None}
for arg in sys.argv:
    if arg.endswith(".json") and os.path.isfile(arg):
        out["json_file"] = [arg, open(arg).read()]
with open(f"argv-{run.id}.json", "w") as handle:
    json.dump(out, handle)
heron.log({"loss": 1.0})
"""


def recorded(folder: Path, store: SqlStore, sweep_id: str) -> dict[str, dict[str, Any]]:
    """What each run's child recorded, by its lr as the run's config holds it."""
    out = {}
    for run in sweep_runs(store, sweep_id):
        assert run.state == "finished", run.traceback
        out[repr(run.config["lr"])] = json.loads((folder / f"argv-{run.run_id}.json").read_text())
    return out


def create_from_yaml(folder: Path, text: str) -> str:
    (folder / "sweep.yaml").write_text(text)
    done = heron("sweep", "--project", "sweepproj", "sweep.yaml", cwd=folder)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_yaml_1e_5_reaches_the_program_as_a_float(workdir: Path, store: SqlStore) -> None:
    write_program(workdir, RECORD_ARGV, "record.py")
    # PyYAML reads 1e-5 (no dot) as the string "1e-5"; the sweep takes it as the float 1e-05.
    sweep_id = create_from_yaml(workdir, """\
program: record.py
method: grid
parameters:
  lr:
    values: [1e-5, 3.0e-4]
""")

    done = heron("agent", sweep_id, cwd=workdir)

    assert done.returncode == 0, done.stderr
    seen = recorded(workdir, store, sweep_id)
    assert set(seen) == {"1e-05", "0.0003"}
    assert seen["1e-05"]["argv"] == ["record.py", "--lr=1e-05"]
    assert seen["0.0003"]["argv"] == ["record.py", "--lr=0.0003"]


def test_every_macro_reaches_the_child_argv(workdir: Path, store: SqlStore) -> None:
    write_program(workdir, RECORD_ARGV, "record.py")
    sweep_id = create_from_yaml(workdir, """\
program: record.py
method: grid
parameters:
  lr: {values: [1e-5]}
  opt: {value: adam}
  use_bn: {value: true}
command:
  - ${env}
  - ${interpreter}
  - ${program}
  - ${args_no_hyphens}
  - --config-file=x
  - ${args_json_file}
  - --tag=${envvar:HERON_TEST_TAG}
  - --missing=${envvar:HERON_TEST_UNSET}
  - --lr-again=${lr}
  - ${args_no_boolean_flags}
  - ${args_json}
""")
    env = {**os.environ, "HERON_TEST_TAG": "hello"}
    env.pop("HERON_TEST_UNSET", None)

    done = heron("agent", sweep_id, cwd=workdir, env={**env, "HERON_AGENT_POLL_SECONDS": "0.2"})

    assert done.returncode == 0, done.stderr
    got = recorded(workdir, store, sweep_id)["1e-05"]
    json_path, json_text = got["json_file"]
    params = {"lr": 1e-05, "opt": "adam", "use_bn": True}
    assert got["argv"] == [
        "record.py",
        "lr=1e-05", "opt=adam", "use_bn=True",           # ${args_no_hyphens}
        "--config-file=x",
        json_path,                                       # ${args_json_file}
        "--tag=hello",                                   # ${envvar:NAME}
        "--missing=HERON_TEST_UNSET",                    # unset: the name, as W&B does
        "--lr-again=1e-05",                              # ${name} inside an element
        "--lr=1e-05", "--opt=adam", "--use_bn",          # ${args_no_boolean_flags}
        json.dumps(params),                              # ${args_json}
    ]
    assert json.loads(json_text) == params
    assert not Path(json_path).exists()  # removed once the run ended
    # ${env} ran /usr/bin/env, which ran ${interpreter}: the agent's Python, no shell between.
    interpreter = Path(got["orig_argv"][0])
    assert interpreter.parent == Path(sys.executable).parent  # this venv's python
