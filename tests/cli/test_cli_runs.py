"""``heron runs ls``: the projects in the store, and the runs of one project."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest


def table_rows(output: str) -> list[list[str]]:
    """The body rows of a rich table, as lists of stripped cell texts."""
    rows = []
    for line in output.splitlines():
        if line.startswith("│"):
            rows.append([cell.strip() for cell in line.strip("│").split("│")])
    return rows


def test_runs_ls_lists_the_projects_with_their_run_counts(
    log_run: Callable[..., str], heron_cmd: Callable
) -> None:
    log_run("vision", name="a")
    log_run("vision", name="b")
    log_run("nlp", name="c")

    done = heron_cmd("runs", "ls")

    assert done.returncode == 0, done.stderr
    assert "project" in done.stdout and "runs" in done.stdout
    rows = {row[0]: row for row in table_rows(done.stdout)}
    assert set(rows) == {"vision", "nlp"}
    assert rows["vision"][1] == "2" and rows["nlp"][1] == "1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", rows["vision"][2])


def test_runs_ls_project_shows_each_run_with_its_name_state_and_steps(
    log_run: Callable[..., str], heron_cmd: Callable
) -> None:
    good = log_run("vision", name="resnet-good", rows=[{"loss": 0.5}, {"loss": 0.25}])
    bad = log_run("vision", name="resnet-bad", rows=[{"loss": 9.0}], exit_code=1)
    log_run("nlp", name="elsewhere")

    done = heron_cmd("runs", "ls", "vision")

    assert done.returncode == 0, done.stderr
    rows = table_rows(done.stdout)
    assert [row[:3] for row in rows] == [
        [bad, "resnet-bad", "failed"],
        [good, "resnet-good", "finished"],
    ]
    assert [row[4] for row in rows] == ["1", "2"]
    assert "loss=0.25" in rows[1][5]
    assert "elsewhere" not in done.stdout


@pytest.mark.parametrize(
    ("state", "expected"), [("failed", ["bad"]), ("finished", ["good"]), ("running", [])]
)
def test_runs_ls_state_keeps_only_runs_in_that_state(
    log_run: Callable[..., str], invoke: Callable, state: str, expected: list[str]
) -> None:
    log_run("vision", name="good")
    log_run("vision", name="bad", exit_code=2)

    result = invoke("runs", "ls", "vision", "--state", state)

    assert result.exit_code == 0
    assert [row[1] for row in table_rows(result.stdout)] == expected


def test_runs_ls_on_an_empty_store_shows_an_empty_table(invoke: Callable) -> None:
    result = invoke("runs", "ls")

    assert result.exit_code == 0
    assert "project" in result.stdout
    assert table_rows(result.stdout) == []
