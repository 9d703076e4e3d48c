"""The dashboard's own endpoints (routes/charts.py, run_table.py, media_panels.py and
sweep_analysis.py): many runs' buckets in one response (JSON and binary), the runs table
filtered and sorted, sampled media rows, table pages, and a sweep's parameter analysis."""

from __future__ import annotations

import gzip
import json
import struct
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from heron import records as r
from heron.server.app import create_app
from heron.store import open_store
from tests.web import seeds
from tests.web.conftest import get_json


def decode_binary(body: bytes) -> dict[str, Any]:
    """The binary series format, read as the browser's decodeSeries reads it."""
    assert body[:4] == b"HSB1"
    (hlen,) = struct.unpack("<I", body[4:8])
    header = json.loads(body[8:8 + hlen])
    base = 8 + hlen
    assert base % 8 == 0
    kinds = {"i4": "<i4", "f4": "<f4", "f8": "<f8"}
    for run in header["runs"]:
        for name in ("x", "last", "min", "max", "count"):
            if name in run:
                off, kind = run[name]
                assert off % 8 == 0
                run[name] = np.frombuffer(body, dtype=kinds[kind], count=run["n"],
                                          offset=base + off).astype(np.float64)
    return header


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """Three runs of 5,000 steps (one with a spike and a NaN, one with fewer steps) and a run
    that logged no `loss`."""
    store = open_store(tmp_path_factory.mktemp("api") / "store")
    rng = np.random.default_rng(0)
    start = time.time() - 100
    for k, steps in enumerate((5000, 5000, 1200)):
        run_id = f"run{k}"
        store.write(r.Batch(project="p", run_id=run_id, seq=1, records=[r.RunStart(
            name=f"name-{k}",
            config={"lr": 0.01 * (k + 1), "opt": {"name": "adam" if k else "sgd"}},
            tags=["a"] if k == 0 else [], started_at=start)]))
        values = np.cumsum(rng.normal(size=steps))
        if k == 0:
            values[2500] = 1e6
            values[10] = np.nan
        store.write(r.Batch(project="p", run_id=run_id, seq=2, records=[
            r.HistoryRow(s, {"_step": s, "_runtime": s * 0.5, "_timestamp": start + s * 0.5,
                             "loss": float(values[s]), "acc": s})
            for s in range(steps)]))
        store.write(r.Batch(project="p", run_id=run_id, seq=3, records=[
            r.SummarySet({"loss": float(values[-1]), "acc": steps - 1}),
            r.RunEnd(state="finished", exit_code=0, ended_at=time.time())]))
    store.write(r.Batch(project="p", run_id="other", seq=1, records=[
        r.RunStart(name="name-10", config={"lr": 0.5}, started_at=time.time()),
        r.HistoryRow(0, {"_step": 0, "acc": 1.0})]))
    return TestClient(create_app(store, access="open"))


def per_run(client: TestClient, run: str, **q: Any) -> dict[str, Any]:
    res = client.get(f"/api/v1/projects/p/runs/{run}/series", params=q)
    assert res.status_code == 200
    return dict(res.json())


@pytest.mark.parametrize("query", [
    {"key": "loss", "points": 300},
    {"key": "loss", "points": 300, "x_min": 1000, "x_max": 1400.5},
    {"key": "loss", "points": 50, "x": "_runtime"},
    {"key": "loss", "points": 10_000},
    {"key": "loss", "points": 200, "x": "acc", "x_min": 100},
    {"key": "loss", "points": 100, "x_min": "-Infinity", "x_max": "Infinity"},
])
def test_many_runs_in_one_response_match_the_per_run_buckets(client: TestClient,
                                                             query: dict[str, Any]) -> None:
    runs = "run0,run1,run2,other,nope"
    res = client.get("/api/v1/projects/p/series", params={**query, "runs": runs})
    assert res.status_code == 200
    body = res.json()
    assert body["missing"] == ["nope"]
    assert [x["id"] for x in body["runs"]] == ["run0", "run1", "run2", "other"]
    binary = decode_binary(client.get("/api/v1/projects/p/series", params={
        **query, "runs": runs, "format": "binary"}).content)
    for got, raw in zip(body["runs"], binary["runs"]):
        want = per_run(client, got["id"], **query)
        assert got["buckets"] == want["buckets"]
        assert (got["total"], got["cursor"]) == (want["total"], want["cursor"])
        assert (raw["total"], raw["cursor"], raw["n"]) == (want["total"], want["cursor"],
                                                           len(want["buckets"]["x"]))
        wx = np.array(want["buckets"]["x"], dtype=float)
        assert np.array_equal(raw["x"], wx)
        for name in ("last", "min", "max"):
            w = np.array([float(v) if not isinstance(v, str) else np.nan
                          for v in want["buckets"][name]])
            got_v = raw.get(name, raw["last"])
            assert np.allclose(got_v, w, rtol=1e-6, equal_nan=True), name
        if "count" in raw:
            assert raw["count"].tolist() == want["buckets"]["count"]
        else:
            assert set(want["buckets"]["count"]) <= {1}


