"""A server on 127.0.0.1 (``heron ui``'s open store) answers only loopback names in ``Host``,
so a site that points its own name at 127.0.0.1 (DNS rebinding) cannot read or write it."""

from __future__ import annotations

import httpx

from .conftest import Server


def status(server: Server, host: str, method: str = "GET", path: str = "/projects") -> int:
    with server.client() as client:
        return client.request(method, path, headers={"Host": host}).status_code


def test_a_loopback_server_refuses_other_names(server: Server) -> None:
    port = server.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost", f"[::1]:{port}"):
        assert status(server, host) == 200, host
    for host in (f"rebind.attacker.example:{port}", "attacker.example", f"10.0.0.5:{port}"):
        refused = httpx.get(server.url + "/api/v1/projects",
                            headers={"Host": host, "Authorization": f"Bearer {server.key}"})
        assert refused.status_code == 421, host
        assert "127.0.0.1" in refused.json()["detail"]
    dashboard = httpx.get(server.url + "/", headers={"Host": "attacker.example"})
    assert dashboard.status_code == 421


def test_a_server_on_another_address_serves_any_name(server_factory) -> None:  # type: ignore[no-untyped-def]
    server = server_factory(args=["--host", "0.0.0.0"]).start()
    assert status(server, "tracker.example.com") == 200
