"""The agent turns a sweep's command template into the argv of each run."""

from __future__ import annotations

import json

import pytest

from heron.sweeps import DEFAULT_COMMAND, expand_command, format_args

PARAMS = {"lr": 0.01, "flag": False, "on": True, "name": "a b", "opt": {"mom": 0.9}}


def test_default_command_runs_the_program_with_args() -> None:
    assert list(DEFAULT_COMMAND) == ["${env}", "${interpreter}", "${program}", "${args}"]
    assert expand_command(None, {"lr": 0.01, "n": 3}, "train.py") == [
        "/usr/bin/env",
        "python",
        "train.py",
        "--lr=0.01",
        "--n=3",
    ]


@pytest.mark.parametrize(
    ("macro", "expected"),
    [
        ("${args}", ["--lr=0.01", "--flag=False", "--on=True", "--name=a b", "--opt={'mom': 0.9}"]),
        (
            "${args_no_hyphens}",
            ["lr=0.01", "flag=False", "on=True", "name=a b", "opt={'mom': 0.9}"],
        ),
        (
            "${args_no_equals}",
            [
                "--lr",
                "0.01",
                "--flag",
                "False",
                "--on",
                "True",
                "--name",
                "a b",
                "--opt",
                "{'mom': 0.9}",
            ],
        ),
        ("${args_no_boolean_flags}", ["--lr=0.01", "--on", "--name=a b", "--opt={'mom': 0.9}"]),
        ("${args_json}", [json.dumps(PARAMS)]),
        ("${env}", ["/usr/bin/env"]),
        ("${interpreter}", ["python"]),
        ("${program}", ["train.py"]),
        ("${args_json_file}", ["/tmp/sweep/config-r1.json"]),
        ("${lr}", ["0.01"]),
        ("${opt.mom}", ["0.9"]),
        ("${unknown}", []),  # as W&B: an unknown whole-element macro expands to nothing
    ],
)
def test_each_macro(macro: str, expected: list[str]) -> None:
    argv = expand_command([macro], PARAMS, "train.py", json_file="/tmp/sweep/config-r1.json")
    assert argv == expected


def test_args_json_round_trips_the_values() -> None:
    (text,) = format_args(PARAMS, "args_json")
    assert json.loads(text) == PARAMS


def test_envvar_is_replaced_inside_any_element_from_the_given_mapping() -> None:
    argv = expand_command(
        ["${envvar:PY}", "--data=${envvar:DATA}/train", "${envvar:UNSET}"],
        {},
        "p.py",
        environ={"PY": "python3.11", "DATA": "/mnt/d"},
    )
    assert argv == ["python3.11", "--data=/mnt/d/train", "UNSET"]


def test_parameter_names_are_replaced_inside_elements() -> None:
    argv = expand_command(
        ["train.py", "--out=runs/lr${lr}-${opt.mom}", "${missing}x"], PARAMS, "train.py"
    )
    assert argv == ["train.py", "--out=runs/lr0.01-0.9", "${missing}x"]


def test_env_can_be_left_out_and_the_interpreter_chosen() -> None:
    argv = expand_command(None, {"a": 1}, "t.py", env=None, interpreter="python3")
    assert argv == ["python3", "t.py", "--a=1"]


def test_non_string_elements_are_used_as_text() -> None:
    assert expand_command(["run", 3, "${args}"], {"a": 1}, None) == ["run", "3", "--a=1"]


def test_missing_program_or_json_file_is_an_error_naming_the_macro() -> None:
    with pytest.raises(ValueError, match=r"\$\{program\}"):
        expand_command(None, {}, None)
    with pytest.raises(ValueError, match=r"\$\{args_json_file\}"):
        expand_command(["${args_json_file}"], {}, "t.py")


def test_unknown_argument_style_is_refused() -> None:
    with pytest.raises(ValueError, match="args_dict"):
        format_args({"a": 1}, "args_dict")