def test_binary_buckets_keep_the_spike_and_are_small(client: TestClient) -> None:
    q = {"key": "loss", "runs": "run0", "points": 1000}
    js = client.get("/api/v1/projects/p/series", params=q, headers={"accept-encoding": "identity"})
    bi = client.get("/api/v1/projects/p/series", params={**q, "format": "binary"},
                    headers={"accept-encoding": "identity"})
    run = decode_binary(bi.content)["runs"][0]
    assert run["max"].max() == 1e6  # no spike lost
    # 5,000 steps in cells of 8 (the smallest power of two giving at most 1,000)
    assert run["width"] == 8 and (run["lo"], run["hi"]) == (0, 4999) and run["n"] == 625
    assert len(bi.content) < len(js.content) / 2
    zipped = client.get("/api/v1/projects/p/series", params={**q, "format": "binary"},
                        headers={"accept-encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert decode_binary(zipped.content)["runs"][0]["n"] == 625  # the client unzips


@pytest.mark.parametrize("params,status", [
    ({"key": "loss", "runs": ""}, 422),
    ({"key": "", "runs": "run0"}, 422),
    ({"key": "loss", "runs": ",".join(f"r{i}" for i in range(501))}, 422),
    ({"key": "loss", "runs": "run0", "points": 0}, 422),
    ({"key": "loss", "runs": "run0", "stream": "nope"}, 422),
    ({"key": "loss", "runs": "run0", "format": "xml"}, 422),
    ({"key": "loss", "runs": "run0", "x_min": "nan"}, 200),
])
def test_series_rejects_bad_requests_with_a_reason(client: TestClient, params: dict[str, Any],
                                                   status: int) -> None:
    res = client.get("/api/v1/projects/p/series", params=params)
    assert res.status_code == status, res.text
    if status == 422:
        assert res.json()["detail"]


def ids(client: TestClient, **q: Any) -> list[str]:
    res = client.get("/api/v1/projects/p/run-ids", params=q)
    assert res.status_code == 200, res.text
    return list(res.json()["ids"])


@pytest.mark.parametrize("text,want", [
    ("", ["other", "run2", "run1", "run0"]),  # newest first
    ("lr > 0.015", ["other", "run2", "run1"]),
    ("lr>=0.02 lr<0.5", ["run2", "run1"]),
    ("config.lr = 0.01", ["run0"]),
    ("opt.name = adam", ["run2", "run1"]),
    ("opt.name != adam", ["other", "run0"]),  # a missing key is != anything
    ("summary.acc < 2000", ["run2"]),  # "other" has no summary
    ("acc > 4000", ["run1", "run0"]),
    ("tag:a", ["run0"]),
    ("tag != a", ["other", "run2", "run1"]),
    ("state:running", ["other"]),
    ("name ~ NAME-1", ["other", "run1"]),
    ("name-1", ["other", "run1"]),
    ("name:'name-10'", ["other"]),
    ("id:run2", ["run2"]),
    ("nothing-matches", []),
    ("<script> ) ( \\ [", []),
])
def test_run_filter_expressions(client: TestClient, text: str, want: list[str]) -> None:
    assert ids(client, filter=text) == want


def test_run_sort_state_tag_and_group(client: TestClient) -> None:
    assert ids(client, sort="config:lr") == ["run0", "run1", "run2", "other"]
    assert ids(client, sort="config:lr", order="desc") == ["other", "run2", "run1", "run0"]
    # missing values last either way; names sort naturally (name-2 before name-10)
    assert ids(client, sort="summary:acc", order="desc") == ["run1", "run0", "run2", "other"]
    assert ids(client, sort="name") == ["run0", "run1", "run2", "other"]
    assert ids(client, sort="config:opt.name") == ["run2", "run1", "run0", "other"]  # stable
    assert ids(client, state="finished") == ["run2", "run1", "run0"]
    assert ids(client, tag="a") == ["run0"]
    # grouped by a config value: the groups in order, the sort kept within each
    assert ids(client, group="opt.name", sort="config:lr", order="desc") == [
        "run2", "run1", "run0", "other"]
    assert client.get("/api/v1/projects/p/run-ids", params={"order": "up"}).status_code == 422
    assert client.get("/api/v1/projects/nope/run-ids").json()["ids"] == []


# -- against the browser tests' server, on data the real SDK logged ------------------------------

def api(server: str, endpoint: str, **q: Any) -> Any:
    return get_json(f"{server}/api/v1/{endpoint}?{urllib.parse.urlencode(q)}")


def status_of(server: str, endpoint: str, **q: Any) -> int:
    try:
        with urllib.request.urlopen(f"{server}/api/v1/{endpoint}?{urllib.parse.urlencode(q)}"):
            return 200
    except urllib.error.HTTPError as err:
        return int(err.code)


def test_media_rows_are_sampled_on_the_server(server: str) -> None:
    runs = {x["name"]: x["id"] for x in api(server, f"projects/{seeds.MEDIA_PROJECT}/runs")}
    both = f"{runs['vision-run']},{runs['second-run']}"
    res = api(server, f"projects/{seeds.MEDIA_PROJECT}/media", key="samples/image", runs=both)
    by = {x["id"]: x for x in res["runs"]}
    assert by[runs["vision-run"]]["steps"] == [0, 3, 6, 9]
    assert by[runs["second-run"]]["steps"] == [0, 5]
    first = by[runs["vision-run"]]["values"][0]
    assert first["_type"] == "image-file" and first["boxes"]["predictions"]["box_data"]
    # at most `limit` steps, evenly spread, the first and the last kept
    grads = api(server, f"projects/{seeds.MEDIA_PROJECT}/media", key="gradients/0.weight",
                runs=runs["vision-run"], limit=3)["runs"][0]
    assert grads["total"] == 6 and grads["steps"] == [1, 5, 11]
    assert grads["values"][0]["_type"] == "histogram"
    assert status_of(server, f"projects/{seeds.MEDIA_PROJECT}/media", key="x", runs="",
                     limit=3) == 422


def test_table_pages_sort_on_the_server_and_stay_in_the_media_folder(server: str,
                                                                      store_dir: Path) -> None:
    runs = {x["name"]: x for x in api(server, f"projects/{seeds.MEDIA_PROJECT}/runs")}
    path = runs["vision-run"]["summary"]["eval/predictions"]["path"]
    page = api(server, "tables", path=path, offset=20, limit=10)
    assert page["total"] == 25 and page["columns"] == ["id", "image", "label", "score"]
    assert [row["index"] for row in page["rows"]] == [20, 21, 22, 23, 24]
    by_score = api(server, "tables", path=path, sort=3, order="desc", limit=25)["rows"]
    scores = [row["cells"][3] for row in by_score]
    assert scores == sorted(scores, reverse=True)
    assert by_score[0]["cells"][1]["_type"] == "image-file"
    for bad in ("../heron.db", "media/../heron.db", "/etc/passwd", "media/nope.json"):
        assert status_of(server, "tables", path=bad) == 404
    image = runs["vision-run"]["summary"]["samples/image"]["path"]
    assert status_of(server, "tables", path=image) == 422  # not a table
    assert status_of(server, "tables", path=path, sort=9) == 422


def test_sweep_analysis_ranks_runs_and_weighs_parameters(server: str,
                                                         seeded: dict[str, Any]) -> None:
    sweep_id = seeded["sweep_id"]
    sweep = api(server, f"sweeps/{sweep_id}")
    full = api(server, f"sweeps/{sweep_id}/analysis")
    quick = api(server, f"sweeps/{sweep_id}/analysis", importance="false")
    scored = {x["id"]: x["value"] for x in sweep["runs"] if x["value"] is not None}
    assert full["runs_used"] == len(scored) >= seeds.SWEEP_FIRST_RUNS
    assert full["ranking"] == sorted(scored, key=scored.__getitem__)  # minimize
    order = [x["id"] for x in sorted(sweep["runs"], key=lambda x: x["created_at"])]
    assert [p["id"] for p in full["progress"]] == order
    running, want = None, []
    for run_id in order:
        v = scored.get(run_id)
        if v is not None and (running is None or v < running):
            running = v
        want.append(running)
    assert [p["best"] for p in full["progress"]] == want
    names = {p["name"]: p for p in full["params"]}
    assert set(names) == {"layers", "lr", "optimizer"}
    assert abs(sum(p["importance"] for p in full["params"]) - 1) < 1e-9
    assert names["optimizer"]["kind"] == "category" and names["optimizer"]["correlation"] is None
    # without the forest: no importance, unless the forest's figures are already at hand
    assert all(p["importance"] in (None, names[p["name"]]["importance"]) for p in quick["params"])
    assert {p["name"]: p["correlation"] for p in quick["params"]} == {
        p["name"]: p["correlation"] for p in full["params"]}
    assert status_of(server, "sweeps/no-such-sweep/analysis") == 404


def test_binary_response_is_gzipped_for_browsers(server: str) -> None:
    runs = ",".join(x["id"] for x in api(server, f"projects/{seeds.MANY_PROJECT}/runs")[:20])
    url = (f"{server}/api/v1/projects/{seeds.MANY_PROJECT}/series?"
           + urllib.parse.urlencode({"key": "m0", "runs": runs, "points": 400, "format": "binary"}))
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(req) as res:
        assert res.headers["Content-Encoding"] == "gzip"
        body = gzip.decompress(res.read())
    assert len(decode_binary(body)["runs"]) == 20
