"""Finding runs with ``heron.Api()``: run paths, clear errors, Mongo-style filters and ordering."""

from __future__ import annotations

import pytest

import heron
from heron.errors import RunNotFound, ValueRejected

from .conftest import LogRun


def test_a_finished_run_reads_back_what_the_script_logged(log_run: LogRun) -> None:
    run_id = log_run(
        "proj",
        name="first",
        config={"lr": 0.01, "opt": {"name": "adam"}},
        tags=["baseline"],
        notes="hello",
        group="g",
        job_type="train",
        rows=[{"loss": 1.0}, {"loss": 0.5, "acc": 0.9}],
    )

    run = heron.Api().run(f"proj/{run_id}")

    assert (run.id, run.project, run.name, run.display_name) == (run_id, "proj", "first", "first")
    assert run.state == "finished"
    assert run.config == {"lr": 0.01, "opt": {"name": "adam"}}
    assert run.tags == ["baseline"]
    assert (run.notes, run.group, run.job_type) == ("hello", "g", "train")
    assert run.summary["loss"] == 0.5 and run.summary["acc"] == 0.9
    assert run.summary["_step"] == 1
    assert run.lastHistoryStep == 1
    assert run.exit_code == 0
    assert run.created_at is not None and run.created_at.endswith("Z")
    assert run.metadata["pid"] > 0


def test_a_run_is_found_by_two_and_three_part_paths(log_run: LogRun) -> None:
    run_id = log_run("proj", entity="team", name="pathy")
    api = heron.Api()

    for path in (
        f"proj/{run_id}",
        f"team/proj/{run_id}",
        f"team/proj/runs/{run_id}",
        f"/team/proj/{run_id}/",
    ):
        run = api.run(path)
        assert (run.entity, run.project, run.id, run.name) == ("team", "proj", run_id, "pathy")
        assert run.path == ["team", "proj", run_id]


def test_a_missing_run_raises_run_not_found_naming_the_path(log_run: LogRun) -> None:
    run_id = log_run("proj", entity="team")
    api = heron.Api()

    with pytest.raises(RunNotFound, match=r"Could not find run 'proj/nope'"):
        api.run("proj/nope")
    with pytest.raises(RunNotFound, match=rf"'other/proj/{run_id}'"):
        api.run(f"other/proj/{run_id}")  # right id, wrong entity
    with pytest.raises(LookupError):
        api.run(f"elsewhere/{run_id}")
    with pytest.raises(heron.Error):
        api.run("proj/nope")


def test_a_malformed_run_path_says_what_shape_is_expected() -> None:
    api = heron.Api()

    with pytest.raises(
        ValueRejected,
        match=r"'just-an-id' must be 'project/run_id' or "
        r"'entity/project/run_id'",
    ):
        api.run("just-an-id")
    with pytest.raises(ValueRejected, match=r"too many parts"):
        api.run("a/b/c/d")


@pytest.fixture
def zoo(log_run: LogRun) -> dict[str, str]:
    """Four runs with different configs, tags, states and losses; name -> id."""
    return {
        "alpha": log_run(
            name="alpha", config={"lr": 0.001, "opt": {"lr": 0.1}}, tags=["x"], rows=[{"loss": 0.5}]
        ),
        "beta": log_run(
            name="beta", config={"lr": 0.02, "opt": {"lr": 0.2}}, tags=["y"], rows=[{"loss": 2.0}]
        ),
        "gamma": log_run(
            name="gamma",
            config={"lr": 0.1, "opt": {"lr": 0.3}},
            tags=["x", "y"],
            rows=[{"loss": 0.2}],
            exit_code=1,
        ),
        "delta-base": log_run(name="delta-base", config={"lr": 0.05}, tags=[]),
    }


