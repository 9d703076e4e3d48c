"""Raw bytes at ingest: whatever a client POSTs to ``/api/v1/ingest`` or ``/api/v1/media``, the
answer is never a 5xx, a refusal says why, and whatever was accepted still shows on every page.

Schemathesis (``test_fuzz_api.py``) fuzzes what the OpenAPI spec describes; ingest bodies are
msgpack it cannot describe, so hypothesis makes them here: random bytes; batch lists built
from random values (wrong types, msgpack extensions, NaN, ints past 64 bits, media references
with hostile paths, values nested up to 100,000 levels); and those lists with their bytes
flipped, cut, repeated or spliced.

``HERON_FUZZ_EXAMPLES`` (default 40) scales the examples per test; ``HERON_FUZZ_RANDOM=1``
explores new inputs on each run instead of the same ones.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.server import heron_servers

EXAMPLES = int(os.environ.get("HERON_FUZZ_EXAMPLES", "40"))
DERANDOMIZE = os.environ.get("HERON_FUZZ_RANDOM", "") != "1"
PROJECTS = ("fz", "fz-2")
RUN_IDS = ("r1", "r2", "r.3")
DEEP = "@@deep@@"
"""A string the body builder replaces with a hand-packed value nested too deep for msgspec."""

FUZZ = settings(max_examples=EXAMPLES * 5, deadline=None, database=None,
                derandomize=DERANDOMIZE, suppress_health_check=list(HealthCheck))


@dataclass
class Target:
    url: str
    key: str
    db_file: Path
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.url + "/api/v1", timeout=60,
                                   headers={"Authorization": f"Bearer {self.key}"})

    def post(self, path: str, body: bytes, content_type: str = "application/msgpack",
             **params: str) -> httpx.Response:
        response = self.client.post(path, content=body, params=params,
                                    headers={"Content-Type": content_type})
        assert response.status_code < 500, (path, body[:300], response.text)
        if response.status_code >= 400:  # a refusal says why
            reason = response.json().get("detail")
            assert reason and isinstance(reason, str), response.text
        return response

    def get(self, path: str, **params: Any) -> httpx.Response:
        response = self.client.get(path, params=params)
        assert response.status_code < 500, (path, params, response.text)
        return response


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    root = tmp_path_factory.mktemp("fuzz-ingest")
    db_file = root / "heron.db"
    with heron_servers(f"sqlite:///{db_file}", root / "media") as (process,):
        key = process.wait_admin_key()
        served = Target(process.url, key, db_file)
        yield served
        served.client.close()


# -- values and records ---------------------------------------------------------------------

HOSTILE_PATHS = ["///attacker.example/x.png", "https://attacker.example/x.png", "/etc/passwd",
                 "media/../x", "media/ab/" + "ab" * 32 + ".png", "media/ab/x.table.json",
                 "../../x", "C:\\x", "media//x", "", "media/ab/x\x00.png"]
GOOD_PATH = "media/ab/" + "cd" * 32 + ".png"


def mostly(usual: st.SearchStrategy[Any], rare: st.SearchStrategy[Any],
           odds: int = 20) -> st.SearchStrategy[Any]:
    """``usual``, and ``rare`` once in ``odds`` draws: most batches then pass decoding and the
    checks, and reach the store and the pages that show them."""
    return st.sampled_from(range(odds)).flatmap(lambda i: rare if i == odds - 1 else usual)


hostile_scalars = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**64 - 1), st.binary(max_size=12),
    st.sampled_from([*HOSTILE_PATHS, "a\x00b", "x" * 600, "y" * (2**20 + 1), DEEP]),
    st.builds(msgspec.msgpack.Ext, st.integers(-128, 127), st.binary(max_size=6)),
)
scalars = mostly(st.one_of(st.none(), st.booleans(), st.integers(-10, 10**6),
                           st.floats(allow_nan=True, allow_infinity=True),
                           st.text(max_size=12)), hostile_scalars)
keys = mostly(st.text(max_size=8), st.one_of(st.sampled_from(["_type", "path", "filenames",
                                                              "_step", "k" * 513, "a\x00"]),
                                             st.integers(-3, 3)))
media = st.fixed_dictionaries({
    "_type": st.sampled_from(["image-file", "table-file", "mask", "images/separated",
                              "histogram", "video-file", "x"]),
    "path": mostly(st.just(GOOD_PATH),
                   st.one_of(st.sampled_from(HOSTILE_PATHS), st.text(max_size=12), scalars),
                   odds=3),
}, optional={"filenames": st.lists(st.sampled_from(HOSTILE_PATHS), max_size=3),
             "masks": st.dictionaries(st.text(max_size=3), st.fixed_dictionaries(
                 {"_type": st.just("mask"), "path": st.sampled_from(HOSTILE_PATHS)}),
                 max_size=2)})
values = st.recursive(mostly(scalars, media, odds=8), lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4)),
    max_leaves=12)
str_maps = st.dictionaries(mostly(st.text(max_size=8), st.sampled_from(["k" * 513, "_step"])),
                           values, max_size=5)
texts = mostly(st.text(max_size=16), st.sampled_from(["a\x00b", "", "x" * (2**20 + 1)]))
anything = st.one_of(values, str_maps)


def typed(right: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a value of the right type, sometimes anything at all."""
    return mostly(right, anything, odds=30)


