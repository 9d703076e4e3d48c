"""``RemoteController``: the controller's calls made through a heron server (agents elsewhere)."""

from __future__ import annotations

import time
from typing import Any

from heron.errors import UsageError
from heron.sweeps.controller import Assignment

CONNECT_RETRIES = 6
"""Attempts for a request that could not connect (a server restarting); waits double from 0.5 s.
Only connection failures are retried: a request that reached the server is never sent twice,
so a reservation cannot be made twice."""


class RemoteController:
    """The same methods as ``SweepController``, over ``{host}/api/v1/sweeps``."""

    def __init__(self, host: str, api_key: str | None) -> None:
        import httpx

        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.url = host.rstrip("/")
        self._client = httpx.Client(base_url=self.url + "/api/v1", headers=headers, timeout=60)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        delay = 0.5
        for attempt in range(CONNECT_RETRIES):
            try:
                response = self._client.request(method, path, **kwargs)
                break
            except httpx.ConnectError as exc:
                if attempt == CONNECT_RETRIES - 1:
                    raise UsageError(f"{self.url}: cannot connect ({exc})") from None
                time.sleep(delay)
                delay *= 2
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail")
            except ValueError:
                detail = response.text
            raise UsageError(f"{self.url}: {detail}")
        return response.json()

    def create(self, config: dict[str, Any], project: str, entity: str = "",
               prior_runs: list[str] | None = None) -> str:
        body = {"config": config, "project": project, "entity": entity,
                "prior_runs": prior_runs or []}
        return str(self._call("POST", "/sweeps", json=body)["id"])

    def next_run(self, sweep_id: str, agent: str | None = None) -> Assignment:
        data = self._call("POST", f"/sweeps/{sweep_id}/next", json={"agent": agent})
        return Assignment(**data)

    def runs_to_stop(self, sweep_id: str, run_ids: list[str]) -> tuple[str, list[str]]:
        data = self._call("POST", f"/sweeps/{sweep_id}/heartbeat", json={"runs": run_ids})
        return str(data["state"]), list(data["stop"])

    def end_run(self, sweep_id: str, run_id: str, state: str,
                exit_code: int | None = None) -> str:
        data = self._call("POST", f"/sweeps/{sweep_id}/runs/{run_id}/end",
                          json={"state": state, "exit_code": exit_code})
        return str(data["state"])

    def set_state(self, sweep_id: str, action: str) -> str:
        return str(self._call("POST", f"/sweeps/{sweep_id}/state",
                              json={"action": action})["state"])

    def describe(self, sweep_id: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/sweeps/{sweep_id}"))
