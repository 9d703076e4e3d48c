"""Every error becomes its status in one place (heron.server.errors), with its message as the
reason; a bug stays a 500 instead of passing for the caller's mistake."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from heron import records as r
from heron.errors import StoreError
from heron.server.app import create_app
from heron.store import SqlStore, open_store

GRID = {"method": "grid", "parameters": {"x": {"values": [1, 2]}}}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    opened = open_store(tmp_path / "store")
    opened.write(r.Batch(project="proj", run_id="run1", seq=1,
                         records=[r.RunStart(name="one")]))
    yield opened
    opened.close()


@pytest.fixture
def client(store: SqlStore) -> TestClient:
    return TestClient(create_app(store, access="open", static_dir=None),
                      base_url="http://testserver/api/v1", raise_server_exceptions=False)


def detail(response: Any) -> str:
    return str(response.json()["detail"])


def test_a_missing_run_is_404_naming_it(client: TestClient) -> None:
    response = client.get("/projects/proj/runs/nothere")

    assert response.status_code == 404 and "nothere" in detail(response)


def test_a_value_the_store_refuses_is_422_naming_it(client: TestClient) -> None:
    response = client.get("/projects/proj/runs/run1/keys", params={"stream": "sideways"})

    assert response.status_code == 422 and "'sideways'" in detail(response)


def test_a_bug_inside_update_run_is_a_500_not_a_422(
    client: TestClient, store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(run_pk: int, **fields: Any) -> None:
        raise ValueError("a bug, not the caller's mistake")

    monkeypatch.setattr(store, "update_run", broken)

    assert client.patch("/projects/proj/runs/run1", json={"name": "x"}).status_code == 500


def test_a_store_that_is_down_is_503_with_the_reason(
    client: TestClient, store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down() -> list[Any]:
        raise StoreError("the store failed: connection refused")

    monkeypatch.setattr(store, "list_projects", down)
    response = client.get("/projects")

    assert response.status_code == 503 and "connection refused" in detail(response)


def test_sweep_errors_are_404_422_and_409(client: TestClient) -> None:
    assert client.get("/sweeps/nosuch").status_code == 404
    sweep = client.post("/sweeps", json={"config": GRID, "project": "proj"}).json()["id"]

    bad_action = client.post(f"/sweeps/{sweep}/state", json={"action": "explode"})
    assert bad_action.status_code == 422 and "'explode'" in detail(bad_action)
    assert client.post(f"/sweeps/{sweep}/state", json={"action": "cancel"}).status_code == 200
    resumed = client.post(f"/sweeps/{sweep}/state", json={"action": "resume"})
    assert resumed.status_code == 409 and "CANCELED" in detail(resumed)
    bad_config = client.post("/sweeps", json={"config": {"method": "nope"}, "project": "proj"})
    assert bad_config.status_code == 422


def test_a_missing_key_is_401_with_the_scheme_to_use(store: SqlStore) -> None:
    client = TestClient(create_app(store, access="keys", static_dir=None),
                        base_url="http://testserver/api/v1")

    response = client.get("/projects")

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer" and "API key" in detail(response)


def test_the_server_records_crashed_runs_while_it_runs(store: SqlStore, tmp_path: Path) -> None:
    store.write(r.Batch(project="proj", run_id="silent", seq=1,
                        records=[r.RunStart(name="s", heartbeat_interval=0.05)]))
    app = create_app(store, access="open", static_dir=None, settle_seconds=0.2)

    def stored_state() -> str:
        conn = sqlite3.connect(tmp_path / "store" / "heron.db")
        try:
            return str(conn.execute("SELECT state FROM runs WHERE run_id = 'silent'").fetchone()[0])
        finally:
            conn.close()

    assert stored_state() == "running"
    with TestClient(app):
        deadline = time.time() + 10
        while stored_state() != "crashed" and time.time() < deadline:
            time.sleep(0.1)
    assert stored_state() == "crashed"
