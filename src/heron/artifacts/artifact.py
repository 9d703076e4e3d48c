"""``heron.Artifact``: a versioned set of files (a dataset, a model), with W&B's API.

Build one, log it from a run, use it from another:

    >>> art = heron.Artifact("mnist", type="dataset", metadata={"rows": 60000})
    >>> art.add_file("train.csv"); art.add_dir("images/", name="images")
    >>> run.log_artifact(art, aliases=["best"])          # v0, v1, ... per name
    >>> data = heron.use_artifact("mnist:best")           # in another run: lineage recorded
    >>> folder = data.download()                          # ./artifacts/mnist:v0

Files are hashed (SHA-256) and staged when added (``staging.py``); the store keeps each content
once (``media/ab/<sha256>``), so a file shared by several versions is stored once, and logging
the same content again returns the version that already holds it.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from heron import records as r
from heron.artifacts import manifest
from heron.artifacts.staging import (
    copy_into,
    sha256_of,
    stage_bytes,
    stage_file,
    stage_files,
)
from heron.errors import NotFound, UsageError, ValueRejected
from heron.media.base import Media

if TYPE_CHECKING:
    from heron.store.artifact_queries import ArtifactInfo


@dataclass
class ArtifactEntry:
    """One file of an artifact: ``path`` inside it, ``size``, ``digest`` (SHA-256 of the content,
    None for an unchecked reference) and ``ref`` for a reference (``file://``, ``s3://``)."""

    path: str
    size: int
    digest: str | None
    ref: str | None = None
    media: str | None = None
    staged: Path | None = None
    _artifact: Artifact | None = None

    def download(self, root: str | Path | None = None) -> str:
        """Write this file under ``root`` (the artifact's default folder); its path."""
        if self._artifact is None:
            raise UsageError("this entry belongs to no logged artifact")
        folder = Path(root) if root is not None else self._artifact._default_root()
        target = folder / self.path
        self._artifact._fetch(self, target)
        return str(target)


class Artifact:
    """A versioned set of files, logged by a run and used by others (W&B's ``Artifact``)."""

    def __init__(self, name: str, type: str, description: str | None = None,
                 metadata: dict[str, Any] | None = None) -> None:
        for value, what in ((name, "artifact name"), (type, "artifact type")):
            problem = manifest.name_problem(value, what)
            if problem is not None:
                raise ValueRejected(problem)
        if metadata is not None and not isinstance(metadata, dict):
            raise ValueRejected(f"metadata must be a dict, not {type(metadata).__name__}")
        self._name = name
        self.type = type
        self.description = description
        self.metadata: dict[str, Any] = dict(metadata or {})
        self._entries: dict[str, ArtifactEntry] = {}
        self._aliases: list[str] = []
        self._info: ArtifactInfo | None = None
        self._store: Any = None
        self._run: Any = None
        self._logged_digest: str | None = None

    # -- building ------------------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._run is not None or self._info is not None:
            raise UsageError(f"artifact {self.name} is logged and can no longer change; make a "
                             "new Artifact for a new version")

    def _put(self, entry: ArtifactEntry, overwrite: bool) -> ArtifactEntry:
        problem = manifest.entry_path_problem(entry.path)
        if problem is not None:
            raise ValueRejected(problem)
        if entry.path in self._entries and not overwrite:
            raise ValueRejected(f"artifact {self.name} already has {entry.path!r}; pass "
                                "overwrite=True to replace it")
        entry._artifact = self
        self._entries[entry.path] = entry
        return entry

    def add_file(self, local_path: str | Path, name: str | None = None, is_tmp: bool = False,
                 overwrite: bool = False, policy: str = "mutable") -> ArtifactEntry:
        """Add one file, under ``name`` (default: its file name). It is read and staged now."""
        return self._add_file(local_path, name, overwrite)

    def _add_file(self, local_path: str | Path, name: str | None, overwrite: bool
                  ) -> ArtifactEntry:
        self._check_open()
        source = Path(local_path)
        if not source.is_file():
            raise ValueRejected(f"{source} is not a file")
        staged = stage_file(source)
        path = name or source.name
        return self._put(ArtifactEntry(path, staged.size, staged.sha256, staged=staged.path,
                                       media=_media_path(staged.sha256)), overwrite)

    def add_dir(self, local_path: str | Path, name: str | None = None,
                policy: str = "mutable") -> None:
        """Add every file under a folder, keeping its layout, under the prefix ``name``."""
        self._check_open()
        root = Path(local_path)
        if not root.is_dir():
            raise ValueRejected(f"{root} is not a folder")
        sources = sorted(p for p in root.rglob("*") if p.is_file())
        prefix = f"{name.rstrip('/')}/" if name else ""
        for source, staged in zip(sources, stage_files(sources), strict=True):
            path = prefix + source.relative_to(root).as_posix()
            self._put(ArtifactEntry(path, staged.size, staged.sha256, staged=staged.path,
                                    media=_media_path(staged.sha256)), True)

    @contextlib.contextmanager
    def new_file(self, name: str, mode: str = "x", encoding: str | None = None
                 ) -> Iterator[IO[Any]]:
        """Write a new file straight into the artifact: ``with art.new_file("a.txt") as f:``."""
        self._check_open()
        if name in self._entries:
            raise ValueRejected(f"artifact {self.name} already has {name!r}")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "new"
            with path.open(mode.replace("x", "w"), encoding=encoding) as f:
                yield f
            self.add_file(path, name)

    def add(self, obj: Media, name: str, overwrite: bool = False) -> ArtifactEntry:
        """Add a media object (``heron.Table``, ``Image``...) as ``name`` plus its type's
        suffix (``preds`` -> ``preds.table.json``), as W&B stores it."""
        self._check_open()
        if not isinstance(obj, Media):
            raise ValueRejected(f"add() takes a heron media object (Table, Image...), not "
                                f"{type(obj).__name__}; use add_file for files")
        collector = _Collector()
        reference = obj.to_json(collector)
        main = reference.get("path")
        added: ArtifactEntry | None = None
        for rel, data in collector.files.items():
            staged = stage_bytes(data)
            suffix = rel[len("media/") + 3 + 64:]
            path = (name if name.endswith(suffix) else name + suffix) if rel == main else rel
            entry = self._put(ArtifactEntry(path, staged.size, staged.sha256,
                                            staged=staged.path, media=_media_path(staged.sha256)),
                              overwrite)
            added = entry if rel == main else added
        if added is None:  # a value with no file of its own: its JSON is the file
            data = json.dumps(reference).encode()
            staged = stage_bytes(data)
            added = self._put(ArtifactEntry(name + ".json", staged.size, staged.sha256,
                                            staged=staged.path, media=_media_path(staged.sha256)),
                              overwrite)
        return added

    def add_reference(self, uri: str, name: str | None = None, checksum: bool = True,
                      max_objects: int | None = None) -> list[ArtifactEntry]:
        """Point at files kept elsewhere (``file://``, ``s3://``...) without storing them. A
        ``file://`` folder adds each file under it; with ``checksum`` each file's SHA-256 is
        kept, so ``verify`` notices a change."""
        self._check_open()
        if not uri.startswith(manifest.REFERENCE_SCHEMES):
            raise ValueRejected(f"reference {uri!r} must start with one of "
                                f"{', '.join(manifest.REFERENCE_SCHEMES)}")
        if not uri.startswith("file://"):
            path = name or uri.rstrip("/").rsplit("/", 1)[-1]
            return [self._put(ArtifactEntry(path, 0, None, ref=uri), True)]
        local = Path(uri[len("file://"):])
        files = [local] if local.is_file() else sorted(p for p in local.rglob("*") if p.is_file())
        if not files:
            raise ValueRejected(f"reference {uri!r} names no file")
        if max_objects is not None and len(files) > max_objects:
            raise ValueRejected(f"reference {uri!r} holds {len(files)} files, over "
                                f"max_objects={max_objects}")
        added = []
        for source in files:
            inside = source.name if local.is_file() else source.relative_to(local).as_posix()
            path = (name or inside) if local.is_file() else (
                f"{name.rstrip('/')}/{inside}" if name else inside)
            added.append(self._put(ArtifactEntry(
                path, source.stat().st_size, sha256_of(source) if checksum else None,
                ref=source.resolve().as_uri()), True))
        return added

    def remove(self, item: str | ArtifactEntry) -> None:
        """Remove a file (or every file under a folder path) before the artifact is logged."""
        self._check_open()
        path = item.path if isinstance(item, ArtifactEntry) else str(item).rstrip("/")
        gone = [p for p in self._entries if p == path or p.startswith(path + "/")]
        if not gone:
            raise NotFound(f"artifact {self.name} has no {path!r}")
        for p in gone:
            del self._entries[p]

    # -- reading -------------------------------------------------------------------------------
    @property
    def manifest_entries(self) -> dict[str, ArtifactEntry]:
        self._load_entries()
        return dict(self._entries)

    def files(self) -> list[ArtifactEntry]:
        """The artifact's entries, by path."""
        return [self.manifest_entries[p] for p in sorted(self.manifest_entries)]

    def get_entry(self, name: str) -> ArtifactEntry:
        found = self.manifest_entries.get(name)
        if found is None:
            raise NotFound(f"artifact {self.name} has no file {name!r}")
        return found

    get_path = get_entry

    def get(self, name: str) -> Any:
        """The media object or JSON stored as ``name`` (``art.get("preds")`` finds
        ``preds.table.json``): a table reads back as its JSON (columns and data)."""
        entries = self.manifest_entries
        path = next((p for p in (name, f"{name}.table.json", f"{name}.json") if p in entries),
                    None)
        if path is None:
            raise NotFound(f"artifact {self.name} has no {name!r}")
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / "f"
            self._fetch(entries[path], target)
            return json.loads(target.read_text())

    def download(self, root: str | Path | None = None, skip_cache: bool | None = None,
                 path_prefix: str | None = None) -> str:
        """Write every file (under ``path_prefix`` only, if given) into ``root`` (default
        ``./artifacts/<name>:v<N>``); the folder. Files already there with the right content
        are not written again."""
        folder = Path(root) if root is not None else self._default_root()
        for entry in self.files():
            if path_prefix is None or entry.path.startswith(path_prefix):
                target = folder / entry.path
                if entry.digest is None or not target.is_file() or \
                        sha256_of(target) != entry.digest:
                    self._fetch(entry, target)
        return str(folder)

    def checkout(self, root: str | Path | None = None) -> str:
        """``download`` and remove every file under ``root`` that is not in the artifact."""
        folder = Path(self.download(root))
        keep = {folder / e.path for e in self.files()}
        for path in sorted(folder.rglob("*"), reverse=True):
            if path.is_file() and path not in keep:
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        return str(folder)

    def verify(self, root: str | Path | None = None) -> None:
        """``ValueError`` naming each file under ``root`` that is missing, changed or extra."""
        folder = Path(root) if root is not None else self._default_root()
        entries = self.manifest_entries
        problems = []
        for entry in entries.values():
            target = folder / entry.path
            if not target.is_file():
                problems.append(f"{entry.path} is missing")
            elif entry.digest is not None and sha256_of(target) != entry.digest:
                problems.append(f"{entry.path} differs from the logged content")
        extra = [p.relative_to(folder).as_posix() for p in folder.rglob("*")
                 if p.is_file() and p.relative_to(folder).as_posix() not in entries]
        problems.extend(f"{p} is not part of the artifact" for p in sorted(extra))
        if problems:
            raise ValueError(f"{folder} does not match artifact {self.name}: "
                             + "; ".join(problems))

    # -- identity ------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """``name:vN`` once stored, else the plain name."""
        return f"{self._name}:v{self._info.version}" if self._info else self._name

    @property
    def source_name(self) -> str:
        return self.name

    @property
    def collection_name(self) -> str:
        return self._name

    @property
    def version(self) -> str:
        if self._info is None:
            raise UsageError(f"artifact {self._name} has no version until it is logged and "
                             "stored: call wait() after log_artifact")
        return f"v{self._info.version}"

    @property
    def qualified_name(self) -> str:
        info = self._stored()
        prefix = f"{info.entity}/" if info.entity else ""
        return f"{prefix}{info.project}/{self.name}"

    @property
    def id(self) -> str | None:
        return str(self._info.id) if self._info else None

    @property
    def digest(self) -> str:
        if self._info is not None:
            return self._info.digest
        return manifest.digest_of(self._records())

    @property
    def size(self) -> int:
        return sum(e.size for e in self.manifest_entries.values())

    @property
    def file_count(self) -> int:
        return len(self.manifest_entries)

    @property
    def created_at(self) -> float | None:
        return self._info.created_at if self._info else None

    @property
    def aliases(self) -> list[str]:
        return self._aliases

    @aliases.setter
    def aliases(self, value: list[str]) -> None:
        for alias in value:
            problem = manifest.alias_problem(alias)
            if problem is not None and alias != "latest":
                raise ValueRejected(problem)
        self._aliases = list(value)

    @property
    def state(self) -> str:
        return "COMMITTED" if self._info else ("PENDING" if self._run else "DRAFT")

    def __repr__(self) -> str:
        return f"<Artifact {self.name} type={self.type} files={len(self._entries)}>"

    # -- after logging -------------------------------------------------------------------------
    def wait(self, timeout: float | None = None) -> Artifact:
        """Block until the logged artifact is stored; then ``version`` and ``aliases`` are
        known. ``TimeoutError`` when it is not stored within ``timeout`` seconds (default 60)."""
        if self._info is not None:
            return self
        if self._run is None:
            raise UsageError(f"artifact {self._name} was not logged: call "
                             "run.log_artifact(artifact) first")
        limit = 60.0 if timeout is None else timeout
        deadline = time.monotonic() + limit
        self._run._flush_writer(limit)
        if self._store is None:
            from heron.sdk.artifacts import reader

            self._store = reader(self._run)
        while True:
            with self._store.artifact_session() as s:
                found = [v for v in s.versions(self._run.entity or "", self._run.project,
                                               self._name) if v.digest == self._logged_digest]
                kinds = {c.type for c in s.collections(self._run.entity or "", self._run.project)
                         if c.name == self._name}
            if kinds and self.type not in kinds:
                raise ValueRejected(f"artifact {self._name} is a {kinds.pop()!r} in project "
                                    f"{self._run.project}, not a {self.type!r}: it was not "
                                    "logged; use another name")
            if found:
                self._bind(found[0], self._store)
                return self
            if time.monotonic() > deadline:
                raise TimeoutError(f"artifact {self._name} was not stored within {limit:g} s")
            time.sleep(0.05)

    def save(self) -> None:
        """Store edits of ``description``, ``metadata`` and ``aliases`` of a stored version."""
        info = self._stored()
        with self._store.artifact_session(write=True) as s:
            s.edit(info.id, description=self.description, metadata=self.metadata,
                   aliases=self._aliases)
            fresh = s.by_id(info.id)
        if fresh is not None:
            self._bind(fresh, self._store)

    def delete(self, delete_aliases: bool = False) -> None:
        """Delete this version; refused while it has aliases unless ``delete_aliases``."""
        info = self._stored()
        with self._store.artifact_session(write=True) as s:
            s.delete(info.id, delete_aliases=delete_aliases)

    def logged_by(self) -> Any:
        """The run that logged this version (``heron.Api``'s Run), or None once deleted."""
        info = self._stored()
        if info.run_pk is None:
            return None
        from heron.api.run import Run

        run = self._store.run_by_pk(info.run_pk)
        return None if run is None else Run(self._store, run)

    def used_by(self) -> list[Any]:
        """The runs that used this version, in the order they did."""
        from heron.api.run import Run

        info = self._stored()
        with self._store.artifact_session() as s:
            pks = s.users_of(info.id)
        runs = [self._store.run_by_pk(pk) for pk in pks]
        return [Run(self._store, run) for run in runs if run is not None]

    # -- internals -----------------------------------------------------------------------------
    def _stored(self) -> ArtifactInfo:
        if self._info is None:
            if self._run is not None:
                self.wait()
            else:
                raise UsageError(f"artifact {self._name} is not logged yet")
        assert self._info is not None
        return self._info

    def _bind(self, info: ArtifactInfo, store: Any) -> None:
        self._info, self._store = info, store
        self._name = info.name
        self.type, self.description = info.type, info.description
        self.metadata = dict(info.metadata)
        self._aliases = list(info.aliases)
        self._entries = {}

    @classmethod
    def _from_store(cls, info: ArtifactInfo, store: Any) -> Artifact:
        art = cls.__new__(cls)
        Artifact.__init__(art, info.name, info.type)
        art._bind(info, store)
        return art

    def _load_entries(self) -> None:
        if self._info is None or self._entries:
            return
        with self._store.artifact_session() as s:
            files = s.entries(self._info.id)
        self._entries = {f.path: ArtifactEntry(f.path, f.size, f.sha256, ref=f.ref,
                                               media=f.media, _artifact=self) for f in files}

    def _records(self) -> list[r.ArtifactEntry]:
        return [r.ArtifactEntry(path=e.path, size=e.size, sha256=e.digest, media=e.media,
                                ref=e.ref) for e in self._entries.values()]

    def _default_root(self) -> Path:
        return Path("artifacts") / self.name

    def _fetch(self, entry: ArtifactEntry, target: Path) -> None:
        """Copy the entry's content to ``target``, from the store or where it refers."""
        if entry.staged is not None:
            copy_into(entry.staged, target)
        elif entry.ref is not None:
            _fetch_reference(entry.ref, target)
        elif entry.media is not None and self._store is not None:
            self._store.copy_media(entry.media, target)
        else:
            raise NotFound(f"the content of {entry.path!r} is not available")
        if entry.digest is not None and sha256_of(target) != entry.digest:
            target.unlink(missing_ok=True)
            raise ValueError(f"{entry.path} of artifact {self.name} does not match its logged "
                             "SHA-256 (changed at its source?)")


class _Collector:
    """A ``MediaWriter`` that keeps what a media object writes (for ``Artifact.add``)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def put(self, data: bytes, suffix: str) -> str:
        import hashlib

        rel = f"media/{hashlib.sha256(data).hexdigest()[:2]}/" \
              f"{hashlib.sha256(data).hexdigest()}{suffix}"
        self.files[rel] = data
        return rel


def _media_path(sha256: str) -> str:
    return f"media/{sha256[:2]}/{sha256}"


def _fetch_reference(ref: str, target: Path) -> None:
    if ref.startswith("file://"):
        from urllib.parse import unquote, urlparse

        copy_into(Path(unquote(urlparse(ref).path)), target)
        return
    if ref.startswith("s3://"):
        try:
            import boto3
        except ImportError:
            raise UsageError(f"downloading {ref} needs boto3: pip install 'heron[s3]'") from None
        bucket, _, key = ref[len("s3://"):].partition("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        boto3.client("s3").download_file(bucket, key, str(target))
        return
    if ref.startswith(("http://", "https://")):
        import httpx

        target.parent.mkdir(parents=True, exist_ok=True)
        with httpx.stream("GET", ref, timeout=60, follow_redirects=True) as response:
            response.raise_for_status()
            with target.open("wb") as out:
                for chunk in response.iter_bytes():
                    out.write(chunk)
        return
    raise UsageError(f"Heron cannot download the reference {ref}")
