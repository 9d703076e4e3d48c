"""``RemoteStore.artifact_session()``: the artifact reads and edits of ``ArtifactSession``
(``artifact_queries.py``) over a server's REST API (``server/routes/artifacts.py``), so
``wait()``, ``use_artifact`` and ``heron.Api()``'s artifact calls work through a server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from heron.client import ServerClient
from heron.store.artifact_queries import ALL, ArtifactFile, ArtifactInfo, CollectionInfo, Page

if TYPE_CHECKING:
    from heron.store.remote import RemoteStore


class RemoteArtifactSession:
    """Each call is one request. An ``entity`` argument is sent as the ``entity`` parameter
    (the project of that entity); an empty one leaves the choice to the server (the project
    of that name the caller holds most rights on)."""

    def __init__(self, store: RemoteStore) -> None:
        self._store = store

    def _info(self, data: dict[str, Any]) -> ArtifactInfo:
        producer = data.get("logged_by")
        run_pk = self._store._remember(producer).pk if producer else None
        fields = {k: v for k, v in data.items() if k != "logged_by"}
        return ArtifactInfo(**fields, run_pk=run_pk)

    def get(self, entity: str, project: str, name: str, alias: str) -> ArtifactInfo | None:
        data = self._store._get(ServerClient.path("projects", project, "artifacts", name,
                                                  alias), entity=entity or None)
        return None if data is None else self._info(data)

    def by_id(self, version_id: int) -> ArtifactInfo | None:
        data = self._store._get(f"/artifacts/{version_id}")
        return None if data is None else self._info(data)

    def versions(self, entity: str, project: str, name: str | None = None,
                 kind: str | None = None, page: Page = ALL) -> list[ArtifactInfo]:
        data = self._store._get(ServerClient.path("projects", project, "artifacts"),
                                name=name, type=kind, limit=page.limit, after=page.after,
                                entity=entity or None) or []
        return [self._info(d) for d in data]

    def collections(self, entity: str, project: str,
                    kind: str | None = None, page: Page = ALL) -> list[CollectionInfo]:
        data = self._store._get(ServerClient.path("projects", project, "artifact-collections"),
                                type=kind, limit=page.limit, after=page.after,
                                entity=entity or None) or []
        return [CollectionInfo(**d) for d in data]

    def entries(self, version_id: int) -> list[ArtifactFile]:
        return [ArtifactFile(**d) for d in self._store._get(f"/artifacts/{version_id}/files")
                or []]

    def _run_artifacts(self, run_pk: int, used: bool) -> list[ArtifactInfo]:
        data = self._store._get(self._store._path(run_pk, "artifacts"),
                                used="true" if used else "false",
                                **self._store._entity(run_pk)) or []
        return [self._info(d) for d in data]

    def logged_by_run(self, run_pk: int) -> list[ArtifactInfo]:
        return self._run_artifacts(run_pk, used=False)

    def used_by_run(self, run_pk: int) -> list[ArtifactInfo]:
        return self._run_artifacts(run_pk, used=True)

    def users_of(self, version_id: int) -> list[int]:
        runs = self._store._get(f"/artifacts/{version_id}/users") or []
        return [self._store._remember(run).pk for run in runs]

    def edit(self, version_id: int, description: str | None = None,
             metadata: dict[str, Any] | None = None, aliases: list[str] | None = None) -> None:
        body = {k: v for k, v in (("description", description), ("metadata", metadata),
                                  ("aliases", aliases)) if v is not None}
        self._store._request("PATCH", f"/artifacts/{version_id}", json=body)

    def delete(self, version_id: int, delete_aliases: bool = False) -> None:
        self._store.client.request("DELETE", f"/artifacts/{version_id}",
                                   params={"delete_aliases": str(delete_aliases).lower()},
                                   what=f"a delete of artifact version {version_id}")


@contextmanager
def remote_artifact_session(store: RemoteStore) -> Iterator[RemoteArtifactSession]:
    yield RemoteArtifactSession(store)
