"""The W&B protocol at the HTTP level, replaying what a real 0.31.0 client sent
(``fixtures/``) to a real ``heron server``: retries, malformed bodies, signed uploads and
operations Heron does not implement."""

from __future__ import annotations

import gzip
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.wandb_protocol.conftest import Heron, fixture

JSON = {"Content-Type": "application/json"}


def _graphql(server: Heron, payload: dict[str, Any], key: str | None = None) -> httpx.Response:
    return httpx.post(server.url + "/graphql", json=payload, auth=("api", key or server.key),
                      timeout=30)


def _post_stream(server: Heron, path: list[str], body: bytes, gzipped: bool = False
                 ) -> httpx.Response:
    headers = {**JSON, **({"Content-Encoding": "gzip"} if gzipped else {})}
    return httpx.post(f"{server.url}/files/{'/'.join(path)}/file_stream",
                      content=gzip.compress(body) if gzipped else body, headers=headers,
                      auth=("api", server.key), timeout=30)


def _start(server: Heron, session: list[dict[str, Any]]) -> str:
    """Replays the session's first UpsertBucket; the run id."""
    upsert = next(r for r in session if r.get("operationName") == "UpsertBucket")
    answer = _graphql(server, {k: upsert[k] for k in ("operationName", "query", "variables")})
    assert answer.status_code == 200, answer.text
    bucket = answer.json()["data"]["upsertBucket"]["bucket"]
    assert bucket["historyLineCount"] == 0
    assert bucket["project"]["entity"]["name"] == "admin"  # the caller's default entity
    return str(bucket["name"])


def test_replayed_chunks_store_nothing_twice(heron_server: Heron) -> None:
    session = fixture("run_0.31.0_slow")
    run_id = _start(heron_server, session)
    posts = [r for r in session if r["kind"] == "file_stream"]
    assert len([p for p in posts if "wandb-history.jsonl" in p["body"].get("files", {})]) > 2
    for post in posts:  # each post arrives twice (a retry after a lost answer), once gzipped
        body = json.dumps(post["body"]).encode()
        for gzipped in (False, True):
            answer = _post_stream(heron_server, post["path"], body, gzipped)
            assert answer.status_code == 200, answer.text
            assert answer.json().get("stopped") is not True
    for post in posts:  # and the whole stream once more
        assert _post_stream(heron_server, post["path"],
                            json.dumps(post["body"]).encode()).status_code == 200

    run = heron_server.api().run(f"capture/{run_id}")
    rows = list(run.scan_history())
    assert [row["_step"] for row in rows] == list(range(300))
    assert rows[10]["loss"] == 1 / 11
    assert run.console() == ["hello from the script", "done"]
    assert len(run.history(stream="system", pandas=False)) == 1
    assert run.summary["best"] == 0.99 and "_wandb" not in dict(run.summary)
    assert (run.state, run.exit_code) == ("finished", 0)


def test_malformed_file_stream_bodies_are_refused_naming_the_problem(
        heron_server: Heron) -> None:
    session = fixture("run_0.31.0_fast")
    run_id = _start(heron_server, session)
    path = ["admin", "capture", run_id]
    history = "wandb-history.jsonl"
    cases: list[tuple[bytes, str]] = [
        (b"{not json", "file_stream body is not JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (json.dumps({"files": []}).encode(), "\"files\" must be an object"),
        (json.dumps({"files": {history: {"offset": -1, "content": []}}}).encode(),
         "offset must be an integer >= 0"),
        (json.dumps({"files": {history: {"offset": 0, "content": "x"}}}).encode(),
         "content must be a list of strings"),
        (json.dumps({"files": {history: {"offset": 0, "content": ["{\"_step\": 0}", "{bad"]}}}
                    ).encode(), "wandb-history.jsonl line 1 is not JSON"),
        (json.dumps({"complete": True, "exitcode": "0"}).encode(), "exitcode must be an integer"),
    ]
    for body, reason in cases:
        answer = _post_stream(heron_server, path, body)
        assert answer.status_code == 400, (body, answer.text)
        assert reason in answer.json()["detail"], (reason, answer.text)
    garbled = httpx.post(f"{heron_server.url}/files/admin/capture/{run_id}/file_stream",
                         content=b"\x1f\x8bnot-gzip", auth=("api", heron_server.key),
                         headers={**JSON, "Content-Encoding": "gzip"}, timeout=30)
    assert garbled.status_code == 400 and "not valid gzip" in garbled.json()["detail"]
    missing = _post_stream(heron_server, ["admin", "capture", "nosuchrun"], b"{}")
    assert missing.status_code == 404 and "UpsertBucket" in missing.json()["detail"]

    run = heron_server.api().run(f"capture/{run_id}")
    assert list(run.scan_history()) == []  # nothing of a refused post was stored
    assert run.state == "running"