times = st.floats(allow_nan=True, allow_infinity=True)
steps = st.one_of(st.integers(0, 50), st.integers(min_value=-(2**63), max_value=2**64 - 1))


def record(tag: str, **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({"type": st.just(tag), **{k: typed(v)
                                                          for k, v in fields.items()}})


records = st.one_of(
    *[record("history", step=steps, row=str_maps)] * 3,
    record("run_start", name=texts, config=str_maps, metadata=str_maps,
           tags=st.lists(texts, max_size=3), notes=texts, group=texts, job_type=texts,
           started_at=times, heartbeat_interval=times, sweep_id=texts, resumed=st.booleans()),
    record("run_patch", name=texts, tags=st.lists(texts, max_size=3), notes=texts),
    record("config", config=str_maps),
    record("metrics", metrics=st.dictionaries(st.text(max_size=6), str_maps, max_size=3)),
    record("history", step=steps, row=str_maps),
    record("system", index=steps, row=str_maps),
    record("summary", summary=str_maps),
    record("console", stream=texts, timestamp=times, text=texts),
    record("file", name=st.one_of(texts, st.sampled_from(["/home/victim/.bashrc", "../x"])),
           path=st.sampled_from(HOSTILE_PATHS), size=steps, sha256=texts),
    record("alert", title=texts, text=texts, level=texts, timestamp=times),
    record("heartbeat", timestamp=times),
    record("run_end", state=texts, exit_code=steps, ended_at=times, traceback=texts),
    mostly(record("heartbeat", timestamp=times),
           st.dictionaries(st.text(max_size=6), values, max_size=3)),  # no such record
)
batches = st.fixed_dictionaries({
    "project": typed(st.sampled_from(PROJECTS)), "run_id": typed(st.sampled_from(RUN_IDS)),
    "seq": typed(st.integers(0, 2**64 - 1)), "records": st.lists(records, min_size=1,
                                                                  max_size=5),
}, optional={"entity": typed(st.just("")), "media": typed(st.booleans()),
             "files": typed(st.lists(mostly(st.just(GOOD_PATH), st.sampled_from(HOSTILE_PATHS)),
                                     max_size=2))})
deep_values = st.tuples(st.sampled_from([b"\x91", b"\x81\xa1a", b"\xdc\x00\x01", b"\x81\x01"]),
                        st.sampled_from([99, 100, 101, 500, 999, 5_000, 100_000]))


def body_of(batch_list: list[Any], deep: tuple[bytes, int]) -> bytes:
    """The msgpack of ``batch_list``, each ``DEEP`` string replaced by a value nesting
    ``deep[1]`` levels of ``deep[0]`` (built by hand: msgspec cannot encode that deep)."""
    body = msgspec.msgpack.encode(batch_list)
    unit, levels = deep
    return body.replace(msgspec.msgpack.encode(DEEP), unit * levels + b"\x01")


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A batch list whose bytes were then damaged, the way a fuzzer damages files."""
    body = bytearray(body_of(draw(st.lists(batches, min_size=1, max_size=2)), draw(deep_values)))
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, max(0, len(body) - 1)))
        how = draw(st.sampled_from(["flip", "byte", "insert", "delete", "cut", "repeat",
                                    "huge"]))
        if how == "flip" and body:
            body[where] ^= 1 << draw(st.integers(0, 7))
        elif how == "byte" and body:
            body[where] = draw(st.integers(0, 255))
        elif how == "insert":
            body[where:where] = draw(st.binary(min_size=1, max_size=8))
        elif how == "delete":
            del body[where:where + draw(st.integers(1, 8))]
        elif how == "cut":
            del body[where:]
        elif how == "repeat":
            body[where:where] = body[where:where + draw(st.integers(1, 64))] * draw(
                st.integers(2, 50))
        else:  # a header that claims a huge array, map, string or binary
            body[where:where] = draw(st.sampled_from([b"\xdd\xff\xff\xff\xff",
                                                      b"\xdf\xff\xff\xff\xff",
                                                      b"\xdb\xff\xff\xff\xff",
                                                      b"\xc6\x7f\xff\xff\xff",
                                                      b"\xc9\x00\x00\x10\x00\x05"]))
    return bytes(body)


# -- the tests ------------------------------------------------------------------------------

def _shows(target: Target, project: str, run_id: str) -> None:
    """Every page that shows a run answers without a 5xx (what ingest took must render)."""
    target.get(f"/projects/{project}/runs")
    target.get(f"/projects/{project}/runs", full="true")
    target.get(f"/projects/{project}/run-ids", sort="config:k", filter="k ~ a")
    found = target.get(f"/projects/{project}/runs/{run_id}")
    if found.status_code != 200:
        return
    for stream in ("history", "system"):
        keys = target.get(f"/projects/{project}/runs/{run_id}/keys", stream=stream)
        names = [k["key"] for k in keys.json()][:20] if keys.status_code == 200 else []
        if names:
            target.get(f"/projects/{project}/runs/{run_id}/history", keys=",".join(names),
                       stream=stream)
        for name in names[:3]:
            target.get(f"/projects/{project}/runs/{run_id}/series", key=name, stream=stream)
    target.get(f"/projects/{project}/runs/{run_id}/console")
    target.get(f"/projects/{project}/runs/{run_id}/files")


def _post_and_show(target: Target, body: bytes) -> None:
    response = target.post("/ingest", body)
    if response.status_code == 200:
        for project in PROJECTS:
            for run_id in RUN_IDS:
                _shows(target, project, run_id)


def test_random_bytes_never_get_a_server_error(target: Target) -> None:
    @FUZZ
    @given(body=st.binary(max_size=2048))
    def fuzz(body: bytes) -> None:
        target.post("/ingest", body)
        target.post("/media", body, "application/octet-stream", suffix=".png")

    fuzz()


def test_batch_lists_of_random_values_never_get_a_server_error(target: Target) -> None:
    @FUZZ
    @given(batch_list=st.lists(batches, min_size=1, max_size=3), deep=deep_values)
    def fuzz(batch_list: list[Any], deep: tuple[bytes, int]) -> None:
        _post_and_show(target, body_of(batch_list, deep))

    fuzz()


def test_damaged_batch_lists_never_get_a_server_error(target: Target) -> None:
    @FUZZ
    @given(body=mutated())
    def fuzz(body: bytes) -> None:
        _post_and_show(target, body)

    fuzz()


def test_media_uploads_never_get_a_server_error(target: Target) -> None:
    @FUZZ
    @given(body=st.binary(max_size=512), suffix=st.text(max_size=80),
           content_type=st.sampled_from(["application/octet-stream", "application/msgpack",
                                         "image/png", "text/plain", ""]))
    def fuzz(body: bytes, suffix: str, content_type: str) -> None:
        response = target.post("/media", body, content_type, suffix=suffix)
        if response.status_code == 200:  # a stored file is served back whole
            path = response.json()["path"]
            assert target.get("/" + path).content == body

    fuzz()


def test_the_live_feed_shows_every_event_the_fuzzing_stored(target: Target) -> None:
    """Last, over what the tests above stored: the feed from the first event reaches the last
    one (one event it cannot show would end the stream at every reconnect)."""
    with sqlite3.connect(target.db_file) as db:
        [(last,)] = db.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchall()
    if not last:
        pytest.skip("the fuzzing stored no event")
    reached = 0
    deadline = time.monotonic() + 60
    with target.client.stream("GET", "/live", params={"cursor": 0}) as feed:
        assert feed.status_code == 200
        for line in feed.iter_lines():
            if line.startswith("id: "):
                reached = int(line[4:])
            if reached >= last or time.monotonic() > deadline:
                break
    assert reached >= last
