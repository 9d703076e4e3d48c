"""API keys: writes need one; reads too unless --public-read; revoked keys stop working within a
second; wrong keys are throttled per address and key prefix."""

from __future__ import annotations

import subprocess

import msgspec

from heron import records as r

from .conftest import HERON, Server


def batch(run_id: str = "authrun1", seq: int = 1) -> bytes:
    return r.encode([r.Batch(project="auth", run_id=run_id, seq=seq,
                             records=[r.RunStart(name="n"), r.HistoryRow(0, {"x": 1.0})])])


def post(server: Server, key: str | None, body: bytes) -> int:
    with server.client(key) as client:
        return client.post("/ingest", content=body,
                           headers={"Content-Type": "application/msgpack"}).status_code


def test_first_start_prints_an_admin_key_once_and_stores_only_its_hash(server: Server) -> None:
    assert server.key is not None and server.key.startswith("hk-") and len(server.key) >= 43
    db_path = server.db.removeprefix("sqlite:///")
    with open(db_path, "rb") as db:
        assert server.key.encode() not in db.read()
    server.stop()
    second = Server(db=server.db, port=server.port, media=server.media, key="unused").start()
    try:
        assert second.proc is not None and second.proc.stderr is not None
        second.stop()
        assert "hk-" not in second.proc.stderr.read()
    finally:
        second.stop()


def test_writes_need_a_valid_key(server: Server) -> None:
    assert post(server, None, batch()) == 401
    assert post(server, "hk-" + "x" * 43, batch()) == 401
    assert post(server, server.key, batch()) == 200


def test_reads_need_a_key_unless_public_read(server_factory) -> None:  # type: ignore[no-untyped-def]
    closed = server_factory().start()
    with closed.client(None) as client:
        assert client.get("/projects").status_code == 401
    with closed.client() as client:
        assert client.get("/projects").status_code == 200
    open_reads = server_factory(args=["--public-read"])
    open_reads.db = closed.db.replace("heron.db", "other.db")
    open_reads.start()
    with open_reads.client(None) as client:
        assert client.get("/projects").status_code == 200
        assert client.post("/ingest", content=batch(),
                           headers={"Content-Type": "application/msgpack"}).status_code == 401


def test_keys_created_listed_and_revoked_from_the_cli(server: Server) -> None:
    # --db after the subcommand, as docs/server.md writes it
    made = subprocess.run([HERON, "server", "keys", "create", "--db", server.db, "--user",
                           "alice"], capture_output=True, text=True, check=True)
    alice = made.stdout.strip()
    assert alice.startswith("hk-") and "alice" in made.stderr
    assert post(server, alice, batch("alicerun")) == 200
    with server.client() as client:
        assert client.get("/projects/auth/runs/alicerun").json()["user"] == "alice"
    listed = subprocess.run([HERON, "server", "--db", server.db, "keys", "list"],
                            capture_output=True, text=True, check=True).stdout
    line = next(x for x in listed.splitlines() if "\talice\t" in x)
    assert alice not in listed and "active" in line
    subprocess.run([HERON, "server", "--db", server.db, "keys", "revoke", line.split()[0]],
                   check=True, capture_output=True)
    import time

    time.sleep(1.2)  # the server caches a key's validity for 1 s
    assert post(server, alice, batch("alicerun", seq=2)) == 401


def test_repeated_failures_are_rate_limited_without_locking_out_valid_keys(
        server: Server) -> None:
    codes = [post(server, "hk-" + "y" * 43, batch()) for _ in range(25)]
    assert codes[:20] == [401] * 20 and codes[-1] == 429
    with server.client() as client:  # counted per address and key prefix: valid keys pass
        assert client.get("/projects").status_code == 200
    spoofed = [post_from(server, "hk-" + "y" * 43, f"10.0.0.{i}") for i in range(3)]
    assert spoofed == [429] * 3  # X-Forwarded-For is not trusted without --forwarded-allow-ips


def post_from(server: Server, key: str, forwarded_for: str) -> int:
    with server.client(key) as client:
        return client.post("/ingest", content=batch(), headers={
            "Content-Type": "application/msgpack", "X-Forwarded-For": forwarded_for}).status_code


def test_malformed_input_gets_a_4xx_with_a_reason(server: Server) -> None:
    with server.client() as client:
        client.headers["Content-Type"] = "application/msgpack"
        bad = client.post("/ingest", content=b"\x93not msgpack")
        assert bad.status_code == 400 and "malformed" in bad.json()["detail"]
        wrong_shape = client.post("/ingest", content=msgspec.msgpack.encode([{"x": 1}]))
        assert wrong_shape.status_code == 400
        bad_name = client.post("/ingest", content=r.encode([r.Batch(
            project="../etc", run_id="x", seq=1, records=[])]))
        assert bad_name.status_code == 422 and "project" in bad_name.json()["detail"]
        huge = client.post("/ingest", content=b"\x00" * (64 * 2**20 + 1))
        assert huge.status_code == 413
        for path in ("/media/../../heron.db", "/media/..%2F..%2Fheron.db",
                     "/media/%2e%2e/%2e%2e/etc/passwd"):
            assert client.get(path).status_code == 404, path
        missing = client.get("/projects/nope/runs/nothere")
        assert missing.status_code == 404 and "nope" in missing.json()["detail"]