def test_upload_urls_carry_their_own_signature(heron_server: Heron) -> None:
    session = fixture("run_0.31.0_fast")
    run_id = _start(heron_server, session)
    create = next(r for r in session if r.get("operationName") == "CreateRunFiles")
    variables = {**create["variables"], "run": run_id,
                 "files": ["notes/a.txt", "../escape.txt", "/etc/passwd"]}
    answer = _graphql(heron_server, {"operationName": "CreateRunFiles", "query": create["query"],
                                     "variables": variables})
    assert answer.status_code == 200, answer.text
    files = {f["name"]: f["uploadUrl"] for f in answer.json()["data"]["createRunFiles"]["files"]}
    assert files["../escape.txt"] is None and files["/etc/passwd"] is None
    url = files["notes/a.txt"]
    assert url.startswith(heron_server.url + "/")

    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    base = f"{parts.scheme}://{parts.netloc}{parts.path}"
    tampered = {**query, "sig": "0" * 64}
    assert httpx.put(base, params=tampered, content=b"x").status_code == 401
    assert httpx.put(base, content=b"x").status_code == 401  # no signature at all
    other_name = base.replace("a.txt", "b.txt")
    assert httpx.put(other_name, params=query, content=b"x").status_code == 401
    assert httpx.put(url, content=b"hello, file").status_code == 200  # no Authorization

    run = heron_server.api().run(f"capture/{run_id}")
    saved = run.file("notes/a.txt")
    assert saved.size == len(b"hello, file")


def test_graphql_answers_what_it_knows_and_names_what_it_does_not(heron_server: Heron) -> None:
    viewer = _graphql(heron_server, {"query": "{ viewer { id username entity teams { edges {"
                                              " node { name } } } unknownField } }"})
    assert viewer.status_code == 200
    assert viewer.json()["data"]["viewer"] == {"id": "admin", "username": "admin",
                                               "entity": "admin", "teams": {"edges": []},
                                               "unknownField": None}

    unknown = _graphql(heron_server, {"operationName": "UnlinkArtifact",
                                      "query": "mutation UnlinkArtifact { unlinkArtifact("
                                               "input: {}) { success } }"})
    assert unknown.status_code == 200
    message = unknown.json()["errors"][0]["message"]
    assert "UnlinkArtifact" in message and "unlinkArtifact" in message

    wrong = _graphql(heron_server, {"query": "{ viewer { id } }"}, key="hk-" + "y" * 43)
    assert wrong.status_code == 401
    assert wrong.json()["errors"][0]["message"] == "the API key is unknown or revoked"

    stopped_query = ("query RunStoppedStatus($entity: String, $project: String, $name: "
                     "String!) { project(name: $project, entityName: $entity) { run(name: "
                     "$name) { stopped } } }")
    run_id = _start(heron_server, fixture("run_0.31.0_fast"))
    stopped = _graphql(heron_server, {"operationName": "RunStoppedStatus", "query": stopped_query,
                                      "variables": {"entity": "admin", "project": "capture",
                                                    "name": run_id}})
    assert stopped.json()["data"] == {"project": {"run": {"stopped": False}}}

    broken = _graphql(heron_server, {"query": "{ viewer { id "})
    assert broken.status_code == 400 and "does not parse" in broken.json()["errors"][0]["message"]


def test_users_rights_apply_to_the_wandb_client(heron_server: Heron) -> None:
    session = fixture("run_0.31.0_fast")
    run_id = _start(heron_server, session)  # admin's run in admin's default project
    admin = {"Authorization": f"Bearer {heron_server.key}"}
    made = httpx.post(heron_server.url + "/api/v1/users", json={"name": "bob", "role": "member"},
                      headers=admin, timeout=30)
    assert made.status_code in (200, 201), made.text
    bob = httpx.post(heron_server.url + "/api/v1/keys", json={"user": "bob"}, headers=admin,
                     timeout=30).json()["key"]

    # The default entity ("") is told to each client as its own user name: to bob, admin's
    # run is "bob/capture/ID", and it is not his to write.
    foreign = httpx.post(f"{heron_server.url}/files/bob/capture/{run_id}/file_stream",
                         content=b"{}", headers=JSON, auth=("api", bob), timeout=30)
    assert foreign.status_code == 403, foreign.text
    elsewhere = httpx.post(f"{heron_server.url}/files/admin/capture/{run_id}/file_stream",
                           content=b"{}", headers=JSON, auth=("api", bob), timeout=30)
    assert elsewhere.status_code == 404, elsewhere.text  # entity "admin" holds no such run

    upsert = next(r for r in session if r.get("operationName") == "UpsertBucket")
    as_admin = {**upsert["variables"], "name": "bobsrun01", "entity": "admin"}
    refused = _graphql(heron_server, {"query": upsert["query"], "variables": as_admin}, key=bob)
    assert refused.status_code == 403  # another user's entity (docs/security.md)
    assert "errors" in refused.json()

    own = {**upsert["variables"], "name": "bobsrun02"}
    answer = _graphql(heron_server, {"query": upsert["query"], "variables": own}, key=bob)
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["upsertBucket"]["bucket"]["project"]["entity"]["name"] == "bob"
    assert heron_server.api().run("capture/bobsrun02").user == "bob"


def test_the_exit_code_decides_how_the_run_ended(heron_server: Heron) -> None:
    session = fixture("run_0.31.0_fast")
    upsert = next(r for r in session if r.get("operationName") == "UpsertBucket")
    for run_id, code, state in (("ends00ok", 0, "finished"), ("ends0bad", 2, "failed"),
                                ("ends0int", 255, "killed")):
        variables = {**upsert["variables"], "name": run_id}
        assert _graphql(heron_server, {"query": upsert["query"],
                                       "variables": variables}).status_code == 200
        body = json.dumps({"complete": True, "exitcode": code}).encode()
        assert _post_stream(heron_server, ["admin", "capture", run_id], body).status_code == 200
        run = heron_server.api().run(f"capture/{run_id}")
        assert (run.state, run.exit_code) == (state, code)
