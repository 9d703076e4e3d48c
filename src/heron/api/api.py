"""``heron.Api``: the read side W&B users script against, over the same store the SDK writes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from heron.api.filters import matches, sort_runs
from heron.api.run import Run
from heron.client import configured_server
from heron.errors import RunNotFound, ValueRejected
from heron.sdk.settings import resolve
from heron.store import ProjectInfo, RunAccess, open_reader


class Runs:
    """The runs a query found: a list-like you can iterate, index and measure."""

    def __init__(self, runs: list[Run]) -> None:
        self._runs = runs

    def __iter__(self) -> Iterator[Run]:
        return iter(self._runs)

    def __len__(self) -> int:
        return len(self._runs)

    def __getitem__(self, index: int) -> Run:
        return self._runs[index]

    def __repr__(self) -> str:
        return f"<Runs {len(self._runs)}>"


class Api:
    """Query runs and projects.

    Example:
        >>> api = heron.Api()
        >>> runs = api.runs("my_project", filters={"config.lr": {"$gt": 0.01}}, order="-created_at")
        >>> run = api.run("my_project/abc123xy")
        >>> run.summary["loss"]
    """

    def __init__(self, overrides: Mapping[str, Any] | None = None, timeout: int | None = None,
                 api_key: str | None = None) -> None:
        overrides = dict(overrides or {})
        self.settings = resolve(None, project=overrides.get("project"),
                                entity=overrides.get("entity"))
        if overrides.get("base_url"):
            self.settings.host = str(overrides["base_url"])
        if api_key:
            self.settings.api_key = api_key
        if overrides.get("root_dir"):
            self.settings.root_dir = overrides["root_dir"]
        self._store: RunAccess | None = None

    @property
    def store(self) -> RunAccess:
        """The local store, or the server's when a host is configured."""
        if self._store is None:
            server = configured_server(self.settings)
            url, key = server or (f"sqlite:///{self.settings.store_dir / 'heron.db'}", None)
            self._store = open_reader(url, key)
        return self._store

    @property
    def default_entity(self) -> str | None:
        return self.settings.entity

    def _split(self, path: str | None, parts: int) -> list[str | None]:
        """Normalise ``entity/project[/runs]/id`` style paths into a fixed number of parts."""
        pieces = [p for p in (path or "").strip("/").split("/") if p]
        if "runs" in pieces[:-1]:
            pieces.remove("runs")
        if len(pieces) > parts:
            raise ValueRejected(f"path {path!r} has too many parts")
        filled: list[str | None] = [None] * (parts - len(pieces)) + list(pieces)
        return filled

    def runs(self, path: str | None = None, filters: Mapping[str, Any] | None = None,
             order: str = "-created_at", per_page: int = 50,
             include_sweeps: bool = True) -> Runs:
        """Runs of a project (``"project"`` or ``"entity/project"``), filtered and ordered."""
        entity, project = self._split(path, 2)
        project = project or self.settings.project
        if project is None:
            raise ValueRejected("runs() needs a project: pass 'project' or 'entity/project'")
        infos = self.store.list_runs(project, entity or self.settings.entity)
        if filters:
            infos = [info for info in infos if matches(info, filters)]
        return Runs([Run(self.store, info) for info in sort_runs(infos, order)])

    def run(self, path: str) -> Run:
        """One run by ``"project/run_id"`` or ``"entity/project/run_id"``."""
        entity, project, run_id = self._split(path, 3)
        project = project or self.settings.project
        if project is None or run_id is None:
            raise ValueRejected(f"run path {path!r} must be 'project/run_id' or "
                                "'entity/project/run_id'")
        info = self.store.get_run(project, run_id, entity)
        if info is None:
            raise RunNotFound(f"Could not find run {path!r}")
        return Run(self.store, info)

    def artifact(self, name: str, type: str | None = None) -> Any:
        """An artifact version by ``"[entity/]project/name[:alias]"`` (``:latest`` when no
        alias; ``:v3`` names a version).

        Example:
            >>> api.artifact("my_project/mnist:best").download()
        """
        from heron.api import artifacts

        return artifacts.artifact(self.store, name, type, self.settings.project,
                                  self.settings.entity)

    def artifacts(self, type_name: str | None, name: str, per_page: int = 50) -> Sequence[Any]:
        """The versions of the collection ``"[entity/]project/name"``, newest first, read
        ``per_page`` at a time as they are iterated."""
        from heron.api import artifacts

        return artifacts.artifacts(self.store, type_name, name, self.settings.project,
                                   self.settings.entity, per_page)

    def artifact_types(self, project: str | None = None) -> list[Any]:
        """The project's artifact types, each with its collections."""
        from heron.api import artifacts

        return artifacts.artifact_types(self.store, project, self.settings.project,
                                        self.settings.entity)

    def artifact_collections(self, project_name: str, type_name: str | None = None
                             ) -> list[Any]:
        """The project's artifact collections (names), of one type if given."""
        from heron.api import artifacts

        return artifacts.artifact_collections(self.store, project_name, type_name,
                                              self.settings.project, self.settings.entity)

    def projects(self, entity: str | None = None) -> list[ProjectInfo]:
        return [p for p in self.store.list_projects() if entity is None or p.entity == entity]
