"""The API answers every request, well-formed or not, with a response that is not a 5xx.

Schemathesis generates requests from the server's own OpenAPI spec (``/api/v1/openapi.json``):
valid ones and, where the spec allows, invalid ones; with random path parameters and with ones
naming a real run. Hand-written cases cover what the spec cannot describe: msgpack bodies, the
size limit and path traversal.

``HERON_FUZZ_EXAMPLES`` (default 40) sets the examples per operation; ``HERON_FUZZ_RANDOM=1``
explores new inputs on each run instead of the same ones.
"""

from __future__ import annotations

import os
import socket
from typing import Any

import httpx
import msgspec
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from heron import records as r
from heron.server.routes.ingest import MAX_BODY

from .conftest import FuzzServer, restore_key

EXAMPLES = int(os.environ.get("HERON_FUZZ_EXAMPLES", "40"))
DERANDOMIZE = os.environ.get("HERON_FUZZ_RANDOM", "") != "1"


def _operation_labels() -> list[str]:
    """The operations in the spec, read from the app in this process (to name the tests)."""
    from heron.server.app import create_app

    spec = create_app(None).openapi()  # type: ignore[arg-type]  # the spec needs no store
    methods = ("get", "put", "post", "patch", "delete")
    return [f"{method.upper()} {path}" for path, ops in spec["paths"].items()
            for method in ops if method in methods]


LABELS = _operation_labels()


@pytest.fixture(scope="module")
def schema(fuzz_server: FuzzServer) -> Any:
    return schemathesis.openapi.from_url(f"{fuzz_server.url}/api/v1/openapi.json")


def _strategy(operation: Any, seeded: dict[str, str]) -> Any:
    """Valid and invalid requests, with random path parameters and with ones naming real data
    (not for DELETE, which would remove the run the other operations need)."""
    names = {p.name for p in operation.path_parameters}
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    choices = [operation.as_strategy(mode) for mode in modes]
    fixed = {k: v for k, v in seeded.items() if k in names}
    if fixed and operation.method.upper() != "DELETE":
        choices += [operation.as_strategy(mode, path_parameters=fixed) for mode in modes]
    return st.one_of(choices)


@pytest.mark.parametrize("label", LABELS)
def test_no_request_the_spec_allows_gets_a_server_error(
    label: str, schema: Any, fuzz_server: FuzzServer
) -> None:
    operation = schema.find_operation_by_label(label)
    assert operation is not None, f"the served spec has no {label}"
    streaming = operation.path.endswith("/live")  # an endless SSE stream: read its headers

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    @given(case=_strategy(operation, fuzz_server.seeded))
    def fuzz(case: Any) -> None:
        if streaming:
            request = case.as_transport_kwargs(base_url=fuzz_server.url,
                                               headers=fuzz_server.headers)
            with requests.request(**request, stream=True, timeout=30) as response:
                assert response.status_code < 500, (request, response.status_code)
            return
        response = case.call(base_url=fuzz_server.url, headers=fuzz_server.headers, timeout=30)
        case.validate_response(response, checks=[not_a_server_error], headers=fuzz_server.headers)
        if "/keys" in operation.path or "/users" in operation.path:
            restore_key(fuzz_server)  # the example may have revoked the fuzzer's own key

    fuzz()
    # The seeded run is still whole: fuzzing read it, edited it, but nothing broke it.
    check = httpx.get(f"{fuzz_server.url}/api/v1/projects/proj/runs/run1/series_raw",
                      params={"key": "loss"}, headers=fuzz_server.headers, timeout=30)
    assert check.status_code == 200
    assert msgspec.msgpack.decode(check.content)["steps"] == list(range(50))


# -- what the spec cannot describe ------------------------------------------------------------

def _post_ingest(server: FuzzServer, body: bytes) -> httpx.Response:
    return httpx.post(f"{server.url}/api/v1/ingest", content=body,
                      headers={**server.headers, "Content-Type": "application/msgpack"},
                      timeout=30)


def _detail(response: httpx.Response) -> str:
    detail = response.json().get("detail")
    assert isinstance(detail, str) and detail, response.text
    return detail


@pytest.mark.parametrize("body", [
    b"\xc1",  # a byte msgpack never uses
    b"\x92\x01",  # an array of two holding one
    msgspec.msgpack.encode({"not": "a list of batches"}),
    msgspec.msgpack.encode([{"project": "p", "run_id": "r", "seq": "one", "records": []}]),
    msgspec.msgpack.encode([{"project": "p", "run_id": "r", "seq": 1,
                             "records": [{"type": "no-such-record"}]}]),
    b"",
])
def test_malformed_msgpack_is_refused_with_400_and_a_reason(
    fuzz_server: FuzzServer, body: bytes
) -> None:
    response = _post_ingest(fuzz_server, body)

    assert response.status_code == 400, response.text
    assert "malformed" in _detail(response)


