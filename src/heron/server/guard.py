"""Applying ``heron.server.permissions`` to requests: which project a name means for this
caller, whether they may read or write it, its runs and sweeps.

A route names a project by its name; the request's ``entity`` query parameter (``?entity=alice``,
empty for the entity ``""``) says whose. Without it, where several entities have a project of
that name, the caller gets the one they hold most rights on.

A project a caller may not see answers 404, as if it did not exist; one they see but may not
change answers 403 naming what is missing. Project access is read at most once a second per
process (``ACCESS_SECONDS``), like keys, so changes reach every replica within a second."""

from __future__ import annotations

import threading
import time
from typing import Annotated

from fastapi import Depends, Request

from heron import records as r
from heron.errors import NotFound, PermissionDenied, RunNotFound
from heron.server import permissions as p
from heron.server.auth import Caller
from heron.server.deps import get_store, reader, writer
from heron.store import RunInfo, SqlStore
from heron.store.access import ProjectAccess
from heron.store.sweep_queries import SweepInfo

ACCESS_SECONDS = 1.0


class AccessCache:
    """Every project's access, users' and teams' names: re-read at most once a second."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self._at = -1e9
        self._projects: list[ProjectAccess] = []
        self._users: set[str] = set()
        self._teams: set[str] = set()
        self._runs: dict[tuple[str, str, str], tuple[float, RunInfo]] = {}
        self._lock = threading.Lock()

    def _load(self, force: bool = False) -> None:
        with self._lock:
            if not force and time.monotonic() - self._at < ACCESS_SECONDS:
                return
            with self.store.access_session() as access:
                self._projects = access.project_accesses()
                self._users = {u.name for u in access.list_users()}
                self._teams = {t.name for t in access.list_teams()}
            self._at = time.monotonic()

    def projects(self, force: bool = False) -> list[ProjectAccess]:
        self._load(force)
        return self._projects

    def names(self) -> tuple[set[str], set[str]]:
        """Users' and teams' names, re-read now (a project is being created)."""
        self._load(force=True)
        return self._users, self._teams

    def find(self, entity: str, name: str) -> ProjectAccess | None:
        for force in (False, True):  # a project made a moment ago may be newer than the cache
            for project in self.projects(force):
                if project.entity == entity and project.name == name:
                    return project
        return None

    def run(self, project: str, entity: str, run_id: str) -> RunInfo | None:
        """The run as ``Store.get_run`` finds it, re-read at most once a second (a batch
        arrives every few hundred milliseconds per run; who owns a run changes only once,
        when a sweep's reservation is started)."""
        key = (project, entity, run_id)
        hit = self._runs.get(key)
        now = time.monotonic()
        if hit is not None and now - hit[0] < ACCESS_SECONDS:
            return hit[1]
        info = self.store.get_run(project, run_id, entity or None)
        if info is not None:
            if len(self._runs) > 10_000:
                self._runs.clear()
            self._runs[key] = (now, info)
        return info

    def invalidate(self) -> None:
        self._at = -1e9


class Guard:
    """One request's caller, checked against project access."""

    def __init__(self, store: SqlStore, caller: Caller, cache: AccessCache,
                 entity: str | None = None) -> None:
        self.store = store
        self.caller = caller
        self.cache = cache
        self.entity = entity
        """Whose project a name means (the ``entity`` query parameter); None: any entity's."""

    @property
    def sees_everything(self) -> bool:
        return self.caller.admin

    def level(self, project: ProjectAccess) -> int:
        return p.project_level(self.caller, project)

    def visible(self) -> list[ProjectAccess]:
        return [a for a in self.cache.projects() if self.level(a) >= p.READ]

    def listed(self, name: str) -> ProjectAccess | None:
        """The project called ``name`` for a list of its contents, or None to list nothing: a
        project the caller may not see reads like one with no runs yet (which the dashboard
        opens before a run's first batch arrives), so neither says whether it exists."""
        try:
            return self.project(name)
        except NotFound:
            return None

    def seen(self, entity: str, name: str) -> ProjectAccess | None:
        """The project ``entity/name`` if the caller sees it, else None."""
        found = self.cache.find(entity, name)
        return found if found is not None and self.level(found) >= p.READ else None

    def project(self, name: str, need: int = p.READ, entity: str | None = None
                ) -> ProjectAccess:
        """The project called ``name`` for this caller: ``entity``'s (by default the
        request's ``entity`` parameter), or where that is None and several entities have one,
        the one they hold most rights on; 404 if they see none, 403 below ``need``."""
        entity = self.entity if entity is None else entity

        def matching(force: bool) -> list[ProjectAccess]:
            return [a for a in self.cache.projects(force) if a.name == name
                    and (entity is None or a.entity == entity) and self.level(a) >= p.READ]

        found = matching(False) or matching(True)  # one made a moment ago may be newer
        if not found:
            raise NotFound(f"no project {name!r}")
        best = max(found, key=lambda a: (self.level(a), a.entity == "", -a.pk))
        self.require(best, need)
        return best

    def require(self, project: ProjectAccess, need: int, what: str = "") -> None:
        level = self.level(project)
        if level < need:
            who = self.caller.user or "an anonymous caller"
            raise PermissionDenied(
                f"{who} is {p.LEVEL_NAMES[level]} on project {project.name!r}; "
                f"{what or 'this'} needs {p.LEVEL_NAMES[need]}")

    def run(self, project: str, run_id: str, need: int = p.READ, entity: str | None = None
            ) -> RunInfo:
        """The run (in ``entity``'s project, as for ``project``); 404 unless the caller sees
        it. ``need=WRITE``: their own run or an owner; ``need=OWN``: an owner."""
        exact = self.entity if entity is None else entity
        chosen = self.project(project, entity=exact)
        info = self.store.get_run(project, run_id, chosen.entity or None)
        if info is None or (exact is not None and info.entity != exact):
            raise RunNotFound(f"no run {run_id!r} in project {project!r}")
        access = chosen if info.entity == chosen.entity else self.cache.find(info.entity, project)
        if access is None or self.level(access) < p.READ:
            raise RunNotFound(f"no run {run_id!r} in project {project!r}")
        self.require_run(access, info, need)
        return info

    def require_run(self, access: ProjectAccess, info: RunInfo, need: int) -> None:
        if need <= p.READ:
            return
        level = self.level(access)
        if need == p.WRITE and p.may_write_run(self.caller, level, info.user):
            return
        if need == p.WRITE and info.user is None and info.state == "pending" and level >= p.WRITE:
            return  # a sweep's reservation, not yet started: whoever starts it owns the run
        if level >= p.OWN:
            return
        self.require(access, p.WRITE, "writing")
        raise PermissionDenied(f"run {info.run_id!r} belongs to {info.user or 'nobody'}; only "
                               f"they or an owner of project {info.project!r} may change it")

    def project_for_writing(self, entity: str, name: str) -> ProjectAccess:
        """``entity/name`` for creating runs or sweeps in it, created if new (its owner, team
        and visibility from ``permissions.new_project``)."""
        found = self.cache.find(entity, name)
        if found is None:
            users, teams = self.cache.names()
            terms = p.new_project(self.caller, entity, users, teams)
            with self.store.access_session(write=True) as access:
                found = access.ensure_project(entity, name, terms.owner, terms.team,
                                              terms.visibility)
            self.cache.invalidate()
        self.require(found, p.WRITE, "creating runs")
        return found

    def check_batch(self, batch: r.Batch) -> None:
        """May the caller apply ``batch``: their own run, or a new run where they write."""
        if self.caller.open and self.caller.user is None:
            return  # heron ui: one person's local store
        entity = batch.entity or next(
            (rec.entity for rec in batch.records if isinstance(rec, r.RunStart)), "")
        info = self.cache.run(batch.project, entity, batch.run_id)
        if info is None:
            self.project_for_writing(entity, batch.project)
            return
        access = self.cache.find(info.entity, batch.project)
        if access is None:  # a run written before access was recorded: the defaults
            access = self.project_for_writing(info.entity, batch.project)
        self.require_run(access, info, p.WRITE)

    def sweep(self, sweep: SweepInfo, need: int = p.READ) -> ProjectAccess:
        access = self.cache.find(sweep.entity, sweep.project)
        if access is None or self.level(access) < p.READ:
            raise NotFound(f"no sweep {sweep.id!r}")
        self.require(access, need, f"sweep {sweep.id}")
        return access


def _cache(request: Request) -> AccessCache:
    cache: AccessCache = request.app.state.access_cache
    return cache


def _entity(request: Request) -> str | None:
    """The ``entity`` query parameter (``?entity=`` names the entity ``""``), or None."""
    return request.query_params.get("entity")


def read_guard(request: Request) -> Guard:
    return Guard(get_store(request), reader(request), _cache(request), _entity(request))


def write_guard(request: Request) -> Guard:
    return Guard(get_store(request), writer(request), _cache(request), _entity(request))


ReadGuard = Annotated[Guard, Depends(read_guard)]
WriteGuard = Annotated[Guard, Depends(write_guard)]
