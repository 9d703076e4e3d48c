"""Where init() finds its sweep run: the context an in-process agent set, else a command
agent's environment variables."""

from __future__ import annotations

import threading

import pytest

from heron.errors import ValueRejected
from heron.sdk.assignment import SweepAssignment, assigned, current

MINE = SweepAssignment(sweep_id="s1", run_id="r1", params={"lr": 0.1}, project="p", entity="")
ENV = MINE.to_environ()


def test_a_command_agents_environment_names_the_run() -> None:
    assert ENV == {"HERON_SWEEP_ID": "s1", "HERON_RUN_ID": "r1",
                   "HERON_SWEEP_PARAMS": '{"lr": 0.1}', "HERON_SWEEP_PROJECT": "p",
                   "HERON_SWEEP_ENTITY": ""}
    assert current("s1", "r1", ENV) == MINE


@pytest.mark.parametrize(("sweep_id", "environ"), [
    (None, ENV),                                 # no sweep id: not a sweep run
    ("s1", {}),                                  # a sweep id but no parameters
    ("s1", {"HERON_SWEEP_PARAMS": "[1, 2]"}),    # parameters that are not a dict
])
def test_no_assignment(sweep_id: str | None, environ: dict[str, str]) -> None:
    assert current(sweep_id, None, environ) is None


def test_parameters_that_are_not_json_are_rejected() -> None:
    with pytest.raises(ValueRejected, match="is not JSON"):
        current("s1", None, {"HERON_SWEEP_PARAMS": "{oops"})


def test_the_context_wins_and_stays_in_its_thread() -> None:
    other = SweepAssignment(sweep_id="s2", run_id="r2", params={"lr": 0.5})
    seen: list[SweepAssignment | None] = []

    def elsewhere() -> None:
        seen.append(current(None, None, {}))

    with assigned(other):
        assert current("s1", "r1", ENV) == other
        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
    assert seen == [None]  # a thread of its own does not see this thread's assignment
    assert current("s1", "r1", ENV) == MINE
