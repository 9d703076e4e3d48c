"""No way in through data, against a real ``heron server``: ingest refuses values past the
limits of docs/server.md ("Limits") with a 4xx that names them, never a 5xx; and a run stored
past them before (written into the server's database behind its back) still lists, on every
page and through ``heron.Api()``, with the deep part cut."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

import heron
from heron import records as r
from heron.limits import DEEP_MARKER, MAX_DEPTH
from tests.support.server import ServerProcess, heron_servers

MSGPACK = {"Content-Type": "application/msgpack"}
PLACEHOLDER = "@@placeholder@@"


@dataclass
class Served:
    process: ServerProcess
    key: str
    db_file: Path

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.process.url + "/api/v1", timeout=60,
                            headers={"Authorization": f"Bearer {self.key}"})


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One real server (SQLite) for the module: each test uses run ids of its own."""
    root = tmp_path_factory.mktemp("limits-server")
    db_file = root / "heron.db"
    with heron_servers(f"sqlite:///{db_file}", root / "media") as (process,):
        key = process.wait_admin_key()
        yield Served(process, key, db_file)


@pytest.fixture
def api_env(server: Served, monkeypatch: pytest.MonkeyPatch) -> Served:
    """``heron.Api()`` in this process reads from ``server``."""
    monkeypatch.setenv("HERON_HOST", server.process.url)
    monkeypatch.setenv("HERON_API_KEY", server.key)
    return server


def post(server: Served, body: bytes) -> httpx.Response:
    with server.client() as client:
        return client.post("/ingest", content=body, headers=MSGPACK)


def start(run_id: str, *records: r.Record, config: dict[str, Any] | None = None,
          project: str = "proj") -> bytes:
    return r.encode([r.Batch(project=project, run_id=run_id, seq=1, records=[
        r.RunStart(name=run_id, config=config or {}), *records])])


def with_raw(body: bytes, raw: bytes) -> bytes:
    """``body`` with the msgpack string ``PLACEHOLDER`` replaced by ``raw`` msgpack bytes
    (what msgspec itself would not encode: values nested 10,000 deep, invalid UTF-8)."""
    packed = msgspec.msgpack.encode(PLACEHOLDER)
    assert body.count(packed) == 1
    return body.replace(packed, raw)


def nested(levels: int) -> Any:
    value: Any = 1.0
    for _ in range(levels):
        value = {"a": value}
    return value


def detail(response: httpx.Response) -> str:
    text = response.json()["detail"]
    assert isinstance(text, str)
    return text


def test_a_config_nested_500_levels_is_refused_with_422_naming_it(server: Served) -> None:
    response = post(server, start("deep1", config={"lr": 0.1, "deep": nested(500)}))

    assert response.status_code == 422, response.text
    assert detail(response) == ("batch 1 of run 'deep1' refused: config key 'deep' nests "
                                f"deeper than {MAX_DEPTH} levels of lists and dicts")
    with server.client() as client:
        assert client.get("/projects/proj/runs/deep1").status_code == 404  # nothing written


@pytest.mark.parametrize("levels", [2_000, 10_000, 200_000])
def test_values_nested_past_what_can_be_read_are_refused_with_422(
    server: Served, levels: int
) -> None:
    for raw in (b"\x91" * levels + b"\x01", b"\x81\xa1a" * levels + b"\x01"):
        response = post(server, with_raw(start("deep2", config={"deep": PLACEHOLDER}), raw))

        assert response.status_code == 422, response.text
        assert f"at most {MAX_DEPTH} levels" in detail(response)