def names(runs: heron.api.Runs) -> list[str]:
    return [run.name for run in runs]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"config.lr": {"$gt": 0.01}}, {"beta", "gamma", "delta-base"}),
        ({"config.lr": 0.02}, {"beta"}),
        ({"config.lr.value": {"$lte": 0.02}}, {"alpha", "beta"}),
        ({"config.opt.lr": {"$gte": 0.2}}, {"beta", "gamma"}),
        ({"state": "finished"}, {"alpha", "beta", "delta-base"}),
        ({"state": "failed"}, {"gamma"}),
        ({"tags": "x"}, {"alpha", "gamma"}),
        ({"tags": {"$in": ["y"]}}, {"beta", "gamma"}),
        ({"$or": [{"tags": "y"}, {"config.lr": {"$lt": 0.01}}]}, {"alpha", "beta", "gamma"}),
        ({"$and": [{"tags": "x"}, {"state": "finished"}]}, {"alpha"}),
        ({"summary_metrics.loss": {"$lt": 1}}, {"alpha", "gamma"}),
        ({"summary_metrics.loss": {"$exists": False}}, {"delta-base"}),
        ({"display_name": {"$regex": "^(al|ga)"}}, {"alpha", "gamma"}),
        ({"display_name": {"$regex": "base$"}}, {"delta-base"}),
        ({"config.lr": {"$gt": 0.01}, "state": "finished"}, {"beta", "delta-base"}),
        ({"config.lr": {"$gt": 1}}, set()),
    ],
)
def test_runs_are_filtered_the_way_wandb_filters_them(
    zoo: dict[str, str], filters: dict, expected: set[str]
) -> None:
    runs = heron.Api().runs("proj", filters=filters)

    assert set(names(runs)) == expected
    assert len(runs) == len(expected)


def test_a_filter_on_the_run_id_finds_that_run(zoo: dict[str, str]) -> None:
    runs = heron.Api().runs("proj", filters={"name": zoo["beta"]})

    assert names(runs) == ["beta"]
    assert runs[0].id == zoo["beta"]


def test_an_unknown_filter_field_or_operator_is_refused_by_name(zoo: dict[str, str]) -> None:
    api = heron.Api()

    with pytest.raises(ValueRejected, match=r"unknown filter field 'colour'"):
        api.runs("proj", filters={"colour": "red"})
    with pytest.raises(ValueRejected, match=r"unknown filter operator '\$near'"):
        api.runs("proj", filters={"config.lr": {"$near": 1}})


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("-created_at", ["delta-base", "gamma", "beta", "alpha"]),
        ("+created_at", ["alpha", "beta", "gamma", "delta-base"]),
        ("+summary_metrics.loss", ["gamma", "alpha", "beta", "delta-base"]),  # missing goes last
        ("-summary_metrics.loss", ["beta", "alpha", "gamma", "delta-base"]),
        ("config.lr", ["alpha", "beta", "delta-base", "gamma"]),
        ("-config.lr", ["gamma", "delta-base", "beta", "alpha"]),
    ],
)
def test_runs_come_back_in_the_requested_order(
    zoo: dict[str, str], order: str, expected: list[str]
) -> None:
    assert names(heron.Api().runs("proj", order=order)) == expected


def test_runs_default_to_newest_first_and_stay_within_the_project(
    log_run: LogRun, zoo: dict[str, str]
) -> None:
    log_run("other", name="outsider")

    assert names(heron.Api().runs("proj")) == ["delta-base", "gamma", "beta", "alpha"]
    assert names(heron.Api().runs("other")) == ["outsider"]
    assert names(heron.Api().runs("empty")) == []


def test_runs_of_one_entity_are_found_by_entity_and_project(log_run: LogRun) -> None:
    log_run("proj", entity="team-a", name="a-run")
    log_run("proj", entity="team-b", name="b-run")

    assert names(heron.Api().runs("team-a/proj")) == ["a-run"]
    assert sorted(names(heron.Api().runs("proj"))) == ["a-run", "b-run"]


def test_runs_without_a_project_names_what_is_missing() -> None:
    with pytest.raises(ValueRejected, match=r"runs\(\) needs a project"):
        heron.Api().runs()


def test_the_default_project_comes_from_heron_project(
    log_run: LogRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = log_run("envproj", name="from-env")
    monkeypatch.setenv("HERON_PROJECT", "envproj")

    assert names(heron.Api().runs()) == ["from-env"]
    assert heron.Api().run(run_id).name == "from-env"
