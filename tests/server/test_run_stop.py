"""A run logged to ``heron server`` is stopped through the REST API like a local one
(tests/sdk/test_stop.py): its SDK reads the request over HTTP."""

from __future__ import annotations

from pathlib import Path

from tests.sdk.test_stop import stop_and_watch

from .conftest import Server


def test_stopping_a_run_on_the_server_ends_its_script(remote_env: Server,
                                                      tmp_path: Path) -> None:
    stop_and_watch("remote01", tmp_path)