@pytest.mark.parametrize("bad", [b"\xff\xfe", b"\xed\xa0\x80", b"\xc0\x80", b"ok\x80"])
@pytest.mark.parametrize("where", ["value", "key", "name", "console"])
def test_invalid_utf8_is_refused_with_400_naming_it(
    server: Served, bad: bytes, where: str
) -> None:
    raw = bytes([0xA0 | len(bad)]) + bad  # a msgpack string of those bytes
    body = {
        "value": start("utf1", config={"k": PLACEHOLDER}),
        "key": start("utf1", r.HistoryRow(0, {"_step": 0, PLACEHOLDER: 1.0})),
        "name": r.encode([r.Batch(project="proj", run_id="utf1", seq=1,
                                  records=[r.RunStart(name=PLACEHOLDER)])]),
        "console": start("utf1", r.ConsoleLine("stdout", 1.0, PLACEHOLDER)),
    }[where]

    response = post(server, with_raw(body, raw))

    assert response.status_code == 400, response.text
    assert detail(response).startswith("malformed batch list: Invalid UTF-8")


def test_msgpack_extension_values_are_refused_with_422(server: Served) -> None:
    body = msgspec.msgpack.encode([{"project": "proj", "run_id": "ext1", "seq": 1, "records": [
        {"type": "run_start", "name": "x", "config": {"when": msgspec.msgpack.Ext(9, b"ab")}}]}])

    response = post(server, body)

    assert response.status_code == 422, response.text
    assert "config key 'when' holds a value of type msgspec.msgpack.Ext" in detail(response)


@pytest.mark.parametrize("path", ["///attacker.example/x.png", "https://attacker.example/x.png",
                                  "/etc/passwd", "media/../x"])
def test_an_image_pointing_outside_the_media_folder_is_refused(server: Served, path: str) -> None:
    image = {"_type": "image-file", "path": path, "width": 1, "height": 1, "format": "png"}

    response = post(server, start("img1", r.HistoryRow(0, {"_step": 0, "examples": image})))

    assert response.status_code == 422, response.text
    assert detail(response).startswith(
        f"batch 1 of run 'img1' refused: HistoryRow at step 0 key 'examples' is a 'image-file' "
        f"whose media path {path!r} is not a relative path inside the media folder")


@pytest.mark.parametrize("name", ["/home/victim/.bashrc", "../x", "notes/../../x"])
def test_a_saved_file_named_outside_the_run_is_refused(server: Served, name: str) -> None:
    response = post(server, start("file1", r.FileSaved(name, "media/ab/cd.txt", 1, "0" * 64)))

    assert response.status_code == 422, response.text
    assert repr(name) in detail(response) and "FileSaved" in detail(response)


def _deep_packed(levels: int) -> bytes:
    """``{"deep": [[...[1]...]], "lr": 0.5}`` with ``levels`` lists, packed by hand."""
    return b"\x82\xa4deep" + b"\x91" * levels + b"\x01" + b"\xa2lr" + msgspec.msgpack.encode(0.5)


def depth_of(value: Any) -> int:
    levels = 0
    while isinstance(value, list):
        value = value[0]
        levels += 1
    assert value == DEEP_MARKER or value == 1, value
    return levels


