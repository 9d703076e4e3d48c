"""``X-Forwarded-For`` is believed only from the proxies named by ``--forwarded-allow-ips``:
by default a local process cannot pose as other addresses to the failed-key limiter."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from heron import records as r
from heron.cli.server import server as server_command
from heron.server.serve import uvicorn_proxy_options

from .conftest import Server

WRONG_KEY = "hk-" + "q" * 43


def post_from(server: Server, forwarded_for: str) -> int:
    body = r.encode([r.Batch(project="proxy", run_id="proxy001", seq=1,
                             records=[r.RunStart(name="n")])])
    with server.client(WRONG_KEY) as client:
        return client.post("/ingest", content=body, headers={
            "Content-Type": "application/msgpack", "X-Forwarded-For": forwarded_for,
        }).status_code


def test_uvicorn_believes_no_proxy_unless_told() -> None:
    assert uvicorn_proxy_options(None) == {"proxy_headers": False}
    assert uvicorn_proxy_options("") == {"proxy_headers": False}
    assert uvicorn_proxy_options("10.0.0.5,10.0.0.6") == {
        "proxy_headers": True, "forwarded_allow_ips": "10.0.0.5,10.0.0.6"}
    help_text = CliRunner().invoke(server_command, ["--help"]).output
    assert "--forwarded-allow-ips" in help_text


@pytest.mark.parametrize("trusted", [False, True], ids=["default", "behind-a-named-proxy"])
def test_x_forwarded_for_names_the_client_only_behind_a_named_proxy(server_factory,  # type: ignore[no-untyped-def]
                                                                    trusted: bool) -> None:
    server = server_factory(["--forwarded-allow-ips", "127.0.0.1"] if trusted else []).start()
    codes = []
    for _ in range(200):  # wrong keys from one address, until the limiter steps in
        codes.append(post_from(server, "10.0.0.1"))
        if codes[-1] == 429:
            break
    assert codes[-1] == 429 and set(codes[:-1]) == {401}, codes

    other = post_from(server, "10.0.0.2")

    # Behind the proxy, 10.0.0.2 is another client; without it, the header is a lie and the
    # request comes from 127.0.0.1, which is being throttled.
    assert other == (401 if trusted else 429)