def _raw_request(server: FuzzServer, head: str) -> tuple[int, bytes]:
    """Send ``head`` exactly as written (httpx would normalise ``..`` and %-escapes away)."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(head.encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1]


def test_a_body_over_the_limit_is_refused_with_413(fuzz_server: FuzzServer) -> None:
    status, body = _raw_request(fuzz_server, (
        "POST /api/v1/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {fuzz_server.key}\r\nContent-Type: application/msgpack"
        f"\r\nContent-Length: {MAX_BODY + 1}"
        "\r\nConnection: close\r\n\r\n"))
    assert status == 413
    assert b"over the limit" in body

    def chunks() -> Any:  # no Content-Length: the limit holds while reading
        block = b"\x00" * 2**20
        for _ in range(MAX_BODY // len(block) + 2):
            yield block

    response = httpx.post(f"{fuzz_server.url}/api/v1/ingest", content=chunks(),
                          headers={**fuzz_server.headers,
                                   "Content-Type": "application/msgpack"}, timeout=60)
    assert response.status_code == 413
    assert "over the limit" in _detail(response)


@pytest.mark.parametrize(("field", "value"), [("project", "bad/name"), ("project", "a b"),
                                              ("project", ""), ("run_id", "../escape"),
                                              ("project", "x" * 200)])
def test_a_batch_with_a_bad_project_or_run_name_is_refused_with_422(
    fuzz_server: FuzzServer, field: str, value: str
) -> None:
    names = {"project": "proj", "run_id": "fresh", field: value}
    batch = r.Batch(project=names["project"], run_id=names["run_id"], seq=1,
                    records=[r.RunStart(name="x")])

    response = _post_ingest(fuzz_server, r.encode([batch]))

    assert response.status_code == 422, response.text
    assert field in _detail(response)


TRAVERSALS = [
    "/api/v1/media/../../etc/passwd",
    "/api/v1/media/../secret.txt",
    "/api/v1/media/ab/../../../secret.txt",
    "/api/v1/media/..%2Fsecret.txt",
    "/api/v1/media/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/api/v1/media/%2e%2e/%2e%2e/etc/passwd",
    "/api/v1/media/%2e%2e%2fsecret.txt",
    "/api/v1/media/%252e%252e%252fsecret.txt",
    "/api/v1/media//etc/passwd",
    "/api/v1/media/..\\secret.txt",
    "/api/v1/media/%00../secret.txt",
    "/api/v1/projects/proj/runs/run1/files/..%2F..%2Fsecret.txt",
    "/api/v1/projects/proj/runs/run1/files/../../secret.txt",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_file_names_that_climb_out_of_the_media_folder_get_404(
    fuzz_server: FuzzServer, path: str
) -> None:
    (fuzz_server.media / "secret.txt").write_text("top secret")  # beside media/, not in it

    status, body = _raw_request(fuzz_server, (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {fuzz_server.key}\r\n"
        "Connection: close\r\n\r\n"))

    assert status == 404, body
    assert b"top secret" not in body and b"root:" not in body
    assert msgspec.json.decode(body)["detail"]


def test_a_stored_media_file_is_served(fuzz_server: FuzzServer) -> None:
    path = fuzz_server.seeded["path"]
    response = httpx.get(f"{fuzz_server.url}/api/v1/media/{path}", headers=fuzz_server.headers,
                         timeout=30)

    assert response.status_code == 200
    assert response.content == b"hello"


@pytest.mark.parametrize("path", [
    "/api/v1/projects/proj/runs/no-such-run",
    "/api/v1/projects/no-such-project/runs/run1",
    "/api/v1/projects/proj/runs/no-such-run/series?key=loss",
    "/api/v1/projects/proj/runs/no-such-run/console",
    "/api/v1/projects/proj/runs/run1/files/no-such-file",
])
def test_an_unknown_run_or_file_gets_404_naming_it(fuzz_server: FuzzServer, path: str) -> None:
    response = httpx.get(fuzz_server.url + path, headers=fuzz_server.headers, timeout=30)

    assert response.status_code == 404
    assert "no-such" in _detail(response)


@pytest.mark.parametrize("record", [
    r.HistoryRow(2**64 - 1, {"_step": 1, "x": 1.0}),
    r.RunEnd(state="finished", exit_code=2**64 - 1, ended_at=1.0),
    r.ConsoleLine("stdout", float("nan"), "when?"),
    r.FileSaved("big", "media/x", 2**64 - 1, "0" * 64),
])
def test_a_batch_holding_values_no_table_can_keep_is_refused_with_422(
    fuzz_server: FuzzServer, record: r.Record
) -> None:
    batch = r.Batch(project="proj", run_id="bounds", seq=1,
                    records=[r.RunStart(name="bounds"), record])

    response = _post_ingest(fuzz_server, r.encode([batch]))

    assert response.status_code == 422, response.text
    assert "does not fit" in _detail(response) or "NaN" in _detail(response)


@pytest.mark.parametrize("body", ['{"name": "\\ud800"}', '{"config": {"\\udfff": 1}}'])
def test_an_edit_that_is_not_valid_unicode_is_refused_with_422(
    fuzz_server: FuzzServer, body: str
) -> None:
    response = httpx.patch(f"{fuzz_server.url}/api/v1/projects/proj/runs/run1", content=body,
                           headers={**fuzz_server.headers, "Content-Type": "application/json"},
                           timeout=30)

    assert response.status_code == 422, response.text
    assert "not valid Unicode" in _detail(response)
