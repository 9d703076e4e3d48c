"""``heron --help`` and ``--version`` work from the installed script."""

from __future__ import annotations

from collections.abc import Callable

import heron


def test_help_lists_the_commands(heron_cmd: Callable) -> None:
    done = heron_cmd("--help")

    assert done.returncode == 0, done.stderr
    assert "Usage: heron" in done.stdout
    assert "experiment tracking that speaks the W&B API" in done.stdout
    for command in ("runs", "export"):
        assert command in done.stdout


def test_short_help_and_subcommand_help(invoke: Callable) -> None:
    assert "Usage:" in invoke("-h").stdout
    runs_help = invoke("runs", "ls", "--help")
    assert runs_help.exit_code == 0
    assert "--state" in runs_help.stdout
    export_help = invoke("export", "--help")
    assert "[csv|parquet]" in export_help.stdout


def test_version_prints_the_package_version(invoke: Callable) -> None:
    result = invoke("--version")

    assert result.exit_code == 0
    assert result.stdout.strip() == f"heron, version {heron.__version__}"


def test_an_unknown_command_exits_with_usage_error(invoke: Callable) -> None:
    result = invoke("frobnicate")

    assert result.exit_code == 2
    assert "No such command 'frobnicate'" in result.stderr
