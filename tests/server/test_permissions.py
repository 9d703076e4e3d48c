"""The authorization matrix (docs/security.md): every route x every kind of caller, on a real
``heron server`` over SQLite and over PostgreSQL.

Callers: anonymous, a server viewer, a member, the project's owner, an admin, a revoked key,
and a member of another team. Projects: ``shared`` (visibility server, owned by ``owner``) and
``vision`` (the private project of team ``vision``, where ``owner`` is team admin and
``teamviewer`` a team viewer)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from heron import records as r
from tests.support.postgres import PostgresServer, postgres_server  # noqa: F401
from tests.support.server import ServerProcess

CALLERS = ("anonymous", "viewer", "member", "owner", "admin", "revoked", "other")


@dataclass
class Team:
    url: str
    keys: dict[str, str | None]
    process: ServerProcess

    def client(self, who: str) -> httpx.Client:
        key = self.keys[who]
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url + "/api/v1", headers=headers, timeout=30)


def batch(project: str, run_id: str, seq: int = 1, entity: str = "") -> bytes:
    records: list[r.Record] = [r.HistoryRow(seq, {"x": float(seq)})]
    if seq == 1:
        records.insert(0, r.RunStart(name=run_id))
    return r.encode([r.Batch(project=project, run_id=run_id, seq=seq, entity=entity,
                             records=records)])


def ingest(client: httpx.Client, body: bytes) -> int:
    return client.post("/ingest", content=body,
                       headers={"Content-Type": "application/msgpack"}).status_code


def _ok(response: httpx.Response) -> httpx.Response:
    assert response.status_code < 300, (response.status_code, response.text)
    return response


def _setup(url: str, process: ServerProcess) -> Team:
    admin_key = process.wait_admin_key()
    keys: dict[str, str | None] = {"anonymous": None, "admin": admin_key}
    with httpx.Client(base_url=url + "/api/v1", timeout=30,
                      headers={"Authorization": f"Bearer {admin_key}"}) as admin:
        for user, role in (("viewer", "viewer"), ("member", "member"), ("owner", "member"),
                           ("revoked", "member"), ("other", "member"),
                           ("teamviewer", "member")):
            _ok(admin.post("/users", json={"name": user, "role": role}))
            keys[user] = _ok(admin.post("/keys", json={"user": user})).json()["key"]
        for team in ("vision", "rivals"):
            _ok(admin.post("/teams", json={"name": team}))
        _ok(admin.put("/teams/vision/members/owner", json={"role": "admin"}))
        _ok(admin.put("/teams/vision/members/teamviewer", json={"role": "viewer"}))
        _ok(admin.put("/teams/rivals/members/other", json={"role": "admin"}))
    team = Team(url, keys, process)
    with team.client("owner") as owner:
        for run_id in ("r-owner", "r-del-1", "r-del-2", "r-del-3", "r-del-4", "r-del-5",
                       "r-del-6", "r-del-7", "r-stop"):
            assert ingest(owner, batch("shared", run_id)) == 200
        assert ingest(owner, batch("vision", "v-owner", entity="vision")) == 200
    with team.client("member") as member:
        assert ingest(member, batch("shared", "r-member")) == 200
    with httpx.Client(base_url=url + "/api/v1", timeout=30,
                      headers={"Authorization": f"Bearer {admin_key}"}) as admin:
        listed = admin.get("/keys").json()
        revoked_id = next(k["id"] for k in listed if k["user"] == "revoked")
        _ok(admin.delete(f"/keys/{revoked_id}"))
    return team


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def team(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Team]:
    folder = tmp_path_factory.mktemp("perm")
    if request.param == "sqlite":
        db = f"sqlite:///{folder / 'heron.db'}"
    else:
        pg: PostgresServer = request.getfixturevalue("postgres_server")
        db = pg.create_database("perm")
    from tests.support.postgres import free_port

    process = ServerProcess(db, Path(folder / "media"), free_port()).wait_ready()
    try:
        yield _setup(process.url, process)
    finally:
        process.stop()


def _statuses(team: Team, call: object) -> dict[str, int]:
    out = {}
    for who in CALLERS:
        with team.client(who) as client:
            out[who] = call(client, who)  # type: ignore[operator]
    return out


def _expect(team: Team, call: object, **expected: int) -> None:
    got = _statuses(team, call)
    want = {who: expected.get(who, expected.get("rest", 0)) for who in CALLERS}
    if got["revoked"] == 429:  # after 20 tries the revoked key's own prefix is throttled
        got["revoked"] = 401
    assert got == want


READS_OF_SHARED = [
    "/projects/shared/runs", "/projects/shared/runs/r-owner", "/projects/shared/runs/r-owner/keys",
    "/projects/shared/runs/r-owner/series?key=x", "/projects/shared/runs/r-owner/series_raw?key=x",
    "/projects/shared/runs/r-owner/history?keys=x", "/projects/shared/runs/r-owner/console",
    "/projects/shared/runs/r-owner/files", "/projects/shared/series?key=x&runs=r-owner",
    "/projects/shared/media?key=x&runs=r-owner", "/projects/shared/run-ids",
    "/projects/shared/access",
]


@pytest.mark.parametrize("path", READS_OF_SHARED)
def test_a_server_project_is_read_by_every_signed_in_user(team: Team, path: str) -> None:
    _expect(team, lambda c, who: c.get(path).status_code, anonymous=401, revoked=401, rest=200)


LISTS = {"/projects/shared/runs": [], "/projects/shared/run-ids": ["ids"],
         "/projects/shared/series?key=x&runs=r-owner": ["runs"],
         "/projects/shared/media?key=x&runs=r-owner": ["runs"]}


@pytest.mark.parametrize("path", [p.replace("shared", "vision").replace("r-owner", "v-owner")
                                  for p in READS_OF_SHARED])
def test_a_private_team_project_does_not_exist_for_outsiders(team: Team, path: str) -> None:
    """The team's members (owner, teamviewer) and admins read it; for a server viewer, a member
    and another team it does not exist at all: its runs 404, its lists are empty, as are those
    of a project nobody created."""
    shared = path.replace("vision", "shared").replace("v-owner", "r-owner")

    def read(client: httpx.Client, who: str) -> int:
        response = client.get(path)
        if shared in LISTS and response.status_code == 200:
            body = response.json()
            for field in LISTS[shared]:
                body = body[field]
            nowhere = client.get(path.replace("vision", "nowhere")).json()
            for field in LISTS[shared]:
                nowhere = nowhere[field]
            assert body == nowhere or who in ("owner", "admin")
            return 404 if not body else 200
        return response.status_code

    _expect(team, read, anonymous=401, revoked=401, viewer=404, member=404, other=404,
            owner=200, admin=200)
    with team.client("teamviewer") as viewer:
        assert viewer.get(path).status_code == 200


def test_project_lists_show_only_what_each_caller_sees(team: Team) -> None:
    def names(client: httpx.Client, who: str) -> int:
        response = client.get("/projects")
        if response.status_code != 200:
            return response.status_code
        listed = {p["name"] for p in response.json()}
        return 2 if "vision" in listed else 1 if "shared" in listed else 0

    _expect(team, names, anonymous=401, revoked=401, viewer=1, member=1, other=1, owner=2,
            admin=2)


def test_editing_a_run_takes_its_author_or_an_owner(team: Team) -> None:
    def edit(client: httpx.Client, who: str) -> int:
        return client.patch("/projects/shared/runs/r-owner",
                            json={"name": f"renamed by {who}"}).status_code

    _expect(team, edit, anonymous=401, revoked=401, viewer=403, member=403, other=403,
            owner=200, admin=200)

    def edit_members_run(client: httpx.Client, who: str) -> int:
        return client.patch("/projects/shared/runs/r-member",
                            json={"summary": {"acc": 1.0}}).status_code

    _expect(team, edit_members_run, anonymous=401, revoked=401, viewer=403, member=200,
            other=403, owner=200, admin=200)


def test_appending_to_a_run_takes_its_author_or_an_owner(team: Team) -> None:
    seqs = iter(range(100, 200))
    _expect(team, lambda c, who: ingest(c, batch("shared", "r-owner", next(seqs))),
            anonymous=401, revoked=401, viewer=403, member=403, other=403, owner=200,
            admin=200)


def test_new_runs_take_a_writer_of_the_project(team: Team) -> None:
    _expect(team, lambda c, who: ingest(c, batch("shared", f"new-{who}")),
            anonymous=401, revoked=401, viewer=403, rest=200)
    _expect(team, lambda c, who: ingest(c, batch("vision", f"new-{who}", entity="vision")),
            anonymous=401, revoked=401, viewer=403, member=403, other=403, owner=200,
            admin=200)
    with team.client("member") as member:  # another user's name as entity
        assert ingest(member, batch("mine", "x", entity="owner")) == 403
        assert ingest(member, batch("mine", "x", entity="member")) == 200


def test_deleting_a_run_takes_its_author_or_an_owner_and_is_audited(team: Team) -> None:
    victims = iter(["r-del-1", "r-del-2", "r-del-3", "r-del-4", "r-del-5", "r-del-6",
                    "r-del-7"])
    _expect(team, lambda c, who: c.delete(f"/projects/shared/runs/{next(victims)}")
            .status_code, anonymous=401, revoked=401, viewer=403, member=403, other=403,
            owner=200, admin=200)
    with team.client("admin") as admin:
        trail = admin.get("/audit").json()
        deletions = [e for e in trail if e["action"] == "run.delete"]
        assert {(e["actor"], e["target"]) for e in deletions} == {
            ("owner", "/shared/r-del-4"), ("admin", "/shared/r-del-5")}
        assert all(time.time() - e["at"] < 600 for e in deletions)


def test_stopping_a_run_takes_its_author_or_an_owner_and_is_audited(team: Team) -> None:
    _expect(team, lambda c, who: c.post("/projects/shared/runs/r-stop/stop", json={})
            .status_code, anonymous=401, revoked=401, viewer=403, member=403, other=403,
            owner=200, admin=200)  # a second stop of a stopped run is still 200
    with team.client("member") as member:
        stopped = _ok(member.post("/projects/shared/runs/r-member/stop", json={})).json()
        assert stopped["stop_requested_at"] is not None and stopped["state"] == "running"
    with team.client("admin") as admin:
        stops = [e for e in admin.get("/audit").json() if e["action"] == "run.stop"]
        assert sorted((e["actor"], e["target"]) for e in stops) == [
            ("admin", "/shared/r-stop"), ("member", "/shared/r-member"),
            ("owner", "/shared/r-stop")]


def test_project_access_changes_take_an_owner(team: Team) -> None:
    def grant(client: httpx.Client, who: str) -> int:
        return client.put("/projects/shared/members/viewer", json={"role": "viewer"}).status_code

    _expect(team, grant, anonymous=401, revoked=401, viewer=403, member=403, other=403,
            owner=200, admin=200)


def test_admin_routes_take_an_admin(team: Team) -> None:
    for method, path, body in (("GET", "/users", None), ("GET", "/audit", None),
                               ("POST", "/users", {"name": "x-made", "role": "member"}),
                               ("POST", "/teams", {"name": "t-made"}),
                               ("PATCH", "/users/viewer", {"role": "viewer"})):
        def call(client: httpx.Client, who: str, method: str = method, path: str = path,
                 body: dict[str, str] | None = body) -> int:
            if body and method == "POST":  # a fresh name per caller: each create is new
                body = {k: f"{v}-{who}" if k == "name" else v for k, v in body.items()}
            return client.request(method, path, json=body).status_code

        _expect(team, call, anonymous=401, revoked=401, viewer=403, member=403, other=403,
                owner=403, admin=200)


def test_sweeps_follow_their_project(team: Team) -> None:
    config = {"method": "grid", "parameters": {"a": {"values": [1, 2]}}}

    def create(client: httpx.Client, who: str) -> int:
        return client.post("/sweeps", json={"config": config, "project": "shared"}).status_code

    _expect(team, create, anonymous=401, revoked=401, viewer=403, rest=200)
    with team.client("member") as member:
        sweep_id = _ok(member.post("/sweeps", json={"config": config,
                                                    "project": "shared"})).json()["id"]
    _expect(team, lambda c, who: c.post(f"/sweeps/{sweep_id}/state",
                                        json={"action": "resume"}).status_code,
            anonymous=401, revoked=401, viewer=403, other=403, member=200, owner=200,
            admin=200)
    with team.client("owner") as owner:
        private = _ok(owner.post("/sweeps", json={"config": config, "project": "vision",
                                                  "entity": "vision"})).json()["id"]
    _expect(team, lambda c, who: c.get(f"/sweeps/{private}").status_code,
            anonymous=401, revoked=401, viewer=404, member=404, other=404, owner=200,
            admin=200)
    _expect(team, lambda c, who: c.post(f"/sweeps/{private}/next", json={}).status_code,
            anonymous=401, revoked=401, viewer=404, member=404, other=404, owner=200,
            admin=200)


def test_a_member_runs_the_run_a_sweep_handed_them_and_it_becomes_theirs(team: Team) -> None:
    config = {"method": "grid", "parameters": {"a": {"values": [1, 2, 3]}}}
    with team.client("owner") as owner:
        sweep_id = _ok(owner.post("/sweeps", json={"config": config,
                                                   "project": "shared"})).json()["id"]
    with team.client("member") as member:
        handed = _ok(member.post(f"/sweeps/{sweep_id}/next", json={"agent": "a1"})).json()
        assert ingest(member, batch("shared", handed["run_id"])) == 200
        assert member.get(f"/projects/shared/runs/{handed['run_id']}").json()["user"] == "member"
    time.sleep(1.2)  # runs are looked up at most once a second per process (docs/security.md)
    with team.client("other") as other:  # once claimed, the run is the member's alone
        assert ingest(other, batch("shared", handed["run_id"], seq=2)) == 403
        taken = _ok(other.post(f"/sweeps/{sweep_id}/next", json={"agent": "a2"})).json()
        assert ingest(other, batch("shared", taken["run_id"])) == 200


def test_keys_are_managed_by_their_user_or_an_admin(team: Team) -> None:
    with team.client("member") as member:
        mine = _ok(member.post("/keys", json={})).json()
        assert mine["user"] == "member" and mine["key"].startswith("hk-")
        assert {k["user"] for k in member.get("/keys").json()} == {"member"}
        assert member.post("/keys", json={"user": "owner"}).status_code == 403
        others = [k for k in team.client("admin").get("/keys").json() if k["user"] == "owner"]
        assert member.delete(f"/keys/{others[0]['id']}").status_code == 404
        rotated = _ok(member.post(f"/keys/{mine['id']}/rotate", json={})).json()
    time.sleep(1.2)  # revocation reaches every process within a second
    with httpx.Client(base_url=team.url + "/api/v1", timeout=30) as anyone:
        old = anyone.get("/me", headers={"Authorization": f"Bearer {mine['key']}"})
        new = anyone.get("/me", headers={"Authorization": f"Bearer {rotated['key']}"})
    assert old.status_code == 401 and new.json()["user"] == "member"


def test_a_valid_key_is_never_refused_for_others_wrong_keys(team: Team) -> None:
    with httpx.Client(base_url=team.url + "/api/v1", timeout=30) as anyone:
        codes = [anyone.get("/projects", headers={
            "Authorization": f"Bearer hk-guess{i:040d}"}).status_code for i in range(30)]
        assert codes[:20] == [401] * 20 and codes[-1] == 429
        good = anyone.get("/projects", headers={"Authorization": f"Bearer {team.keys['member']}"})
        assert good.status_code == 200
        assert anyone.get("/projects").status_code == 401  # no key: not a guess, not throttled
OPEN_ROUTES = {("GET", "/api/v1/health"), ("POST", "/api/v1/session"),
               ("DELETE", "/api/v1/session")}
"""Routes anyone may call: health, and signing in and out (which need no key to ask)."""


def _routes(url: str) -> list[tuple[str, str]]:
    spec = httpx.get(url + "/api/v1/openapi.json", timeout=30).json()
    return [(method.upper(), path) for path, ops in spec["paths"].items() for method in ops
            if method in ("get", "post", "put", "patch", "delete")]


def test_every_route_refuses_anonymous_and_revoked_callers(team: Team) -> None:
    routes = _routes(team.url)
    assert len(routes) >= 45
    for who in ("anonymous", "revoked"):
        key = team.keys[who]
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        with httpx.Client(base_url=team.url, timeout=30, headers=headers) as client:
            for method, path in routes:
                if (method, path) in OPEN_ROUTES:
                    continue
                concrete = re.sub(r"\{[^}]+\}", "x", path)
                code = client.request(method, concrete, content=b"{}").status_code
                assert code in (401, 429), (who, method, path, code)


def test_media_and_tables_need_a_signed_in_reader(team: Team) -> None:
    with team.client("owner") as owner:
        path = _ok(owner.post("/media", params={"suffix": ".png"}, content=b"\x89PNG fake",
                              headers={"Content-Type": "application/octet-stream"})
                   ).json()["path"]
    _expect(team, lambda c, who: c.get("/" + path).status_code, anonymous=401, revoked=401,
            rest=200)
    _expect(team, lambda c, who: c.post("/media", params={"suffix": ".txt"}, content=b"x",
                                        headers={"Content-Type": "application/octet-stream"}
                                        ).status_code,
            anonymous=401, revoked=401, viewer=403, rest=200)
    _expect(team, lambda c, who: c.get("/tables", params={"path": path}).status_code,
            anonymous=401, revoked=401, rest=422)  # readable, but not a table


def test_sweep_lists_show_only_visible_projects(team: Team) -> None:
    config = {"method": "grid", "parameters": {"a": {"values": [1]}}}
    with team.client("owner") as owner:
        private = _ok(owner.post("/sweeps", json={"config": config, "project": "vision",
                                                  "entity": "vision"})).json()["id"]

    def listed(client: httpx.Client, who: str) -> int:
        response = client.get("/sweeps")
        if response.status_code != 200:
            return response.status_code
        return 2 if private in {s["id"] for s in response.json()} else 1

    _expect(team, listed, anonymous=401, revoked=401, viewer=1, member=1, other=1, owner=2,
            admin=2)
    _expect(team, lambda c, who: c.get(f"/sweeps/{private}/analysis",
                                       params={"importance": "false"}).status_code,
            anonymous=401, revoked=401, viewer=404, member=404, other=404, owner=200,
            admin=200)


def test_the_live_feed_carries_only_runs_the_caller_sees(team: Team) -> None:
    seen: dict[str, list[str]] = {who: [] for who in ("other", "owner", "admin")}

    def follow(who: str) -> None:
        with team.client(who) as client, client.stream("GET", "/live", timeout=20) as feed:
            started = time.monotonic()
            for line in feed.iter_lines():
                seen[who].append(line)
                if time.monotonic() - started > 4:
                    return

    readers = [threading.Thread(target=follow, args=(who,), daemon=True) for who in seen]
    for reader in readers:
        reader.start()
    time.sleep(1.0)
    with team.client("owner") as owner:
        assert ingest(owner, batch("vision", "v-live", entity="vision")) == 200
        assert ingest(owner, batch("shared", "s-live")) == 200
    for reader in readers:
        reader.join(timeout=30)
    text = {who: "\n".join(lines) for who, lines in seen.items()}
    for who in ("owner", "admin"):
        assert "v-live" in text[who] and "s-live" in text[who], who
    assert "s-live" in text["other"] and "v-live" not in text["other"]


def test_team_admins_manage_their_team_and_nobody_elses(team: Team) -> None:
    def add(client: httpx.Client, who: str) -> int:
        return client.put("/teams/vision/members/member", json={"role": "viewer"}).status_code

    _expect(team, add, anonymous=401, revoked=401, viewer=403, member=403, other=403,
            owner=200, admin=200)  # owner is vision's team admin; other is rivals' admin
    with team.client("admin") as admin:
        _ok(admin.delete("/teams/vision/members/member"))
        trail = [(e["actor"], e["action"], e["target"]) for e in admin.get("/audit").json()]
    assert ("owner", "team.member", "vision/member") in trail


def test_access_changes_take_an_owner_and_are_audited(team: Team) -> None:
    made = iter(range(1000))

    def change(client: httpx.Client, who: str) -> int:
        project = f"acc-{who}-{next(made)}"  # the member creates, and so owns, each project
        with team.client("member") as member:
            assert ingest(member, batch(project, "first")) == 200
        return client.patch(f"/projects/{project}/access",
                            json={"visibility": "private"}).status_code

    _expect(team, change, anonymous=401, revoked=401, viewer=403, other=403, owner=403,
            member=200, admin=200)
    with team.client("admin") as admin:
        trail = [(e["actor"], e["action"]) for e in admin.get("/audit").json()]
    assert ("member", "project.access") in trail
