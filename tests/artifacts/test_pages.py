"""Artifact lists in pages: ``heron.Api().artifacts(..., per_page=N)`` reads a collection's
versions a page at a time, on the embedded store and through a server's REST API
(``limit`` + ``after``, the last version the caller has), and a version logged meanwhile
neither repeats nor pushes one out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import heron
from heron.errors import ValueRejected
from tests.support.postgres import free_port
from tests.support.server import ServerProcess

PROJECT = "paged"


def _log(run: heron.Run, name: str, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        art = heron.Artifact(name, type="dataset")
        with art.new_file("n.txt") as f:
            f.write(str(i))
        run.log_artifact(art).wait()


def _pages_then_a_new_version(api: heron.Api) -> None:
    """Seven versions of "a", two of "b": read "a" three at a time, logging v7 after the
    first page."""
    versions = api.artifacts("dataset", f"{PROJECT}/a", per_page=3)
    seen = iter(versions)
    first = [next(seen) for _ in range(3)]
    with heron.init(project=PROJECT) as run:
        _log(run, "a", 1, start=7)
    rest = list(seen)
    assert [a.version for a in first + rest] == [f"v{n}" for n in range(6, -1, -1)]
    # Read again from the start, the new version comes first; len() reads every page.
    assert len(api.artifacts("dataset", f"{PROJECT}/a", per_page=2)) == 8
    assert [a.version for a in api.artifacts("dataset", f"{PROJECT}/b", per_page=1)] == \
        ["v1", "v0"]
    assert api.artifacts("dataset", f"{PROJECT}/none") == []
    with pytest.raises(ValueRejected, match="per_page must be a whole number from 1 to 1000, "
                                            "not 0"):
        api.artifacts("dataset", f"{PROJECT}/a", per_page=0)


def _seed() -> None:
    with heron.init(project=PROJECT) as run:
        _log(run, "a", 7)
        _log(run, "b", 2)


def test_versions_page_on_the_embedded_store(heron_dir: Path) -> None:
    _seed()
    _pages_then_a_new_version(heron.Api())


@pytest.fixture
def served(tmp_path: Path, heron_dir: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    server = ServerProcess(f"sqlite:///{tmp_path / 'server.db'}", tmp_path / "media",
                           free_port(), env={"HERON_CONFIG_DIR": str(tmp_path / "config")})
    try:
        server.wait_ready()
        key = server.wait_admin_key()
        monkeypatch.setenv("HERON_HOST", server.url)
        monkeypatch.setenv("HERON_API_KEY", key)
        yield server.url, key
    finally:
        server.stop()


def test_versions_and_collections_page_through_the_server(served: tuple[str, str]) -> None:
    url, key = served
    _seed()
    _pages_then_a_new_version(heron.Api())

    with httpx.Client(base_url=f"{url}/api/v1", timeout=30,
                      headers={"Authorization": f"Bearer {key}"}) as rest:
        def names(path: str, **params: str | int) -> list[str]:
            answer = rest.get(path, params=params)
            assert answer.status_code == 200, answer.text
            return [f"{v['name']}:v{v['version']}" if "version" in v else v["name"]
                    for v in answer.json()]

        versions = f"/projects/{PROJECT}/artifacts"
        assert names(versions, limit=3) == ["a:v7", "a:v6", "a:v5"]
        assert names(versions, limit=3, after="a:v1") == ["a:v0", "b:v1", "b:v0"]
        assert names(versions, after="b:v0") == []
        assert len(names(versions)) == 10  # without a limit: all of them
        collections = f"/projects/{PROJECT}/artifact-collections"
        assert names(collections, limit=1) == ["a"]
        assert names(collections, limit=1, after="a") == ["b"]

        bad = rest.get(versions, params={"after": "a:latest"})
        assert bad.status_code == 422 and "cursor 'a:latest'" in bad.text
        assert rest.get(versions, params={"limit": 0}).status_code == 422
        assert rest.get(versions, params={"limit": 1001}).status_code == 422
