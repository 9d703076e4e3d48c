"""Staging as ``add_file`` / ``add_dir`` do it: exact SHA-256s and copies of small files (one
read) and large ones (hashed, then copied), in parallel threads; content staged before is only
read; a file written to while it is being added is refused, naming it."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import heron
from heron.artifacts import staging
from heron.errors import ValueRejected


def _staged_files(heron_dir: Path) -> dict[Path, int]:
    folder = heron_dir / "artifacts" / "staging"
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """Small files (each read once) and two larger than the staging buffer (hashed in several
    reads, then copied), two of them with the same content."""
    folder = tmp_path / "tree"
    (folder / "deep" / "er").mkdir(parents=True)
    for i in range(40):
        (folder / f"small{i}.bin").write_bytes(os.urandom(1000 + i * 777))
    (folder / "deep" / "big.bin").write_bytes(os.urandom(staging.BUFFER * 2 + 13))
    (folder / "deep" / "er" / "exact.bin").write_bytes(os.urandom(staging.BUFFER))
    (folder / "deep" / "er" / "same.bin").write_bytes((folder / "small3.bin").read_bytes())
    (folder / "empty.txt").write_bytes(b"")
    return folder


def test_add_dir_stages_exact_copies_and_reads_known_content_only(tree: Path,
                                                                   heron_dir: Path) -> None:
    art = heron.Artifact("tree", type="dataset")
    art.add_dir(tree, name="t")
    sources = {f"t/{p.relative_to(tree).as_posix()}": p for p in tree.rglob("*") if p.is_file()}
    entries = art.manifest_entries
    assert set(entries) == set(sources)
    for path, source in sources.items():
        data = source.read_bytes()
        entry = entries[path]
        assert (entry.size, entry.digest) == (len(data), hashlib.sha256(data).hexdigest())
        assert entry.staged is not None and entry.staged.read_bytes() == data
    staged = _staged_files(heron_dir)
    assert len(staged) == len(sources) - 1  # same.bin shares small3.bin's copy

    # Changing a source after adding it leaves what was added as it was.
    kept = entries["t/small0.bin"].staged
    (tree / "small0.bin").write_bytes(b"changed afterwards")
    assert kept is not None and kept.read_bytes() != b"changed afterwards"
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == entries["t/small0.bin"].digest

    # Adding the same content again writes nothing: every staged copy is the one made before.
    again = heron.Artifact("tree", type="dataset")
    (tree / "small0.bin").unlink()
    again.add_dir(tree, name="t")
    assert _staged_files(heron_dir) == staged
    assert {p: e.digest for p, e in again.manifest_entries.items()} == {
        p: e.digest for p, e in entries.items() if p != "t/small0.bin"}


@contextmanager
def _written_meanwhile(path: Path) -> Iterator[None]:
    """Append to ``path`` without pause until the block ends (from the first append on)."""
    stop, started = threading.Event(), threading.Event()

    def append() -> None:
        with path.open("ab", buffering=0) as f:
            while not stop.is_set():
                f.write(b"x" * 512)
                started.set()

    writer = threading.Thread(target=append)
    writer.start()
    started.wait(5)
    try:
        yield
    finally:
        stop.set()
        writer.join()


@pytest.mark.parametrize("size", [1 << 20, staging.BUFFER * 6], ids=["one-read", "large"])
def test_a_file_written_while_it_is_added_is_refused_naming_it(tmp_path: Path, heron_dir: Path,
                                                              size: int) -> None:
    """Another thread appends to the file without pause while it is added. Whether an append
    falls inside one add is up to the scheduler (one read of 1 MiB takes about a
    millisecond), so the add is tried up to 30 times: it must be refused at least once, and
    an add that is not refused staged exactly the bytes it hashed."""
    growing = tmp_path / "growing.log"
    growing.write_bytes(os.urandom(size))
    refused = 0
    for _ in range(30):
        art = heron.Artifact("logs", type="dataset")
        try:
            with _written_meanwhile(growing):
                art.add_file(growing)
        except ValueRejected as exc:
            assert "growing.log changed while it was being added to the artifact" in str(exc)
            assert art.manifest_entries == {}
            refused += 1
            if refused == 3:
                break
        else:
            entry = art.manifest_entries["growing.log"]
            assert entry.staged is not None
            assert hashlib.sha256(entry.staged.read_bytes()).hexdigest() == entry.digest
    assert refused > 0
    leftovers = [p for p in (heron_dir / "artifacts" / "staging").rglob("*")
                 if p.is_file() and p.name.startswith(".")]
    assert leftovers == []
