"""Dashboard sessions: a key exchanged for an HttpOnly cookie that authenticates reads, writes,
media and the live feed, and ends at sign-out, at expiry, or within a second of its key being
revoked or its user removed."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx

from heron.store import open_store

from .conftest import Server


def sign_in(server: Server, key: str) -> httpx.Client:
    client = httpx.Client(base_url=server.url + "/api/v1", timeout=30)
    response = client.post("/session", json={"key": key})
    assert response.status_code == 200, response.text
    return client


def new_member(server: Server, name: str) -> tuple[str, int]:
    with server.client() as admin:
        assert admin.post("/users", json={"name": name, "role": "member"}).status_code == 200
        made = admin.post("/keys", json={"user": name}).json()
    return made["key"], made["id"]


def test_a_session_cookie_is_httponly_strict_and_replaces_the_key(server: Server) -> None:
    assert server.key is not None
    client = sign_in(server, server.key)
    cookie = client.post("/session", json={"key": server.key}).headers["set-cookie"]
    assert "heron_session=" in cookie and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert server.key not in cookie
    me = client.get("/me").json()
    assert me == {"user": "admin", "role": "admin", "teams": [], "access": "keys",
                  "via": "session"}
    assert client.get("/projects").status_code == 200
    with httpx.Client(base_url=server.url + "/api/v1", timeout=30) as stranger:
        assert stranger.get("/me").status_code == 401
        wrong = stranger.post("/session", json={"key": "hk-" + "z" * 43})
        assert wrong.status_code == 401 and "unknown or revoked" in wrong.json()["detail"]


def test_sign_out_ends_the_session_for_good(server: Server) -> None:
    assert server.key is not None
    client = sign_in(server, server.key)
    token = client.cookies["heron_session"]
    assert client.delete("/session").json() == {"signed_out": True}
    with httpx.Client(base_url=server.url + "/api/v1", timeout=30,
                      cookies={"heron_session": token}) as replay:
        ended = replay.get("/projects")
    assert ended.status_code == 401 and "sign in again" in ended.json()["detail"]


def test_revoking_the_key_ends_its_sessions_and_live_feed_within_a_second(
        server: Server) -> None:
    key, key_id = new_member(server, "dana")
    client = sign_in(server, key)
    assert client.get("/me").json()["user"] == "dana"
    lines: list[str] = []

    def follow() -> None:
        with client.stream("GET", "/live", timeout=30) as feed:
            for line in feed.iter_lines():
                lines.append(line)

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    time.sleep(0.5)
    with server.client() as admin:
        assert admin.delete(f"/keys/{key_id}").json() == {"revoked": True}
    time.sleep(1.5)
    assert client.get("/me").status_code == 401
    reader.join(timeout=5)
    assert not reader.is_alive(), "the live feed kept streaming after the key was revoked"
    assert any("connected" in line for line in lines)


def test_removing_a_user_ends_their_keys_and_sessions_and_is_audited(server: Server) -> None:
    key, _ = new_member(server, "erin")
    client = sign_in(server, key)
    with server.client() as admin:
        assert admin.delete("/users/erin").json() == {"removed": True}
        time.sleep(1.2)
        assert client.get("/me").status_code == 401
        with httpx.Client(base_url=server.url + "/api/v1", timeout=30) as anyone:
            assert anyone.get("/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401
        listed = {u["name"]: u for u in admin.get("/users").json()}
        assert listed["erin"]["removed_at"] is not None and listed["erin"]["keys"] == 0
        actions = [(e["actor"], e["action"], e["target"]) for e in admin.get("/audit").json()]
        assert ("admin", "user.remove", "erin") in actions
        assert ("admin", "user.create", "erin") in actions
        last_admin = admin.delete("/users/admin")
        assert last_admin.status_code == 409 and "last admin" in last_admin.json()["detail"]


def test_sessions_expire(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'heron.db'}")
    _, info = store.create_key("frank")
    with store.access_session(write=True) as access:
        token = access.create_session(info.id, seconds=0.3)
    with store.access_session() as access:
        assert access.principal_for_session(token) is not None
    time.sleep(0.5)
    with store.access_session() as access:
        assert access.principal_for_session(token) is None
    store.close()


def test_revocation_reaches_every_replica_within_a_second(tmp_path: Path) -> None:
    """Two servers on one database: a key revoked through one stops working on the other
    within a second (each re-reads keys at most once a second; nothing is shared in memory)."""
    from tests.support.server import heron_servers

    db = f"sqlite:///{tmp_path / 'heron.db'}"
    with heron_servers(db, tmp_path / "media", count=2, together=False) as (first, second):
        admin = first.wait_admin_key()
        with httpx.Client(base_url=first.url + "/api/v1", timeout=30,
                          headers={"Authorization": f"Bearer {admin}"}) as client:
            assert client.post("/users", json={"name": "gus", "role": "member"}).status_code == 200
            made = client.post("/keys", json={"user": "gus"}).json()
        gus = {"Authorization": f"Bearer {made['key']}"}
        assert httpx.get(second.url + "/api/v1/me", headers=gus).json()["user"] == "gus"
        signed_in = httpx.Client(base_url=second.url + "/api/v1", timeout=30)
        assert signed_in.post("/session", json={"key": made["key"]}).status_code == 200
        with httpx.Client(base_url=first.url + "/api/v1", timeout=30,
                          headers={"Authorization": f"Bearer {admin}"}) as client:
            assert client.delete(f"/keys/{made['id']}").json() == {"revoked": True}
        revoked_at = time.monotonic()
        while httpx.get(second.url + "/api/v1/me", headers=gus).status_code == 200:
            assert time.monotonic() - revoked_at < 1.5, "the other replica still took the key"
            time.sleep(0.05)
        assert signed_in.get("/me").status_code == 401  # its sessions ended with it
