"""A run's artifact calls (``run.log_artifact``, ``use_artifact``, ``log_model``,
``use_model``): records for the writer (lineage and versions are decided by the store) and
reads of the store the run writes to."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heron import records as r
from heron.artifacts import manifest
from heron.artifacts.artifact import Artifact
from heron.errors import NotFound, UsageError, ValueRejected
from heron.store.media_folder import place_file

if TYPE_CHECKING:
    from heron.sdk.run import Run


def reader(run: Run) -> Any:
    """The store the run writes to, for reading artifacts back."""
    from heron.client import configured_server
    from heron.store import open_reader

    server = configured_server(run.settings)
    url, key = server or (run.settings.store_url(), None)
    return open_reader(url, key)


def _as_artifact(value: Artifact | str | Path, name: str | None, kind: str | None) -> Artifact:
    if isinstance(value, Artifact):
        return value
    path = Path(value)
    if not path.exists():
        raise ValueRejected(f"{path} is neither an Artifact nor an existing file or folder")
    art = Artifact(name or path.name.replace(" ", "_"), kind or "unspecified")
    if path.is_dir():
        art.add_dir(path)
    else:
        art.add_file(path)
    return art


def log_artifact(run: Run, artifact_or_path: Artifact | str | Path, name: str | None = None,
                 type: str | None = None, aliases: list[str] | None = None,
                 tags: list[str] | None = None) -> Artifact:
    """Hand the artifact to the run's writer; returns it (``wait()`` for its version)."""
    art = _as_artifact(artifact_or_path, name, type)
    for alias in aliases or []:
        problem = manifest.alias_problem(alias)
        if problem is not None and alias != "latest":
            raise ValueRejected(problem)
    if art._run is not None or art._info is not None:
        raise UsageError(f"artifact {art.name} was already logged; make a new Artifact")
    entries = list(art._entries.values())
    media_root = run._media_root()
    if media_root is not None:  # disabled runs log nothing
        for entry in entries:
            if entry.staged is not None and entry.media is not None:
                place_file(entry.staged, media_root / entry.media)
    records = art._records()
    art._logged_digest = manifest.digest_of(records)
    art._run, art._store = run, None
    run._put(r.ArtifactLog(name=art.collection_name, artifact_type=art.type,
                           digest=art._logged_digest, entries=records,
                           description=art.description, metadata=art.metadata,
                           aliases=[a for a in (aliases or []) if a != "latest"],
                           logged_at=time.time()))
    return art


def use_artifact(run: Run, spec: Artifact | str, type: str | None = None,
                 aliases: list[str] | None = None) -> Artifact:
    """The stored version ``spec`` names (``name``, ``name:alias``, ``name:v3``,
    ``project/name:alias``), recorded as used by the run."""
    if isinstance(spec, Artifact):
        art = spec.wait() if spec._run is not None else spec
        if art._info is None:
            raise UsageError(f"artifact {art.name} is not stored: log it first")
        info = art._info
    else:
        entity, project, name, alias = manifest.parse_ref(spec, run.project)
        store = reader(run)
        with store.artifact_session() as s:
            found = s.get(entity or run.entity or "", project, name, alias)
        if found is None:
            raise NotFound(f"no artifact {name}:{alias} in project {project}")
        art = Artifact._from_store(found, store)
        info = found
    if type is not None and info.type != type:
        raise ValueRejected(f"artifact {info.name} is a {info.type!r}, not a {type!r}")
    run._put(r.ArtifactUse(project=info.project, entity=info.entity, name=info.name,
                           version=info.version, used_at=time.time()))
    return art


def log_model(run: Run, path: str | Path, name: str | None = None,
              aliases: list[str] | None = None) -> Artifact:
    """A file or folder logged as an artifact of type ``model``."""
    return log_artifact(run, path, name=name, type="model", aliases=aliases)


def use_model(run: Run, name: str) -> str:
    """Use a ``model`` artifact and download it; the local path of its files."""
    art = use_artifact(run, name)
    if art.type != "model":
        raise ValueRejected(f"artifact {art.name} is a {art.type!r}, not a 'model'")
    return art.download()
