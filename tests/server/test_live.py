"""The live feed: new rows, run changes and console lines, resumable from a cursor."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx

import heron

from .conftest import Server


def read_events(server: Server, params: dict[str, Any], want: int,
                headers: dict[str, str] | None = None, timeout: float = 20,
                until: Any = None) -> list[tuple[int, dict[str, Any]]]:
    events: list[tuple[int, dict[str, Any]]] = []
    event_id = 0
    with httpx.Client(base_url=server.url + "/api/v1", timeout=timeout, headers={
            "Authorization": f"Bearer {server.key}", **(headers or {})}) as client, \
            client.stream("GET", "/live", params=params) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        try:
            for line in response.iter_lines():
                if line.startswith("id: "):
                    event_id = int(line[4:])
                elif line.startswith("data: "):
                    events.append((event_id, json.loads(line[6:])))
                    if len(events) >= want or (until is not None and until(events)):
                        break
        except httpx.ReadTimeout:
            pass  # the feed went quiet: everything available has been read
    return events


def test_rows_logged_elsewhere_arrive_on_the_feed(remote_env: Server) -> None:
    received: list[tuple[int, dict[str, Any]]] = []

    def finished(events: list[tuple[int, dict[str, Any]]]) -> bool:
        rows = sum(len(e["rows"]) for _, e in events if e["type"] == "history")
        return rows >= 3 and any(e["type"] == "run" and e["run"]["state"] == "finished"
                                 for _, e in events)

    listener = threading.Thread(target=lambda: received.extend(
        read_events(remote_env, {"project": "live"}, want=1000, until=finished)))
    listener.start()
    import time

    time.sleep(1.0)
    heron.init(project="live", id="liverun1", settings=heron.Settings(flush_interval=0.05))
    for i in range(3):
        heron.log({"loss": 1.0 / (i + 1)})
    heron.finish()
    listener.join(timeout=30)
    assert received[0][1]["type"] == "run" and received[0][1]["run"]["id"] == "liverun1"
    assert [e["run"]["state"] for _, e in received if e["type"] == "run"][-1] == "finished"
    rows = [row for _, e in received if e["type"] == "history" for row in e["rows"]]
    assert [r["_step"] for r in rows] == [0, 1, 2]
    assert [r["loss"] for r in rows] == [1.0, 0.5, 1 / 3]


def test_a_client_resumes_from_its_cursor_without_gaps(remote_env: Server) -> None:
    heron.init(project="live", id="liverun2", settings=heron.Settings(flush_interval=0.01))
    for i in range(5):
        heron.log({"i": i})
        heron.run._writer.flush()  # type: ignore[union-attr]
    heron.finish()
    everything = _all(remote_env, {"project": "live", "cursor": 0})
    history = [(i, e) for i, e in everything if e["type"] == "history"]
    assert [row["i"] for _, e in history for row in e["rows"]] == [0, 1, 2, 3, 4]
    middle = history[1][0]
    resumed = _all(remote_env, {"project": "live"}, headers={"Last-Event-ID": str(middle)})
    steps = [row["i"] for _, e in resumed if e["type"] == "history" for row in e["rows"]]
    assert steps == [row["i"] for _, e in history[2:] for row in e["rows"]]
    assert all(i > middle for i, _ in resumed)


def test_the_feed_can_follow_one_run(remote_env: Server) -> None:
    for run_id in ("follow01", "ignore01"):
        heron.init(project="live", id=run_id)
        heron.log({"x": 1})
        heron.finish()
    events = _all(remote_env, {"project": "live", "run": "follow01", "cursor": 0})
    assert events and all(e.get("run_id", e.get("run", {}).get("id")) == "follow01"
                          for _, e in events)


def _all(server: Server, params: dict[str, Any], headers: dict[str, str] | None = None
         ) -> list[tuple[int, dict[str, Any]]]:
    """Every event available now (the stream is read until it goes quiet)."""
    return read_events(server, params, want=10_000, headers=headers, timeout=2)
