"""``RemoteController``: the controller's calls made through a heron server (agents elsewhere)."""

from __future__ import annotations

from typing import Any

from heron.client import ServerClient
from heron.sweeps.controller import Assignment

CONNECT_RETRIES = 6
"""Attempts for a request that could not connect (a server restarting); waits double from 0.5 s.
Only connection failures are retried: a request that reached the server is never sent twice,
so a reservation cannot be made twice."""


class RemoteController:
    """The same methods as ``SweepController``, over ``{host}/api/v1/sweeps``; errors are the
    ``heron.errors`` classes ``heron.client`` maps statuses to."""

    def __init__(self, host: str, api_key: str | None) -> None:
        self.client = ServerClient(host, api_key, timeout=60)
        self.url = self.client.url

    def _call(self, method: str, *parts: str, json: Any = None) -> Any:
        response = self.client.request(method, ServerClient.path("sweeps", *parts),
                                       what=f"{method} sweeps/{'/'.join(parts)}",
                                       connect_retries=CONNECT_RETRIES - 1, json=json)
        return response.json()

    def create(self, config: dict[str, Any], project: str, entity: str = "",
               prior_runs: list[str] | None = None) -> str:
        body = {"config": config, "project": project, "entity": entity,
                "prior_runs": prior_runs or []}
        return str(self._call("POST", json=body)["id"])

    def next_run(self, sweep_id: str, agent: str | None = None) -> Assignment:
        data = self._call("POST", sweep_id, "next", json={"agent": agent})
        return Assignment(**data)

    def runs_to_stop(self, sweep_id: str, run_ids: list[str]) -> tuple[str, list[str]]:
        data = self._call("POST", sweep_id, "heartbeat", json={"runs": run_ids})
        return str(data["state"]), list(data["stop"])

    def end_run(self, sweep_id: str, run_id: str, state: str,
                exit_code: int | None = None) -> str:
        data = self._call("POST", sweep_id, "runs", run_id, "end",
                          json={"state": state, "exit_code": exit_code})
        return str(data["state"])

    def set_state(self, sweep_id: str, action: str) -> str:
        return str(self._call("POST", sweep_id, "state", json={"action": action})["state"])

    def describe(self, sweep_id: str) -> dict[str, Any]:
        return dict(self._call("GET", sweep_id))
