"""Two entities with a project of the same name (every W&B user has an ``uncategorized``): the
REST API's ``entity`` parameter reaches each one (docs/server-api.md), ``heron.Api()`` reads
each by ``entity/project/run``, and without it the server's old choice holds."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

import heron
from heron import records as r
from heron.errors import RunNotFound
from tests.support.server import ServerProcess, create_key, heron_servers

PROJECT = "mnist"


@dataclass
class TwoUsers:
    url: str
    keys: dict[str, str]
    runs: dict[str, str]
    """Each user's run id in their own ``mnist``."""

    def client(self, who: str) -> httpx.Client:
        return httpx.Client(base_url=self.url + "/api/v1", timeout=30,
                            headers={"Authorization": f"Bearer {self.keys[who]}"})


def log(client: httpx.Client, entity: str, run_id: str, seq: int = 1, loss: float = 1.0) -> None:
    records: list[r.Record] = [r.HistoryRow(seq - 1, {"_step": seq - 1, "loss": loss})]
    if seq == 1:
        records.insert(0, r.RunStart(name=f"{entity}-run", started_at=time.time()))
    body = r.encode([r.Batch(project=PROJECT, run_id=run_id, seq=seq, entity=entity,
                             records=records)])
    res = client.post("/ingest", content=body, headers={"Content-Type": "application/msgpack"})
    assert res.status_code == 200, res.text


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoUsers]:
    """alice and bob each log a run into their own ``mnist`` (alice first); bob's is then made
    private, so alice does not see it."""
    folder = tmp_path_factory.mktemp("entities")
    db, media = f"sqlite:///{folder / 'heron.db'}", folder / "media"
    with heron_servers(db, media) as servers:
        server: ServerProcess = servers[0]
        keys = {"admin": server.wait_admin_key(),
                "alice": create_key(db, media, "alice", admin=False),
                "bob": create_key(db, media, "bob", admin=False)}
        two = TwoUsers(server.url, keys, {"alice": "runalice1", "bob": "runbob1"})
        for who, loss in (("alice", 1.0), ("bob", 2.0)):
            with two.client(who) as client:
                log(client, who, two.runs[who], loss=loss)
        with two.client("bob") as bob:
            res = bob.patch(f"/projects/{PROJECT}/access", params={"entity": "bob"},
                            json={"visibility": "private"})
            assert res.status_code == 200, res.text
            assert res.json()["entity"] == "bob"
        yield two


def test_an_admin_lists_both_and_reads_each_by_its_entity(two: TwoUsers) -> None:
    with two.client("admin") as admin:
        listed = [(p["entity"], p["name"]) for p in admin.get("/projects").json()]
        assert sorted(listed) == [("alice", PROJECT), ("bob", PROJECT)]
        for who in ("alice", "bob"):
            entity = {"entity": who}
            runs = admin.get(f"/projects/{PROJECT}/runs", params=entity).json()
            assert [(x["id"], x["entity"], x["name"]) for x in runs] == [
                (two.runs[who], who, f"{who}-run")]
            run = admin.get(f"/projects/{PROJECT}/runs/{two.runs[who]}", params=entity)
            assert run.status_code == 200 and run.json()["entity"] == who
            ids = admin.get(f"/projects/{PROJECT}/run-ids", params=entity).json()["ids"]
            assert ids == [two.runs[who]]
            assert admin.get(f"/projects/{PROJECT}/access", params=entity).json()["entity"] == who
            series = admin.get(f"/projects/{PROJECT}/series", params={
                **entity, "key": "loss", "runs": f"{two.runs['alice']},{two.runs['bob']}"}).json()
            assert [x["id"] for x in series["runs"]] == [two.runs[who]]
            media = admin.get(f"/projects/{PROJECT}/media", params={
                **entity, "key": "loss", "runs": f"{two.runs['alice']},{two.runs['bob']}"}).json()
            assert [x["id"] for x in media["runs"]] == [two.runs[who]]
            # a run of the other entity's project is not in this one
            other = two.runs["bob" if who == "alice" else "alice"]
            assert admin.get(f"/projects/{PROJECT}/runs/{other}",
                             params=entity).status_code == 404


def test_without_an_entity_the_old_choice_holds(two: TwoUsers) -> None:
    # The admin holds the same rights on both: the older project (alice's).
    with two.client("admin") as admin:
        runs = admin.get(f"/projects/{PROJECT}/runs").json()
        assert [x["entity"] for x in runs] == ["alice"]
        # a run path without an entity reaches that project's runs only
        assert admin.get(f"/projects/{PROJECT}/runs/{two.runs['alice']}").status_code == 200
        assert admin.get(f"/projects/{PROJECT}/runs/{two.runs['bob']}").status_code == 404
    # Each user gets the one they own.
    for who in ("alice", "bob"):
        with two.client(who) as client:
            assert [x["entity"] for x in client.get(f"/projects/{PROJECT}/runs").json()] == [who]


