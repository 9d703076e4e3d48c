"""``RemoteStore``: the read side of the store, over a heron server's API (msgpack, exact)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import numpy as np

from heron import records as r
from heron.client import ServerClient
from heron.errors import CommError, Conflict, NotFound, StoreError, ValueRejected
from heron.store.chunks import object_array
from heron.store.models import ConsoleLineInfo, FileInfo, ProjectInfo, RunInfo, Series

_INFO_FIELDS = {
    "entity": "entity", "project": "project", "run_id": "id", "name": "name", "state": "state",
    "config": "config", "summary": "summary", "metrics": "metrics", "tags": "tags",
    "metadata": "metadata", "notes": "notes", "group": "group", "job_type": "job_type",
    "sweep_id": "sweep_id", "user": "user", "host": "host", "created_at": "created_at",
    "updated_at": "updated_at", "heartbeat_at": "heartbeat_at", "ended_at": "ended_at",
    "exit_code": "exit_code", "traceback": "traceback", "last_step": "last_step",
    "history_rows": "history_rows", "last_seq": "last_seq",
    "heartbeat_interval": "heartbeat_interval", "stop_requested_at": "stop_requested_at",
}


def run_info_from_json(data: dict[str, Any], pk: int = 0) -> RunInfo:
    values: dict[str, Any] = {field: data.get(key) for field, key in _INFO_FIELDS.items()}
    values["metadata"] = values["metadata"] or {}
    values["heartbeat_interval"] = values["heartbeat_interval"] or 30.0
    values["last_seq"] = values["last_seq"] or 0
    values["pid"] = (values["metadata"] or {}).get("pid")
    return RunInfo(pk=pk, **values)


class RemoteStore:
    """Implements the store reads ``heron.Api`` uses, against ``{host}/api/v1``.

    A run's routes name its project by name and its entity by the ``entity`` parameter, so a
    run of ``alice/mnist`` is never confused with one of ``bob/mnist``; a lookup without an
    entity reaches the project the server picks (the one the caller holds most rights on)."""

    def __init__(self, host: str, api_key: str | None) -> None:
        self.client = ServerClient(host, api_key, accept="application/msgpack")
        self.url = self.client.url
        self._runs: dict[int, tuple[str, str, str]] = {}
        """This store's pk of a run -> its (entity, project, run id)."""

    def _get(self, path: str, **params: Any) -> Any:
        """The decoded answer, or None when the server has no such thing (404)."""
        response = self._request("GET", path, allow_404=True, params=params)
        if response.status_code == 404:
            return None
        # msgpack keeps NaN and ints exactly; routes that only speak JSON answer in JSON.
        if "msgpack" in response.headers.get("content-type", ""):
            return r.decode_any(response.content)
        return response.json()

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            return self.client.request(method, path, what=f"{method} {path}", **kwargs)
        except (NotFound, ValueRejected, Conflict, CommError) as exc:
            raise StoreError(str(exc)) from exc

    def _remember(self, data: dict[str, Any]) -> RunInfo:
        key = (data.get("entity") or "", data["project"], data["id"])
        pk = next((k for k, v in self._runs.items() if v == key), len(self._runs) + 1)
        self._runs[pk] = key
        return run_info_from_json(data, pk)

    def _path(self, run_pk: int, *more: str) -> str:
        """The path of one of the run's routes; send ``_entity(run_pk)`` with it."""
        _, project, run_id = self._runs[run_pk]
        return ServerClient.path("projects", project, "runs", run_id, *more)

    def _entity(self, run_pk: int) -> dict[str, str]:
        """The query parameter that names the run's entity (``""`` too)."""
        return {"entity": self._runs[run_pk][0]}

    def get_run(self, project: str, run_id: str, entity: str | None = None) -> RunInfo | None:
        data = self._get(ServerClient.path("projects", project, "runs", run_id), entity=entity)
        return self._remember(data) if data is not None else None

    def list_runs(self, project: str | None = None, entity: str | None = None,
                  sweep_id: str | None = None) -> list[RunInfo]:
        data = self._get(ServerClient.path("projects", project or "", "runs"), sweep=sweep_id,
                         full="true", entity=entity) or []
        return [self._remember(d) for d in data]

    def list_projects(self) -> list[ProjectInfo]:
        return [ProjectInfo(**p) for p in self._get("/projects") or []]

    def history_keys(self, run_pk: int, stream: int = 0) -> list[str]:
        name = "system" if stream else "history"
        return [k["key"] for k in self._get(self._path(run_pk, "keys"), stream=name,
                                            **self._entity(run_pk)) or []]

    def read_series(self, run_pk: int, key: str, stream: int = 0,
                    min_step: int | None = None, max_step: int | None = None) -> Series:
        data = self._get(self._path(run_pk, "series_raw"), key=key,
                         stream="system" if stream else "history", min_step=min_step,
                         max_step=max_step, **self._entity(run_pk)
                         ) or {"steps": [], "values": []}
        values = data["values"]
        kinds = {type(v) for v in values}
        array = (np.array(values, dtype=np.float64) if kinds <= {float} and values else
                 np.array(values, dtype=np.int64) if kinds == {int} else object_array(values))
        return Series(key=key, steps=np.array(data["steps"], dtype=np.int64), values=array)

    def console(self, run_pk: int, after_id: int = 0, limit: int | None = None
                ) -> list[ConsoleLineInfo]:
        data = self._get(self._path(run_pk, "console"), after=after_id, limit=limit or 100_000,
                         **self._entity(run_pk))
        return [ConsoleLineInfo(**line) for line in (data or {"lines": []})["lines"]]

    def run_files(self, run_pk: int) -> list[FileInfo]:
        """The run's files as the server lists them (W&B's names; see ``SqlStore.run_files``)."""
        response = self._request("GET", self._path(run_pk, "files"),
                                 params=self._entity(run_pk),
                                 headers={"Accept": "application/json"})
        return [FileInfo(name=f["name"], path=f["path"], size=f["size"], sha256=f["sha256"],
                         updated_at=f["updated_at"]) for f in response.json()]

    def run_file(self, run_pk: int, name: str) -> FileInfo | None:
        """One listed file by name, else by a media reference's stored path."""
        files = self.run_files(run_pk)
        return next((f for f in files if f.name == name), None) or next(
            (f for f in files if f.path and f.path == name), None)

    def file_url(self, run_pk: int, name: str) -> str:
        """Where the server serves one of the run's files."""
        return (self.client.url_of(self._path(run_pk, "files") + "/" + quote(name)) + "?"
                + urlencode(self._entity(run_pk)))

    def copy_file(self, run_pk: int, name: str, target: Path) -> None:
        """Write one of the run's files, as the server serves it, to ``target``."""
        try:
            response = self.client.request("GET", self._path(run_pk, "files") + "/" + quote(name),
                                           params=self._entity(run_pk),
                                           what=f"the file {name!r}")
        except NotFound:
            raise
        except (ValueRejected, Conflict, CommError) as exc:
            raise StoreError(str(exc)) from exc
        target.write_bytes(response.content)

    def run_by_pk(self, run_pk: int) -> RunInfo | None:
        """A run this store has listed or looked up before (``pk`` is this store's own)."""
        if run_pk not in self._runs:
            return None
        entity, project, run_id = self._runs[run_pk]
        return self.get_run(project, run_id, entity)

    def artifact_session(self, write: bool = False) -> Any:
        """Artifact reads and edits through the server (``remote_artifacts.py``)."""
        from heron.store.remote_artifacts import remote_artifact_session

        return remote_artifact_session(self)

    def copy_media(self, rel: str, target: Path) -> None:
        """Write the stored media file ``rel`` (``media/...``) to ``target``, streamed (a
        large file is never held whole in memory)."""
        import httpx

        from heron.client import raise_for_status

        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        try:
            with self.client.http.stream("GET", "/" + quote(rel)) as response:
                if response.status_code >= 400:
                    response.read()  # the reason is in the body
                    raise_for_status(response, self.url, f"the file {rel!r}")
                with tmp.open("wb") as out:
                    for chunk in response.iter_bytes(1 << 20):
                        out.write(chunk)
        except NotFound:
            tmp.unlink(missing_ok=True)
            raise
        except (ValueRejected, Conflict, CommError, httpx.TransportError) as exc:
            tmp.unlink(missing_ok=True)
            raise StoreError(f"{self.url}: could not read {rel}: {exc}") from exc
        tmp.replace(target)

    def update_run(self, run_pk: int, **fields: Any) -> None:
        self._request("PATCH", self._path(run_pk), params=self._entity(run_pk), json=fields)

    def delete_run(self, run_pk: int) -> None:
        self._request("DELETE", self._path(run_pk), params=self._entity(run_pk))

    def request_run_stop(self, run_pk: int) -> bool:
        try:
            self.client.request("POST", self._path(run_pk, "stop"), json={},
                                params=self._entity(run_pk), what="a stop of the run")
        except Conflict:  # the run is not running
            return False
        except (NotFound, ValueRejected, CommError) as exc:
            raise StoreError(str(exc)) from exc
        return True

    def close(self) -> None:
        self.client.close()