@pytest.mark.parametrize("levels", [500, 10_000])
def test_a_run_stored_with_a_deep_config_still_lists_everywhere(
    api_env: Served, levels: int
) -> None:
    server, project = api_env, f"deep{levels}"
    image = {"_type": "image-file", "path": "media/ab/" + "ab" * 32 + ".png"}
    assert post(server, start("old", r.HistoryRow(0, {"_step": 0, "v": [1], "loss": 0.5}),
                              r.HistoryRow(1, {"_step": 1, "img": image}),
                              config={"lr": 0.5}, project=project)).status_code == 200
    assert post(server, start("fine", config={"lr": 0.1}, project=project)).status_code == 200
    # A store from before the limits: the run's config, summary and metadata, and a history
    # value, nested `levels` deep.
    with sqlite3.connect(server.db_file) as db:
        deep = _deep_packed(levels)
        [(pk,)] = db.execute("SELECT runs.id FROM runs JOIN projects ON projects.id = "
                             "runs.project_id WHERE projects.name = ? AND run_id = 'old'",
                             (project,)).fetchall()
        db.execute("UPDATE runs SET config = ?, summary = ?, metadata = ? WHERE id = ?",
                   (deep, deep, deep, pk))
        db.execute("UPDATE history_objects SET value = ? WHERE run_pk = ? AND key = 'v'",
                   (b"\x91" * levels + b"\x01", pk))
    with server.client() as client:
        listed = client.get(f"/projects/{project}/runs")
        assert listed.status_code == 200, listed.text
        old = next(run for run in listed.json() if run["id"] == "old")
        assert old["config"]["lr"] == 0.5 and depth_of(old["config"]["deep"]) == MAX_DEPTH
        assert depth_of(old["summary"]["deep"]) == MAX_DEPTH
        one = client.get(f"/projects/{project}/runs/old")
        assert one.status_code == 200 and depth_of(one.json()["metadata"]["deep"]) == MAX_DEPTH
        packed = client.get(f"/projects/{project}/runs", headers={"Accept": "application/msgpack"})
        assert packed.status_code == 200
        assert {run["id"] for run in msgspec.msgpack.decode(packed.content)} == {"old", "fine"}
        for params in ({}, {"sort": "config:deep"}, {"filter": "deep ~ cut"},
                       {"sort": "summary:deep", "group": "deep"}):
            table = client.get(f"/projects/{project}/run-ids", params=params)
            assert table.status_code == 200, (params, table.text)
            assert "old" in table.json()["ids"]
        rows = client.get(f"/projects/{project}/runs/old/history", params={"keys": "v,loss"})
        assert rows.status_code == 200 and rows.json()["rows"][0]["loss"] == 0.5
        assert client.get(f"/projects/{project}/runs/old/files").status_code == 200
        assert client.get(f"/projects/{project}/runs/old/files/config.yaml").status_code == 200

    api = heron.Api()
    [run] = [run for run in api.runs(project) if run.id == "old"]
    assert run.config["lr"] == 0.5 and depth_of(run.config["deep"]) == MAX_DEPTH
    assert depth_of(api.run(f"{project}/old").summary["deep"]) == MAX_DEPTH
    assert {f.name for f in run.files()} >= {"config.yaml", "wandb-summary.json"}
    assert run.history(keys=["loss"], pandas=False) == [{"_step": 0, "loss": 0.5}]


def test_the_live_feed_keeps_going_past_a_run_stored_with_a_deep_config(server: Served) -> None:
    project = "livedeep"
    assert post(server, start("old", config={"lr": 0.5}, project=project)).status_code == 200
    with sqlite3.connect(server.db_file) as db:
        db.execute("UPDATE runs SET config = ? WHERE run_id = 'old' AND project_id = (SELECT id "
                   "FROM projects WHERE name = ?)", (_deep_packed(500), project))
    more = r.Batch(project=project, run_id="old", seq=2, records=[
        r.ConfigSet({"lr": 0.5, "after": 1}), r.HistoryRow(0, {"_step": 0, "loss": 0.25})])
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60
    with server.client() as client, client.stream(
            "GET", "/live", params={"project": project, "cursor": 0}) as feed:
        assert feed.status_code == 200
        for line in feed.iter_lines():
            if line.startswith("data: "):
                seen.append(msgspec.json.decode(line[6:]))
                if len(seen) == 1:  # the first batch's run, which now holds the deep config
                    assert post(server, r.encode([more])).status_code == 200
            if any(m.get("rows") and m["rows"][0].get("loss") == 0.25 for m in seen):
                break
            assert time.monotonic() < deadline, seen
    first = seen[0]
    assert first["type"] == "run" and depth_of(first["run"]["config"]["deep"]) == MAX_DEPTH
    assert any(m["type"] == "run" and m["run"]["config"] == {"lr": 0.5, "after": 1}
               for m in seen)


def test_ingest_answers_a_4xx_within_seconds_for_a_deep_body(server: Served) -> None:
    started = time.monotonic()
    body = with_raw(start("deep3", config={"deep": PLACEHOLDER}), b"\x91" * 5_000_000 + b"\x01")

    response = post(server, body)

    assert response.status_code == 422, response.text
    assert time.monotonic() - started < 30