def test_a_project_the_caller_does_not_see_is_404_by_its_entity(two: TwoUsers) -> None:
    bob_run = two.runs["bob"]
    with two.client("alice") as alice:
        hidden = {"entity": "bob"}
        run = alice.get(f"/projects/{PROJECT}/runs/{bob_run}", params=hidden)
        assert run.status_code == 404
        assert run.json()["detail"] == f"no project {PROJECT!r}"
        assert alice.get(f"/projects/{PROJECT}/access", params=hidden).status_code == 404
        assert alice.get(f"/projects/{PROJECT}/runs", params=hidden).json() == []
        assert alice.get(f"/projects/{PROJECT}/run-ids", params=hidden).json()["ids"] == []
        # nor do her own project's routes reach bob's runs
        series = alice.get(f"/projects/{PROJECT}/series",
                           params={"key": "loss", "runs": bob_run}).json()
        assert series["runs"] == [] and series["missing"] == [bob_run]
        assert alice.get(f"/projects/{PROJECT}/runs/{bob_run}").status_code == 404
        # and no entity of that name at all is no project either
        assert alice.get(f"/projects/{PROJECT}/runs",
                         params={"entity": "nobody"}).json() == []


def test_the_live_feed_follows_the_entity_it_names(two: TwoUsers) -> None:
    lines: list[str] = []

    def follow() -> None:
        with two.client("admin") as admin, admin.stream(
                "GET", "/live", params={"project": PROJECT, "entity": "bob"},
                timeout=20) as feed:
            started = time.monotonic()
            for line in feed.iter_lines():
                lines.append(line)
                if time.monotonic() - started > 4:
                    return

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    time.sleep(1.5)
    for who in ("alice", "bob"):
        with two.client(who) as client:
            log(client, who, two.runs[who], seq=2, loss=0.5)
    reader.join(timeout=30)
    text = "\n".join(lines)
    assert two.runs["bob"] in text
    assert two.runs["alice"] not in text


def test_api_reads_each_project_by_entity_project_run(two: TwoUsers,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HERON_HOST", two.url)
    monkeypatch.setenv("HERON_API_KEY", two.keys["admin"])
    monkeypatch.delenv("HERON_ENTITY", raising=False)
    monkeypatch.delenv("WANDB_ENTITY", raising=False)
    api = heron.Api()
    for who, loss in (("alice", 1.0), ("bob", 2.0)):
        run = api.run(f"{who}/{PROJECT}/{two.runs[who]}")
        assert (run.entity, run.name) == (who, f"{who}-run")
        assert run.path == [who, PROJECT, two.runs[who]]
        assert next(iter(run.scan_history(keys=["loss"])))["loss"] == loss
        runs = api.runs(f"{who}/{PROJECT}")
        assert [(x.entity, x.id) for x in runs] == [(who, two.runs[who])]
    with pytest.raises(RunNotFound):
        api.run(f"alice/{PROJECT}/{two.runs['bob']}")


def test_an_api_key_of_a_user_reads_only_what_they_see(two: TwoUsers,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HERON_HOST", two.url)
    monkeypatch.delenv("HERON_ENTITY", raising=False)
    monkeypatch.delenv("WANDB_ENTITY", raising=False)
    api = heron.Api(api_key=two.keys["alice"])
    assert api.run(f"alice/{PROJECT}/{two.runs['alice']}").entity == "alice"
    with pytest.raises(RunNotFound):
        api.run(f"bob/{PROJECT}/{two.runs['bob']}")
    assert len(api.runs(f"bob/{PROJECT}")) == 0


def test_api_reads_each_entitys_artifact_by_entity_project_name(
        two: TwoUsers, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Last in this module: it adds a run to each project.
    monkeypatch.setenv("HERON_HOST", two.url)
    monkeypatch.delenv("HERON_ENTITY", raising=False)
    monkeypatch.delenv("WANDB_ENTITY", raising=False)
    for who in ("alice", "bob"):
        monkeypatch.setenv("HERON_API_KEY", two.keys[who])
        (tmp_path / f"{who}.txt").write_text(who)
        with heron.init(project=PROJECT, entity=who,
                        settings=heron.Settings(system_sample_seconds=0)) as run:
            art = heron.Artifact("weights", type="model")
            art.add_file(tmp_path / f"{who}.txt", name="w.txt")
            run.log_artifact(art, aliases=["best"]).wait()
    monkeypatch.setenv("HERON_API_KEY", two.keys["admin"])
    api = heron.Api()
    for who in ("alice", "bob"):
        found = api.artifact(f"{who}/{PROJECT}/weights:best")
        assert found.qualified_name == f"{who}/{PROJECT}/weights:v0"
        assert found.logged_by().entity == who
        folder = Path(found.download(tmp_path / f"out-{who}"))
        assert (folder / "w.txt").read_text() == who
        assert [v.qualified_name for v in api.artifacts("model", f"{who}/{PROJECT}/weights")] == [
            f"{who}/{PROJECT}/weights:v0"]
