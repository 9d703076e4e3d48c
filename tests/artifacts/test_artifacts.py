"""``heron.Artifact`` as a W&B user drives it, on the embedded store: build, log, version,
alias, use, download, verify, lineage and edits."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import heron
from heron.errors import Conflict, NotFound, ValueRejected


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("alpha")
    (folder / "sub" / "b.bin").write_bytes(os.urandom(3000))
    return folder


def _stored_files(heron_dir: Path) -> set[Path]:
    return {p for p in (heron_dir / "media").rglob("*") if p.is_file()} \
        if (heron_dir / "media").exists() else set()


def _dataset(data: Path) -> heron.Artifact:
    art = heron.Artifact("mnist", type="dataset", description="digits", metadata={"rows": 2})
    art.add_dir(data, name="raw")
    with art.new_file("notes.txt") as f:
        f.write("hand written")
    art.add(heron.Table(columns=["x", "y"], data=[[1, 2.5], [3, 4.5]]), "sample")
    return art


def test_log_version_alias_and_use_with_lineage(data: Path, tmp_path: Path,
                                                heron_dir: Path) -> None:
    with heron.init(project="arts") as maker:
        art = maker.log_artifact(_dataset(data), aliases=["best"]).wait()
        assert (art.name, art.version, art.aliases) == ("mnist:v0", "v0", ["best", "latest"])
        assert sorted(e.path for e in art.files()) == [
            "notes.txt", "raw/a.txt", "raw/sub/b.bin", "sample.table.json"]
        stored = _stored_files(heron_dir)

        again = maker.log_artifact(_dataset(data)).wait()  # same content: same version
        assert again.version == "v0" and _stored_files(heron_dir) == stored

        (data / "a.txt").write_text("changed")
        changed = maker.log_artifact(_dataset(data), aliases=["best"]).wait()
        assert changed.version == "v1" and changed.aliases == ["best", "latest"]
        assert len(_stored_files(heron_dir) - stored) == 1  # only the changed file is new

    with heron.init(project="arts") as user:
        best = user.use_artifact("mnist:best", type="dataset")
        first = heron.use_artifact("arts/mnist:v0")
        folder = Path(best.download(tmp_path / "out"))
        assert (folder / "raw" / "a.txt").read_text() == "changed"
        best.verify(folder)
        assert best.get("sample") == {"columns": ["x", "y"], "data": [[1, 2.5], [3, 4.5]]}
        assert (best.metadata, best.description, best.type) == ({"rows": 2}, "digits",
                                                               "dataset")
        assert first.aliases == []

    api = heron.Api()
    assert [a.name for a in api.run(f"arts/{user.id}").used_artifacts()] == [
        "mnist:v1", "mnist:v0"]
    assert [a.name for a in api.run(f"arts/{maker.id}").logged_artifacts()] == [
        "mnist:v0", "mnist:v1"]
    stored_v1 = api.artifact("arts/mnist:latest")
    assert stored_v1.logged_by().id == maker.id
    assert [r.id for r in stored_v1.used_by()] == [user.id]
    assert [a.version for a in api.artifacts("dataset", "arts/mnist")] == ["v1", "v0"]
    assert [t.name for t in api.artifact_types("arts")] == ["dataset"]
    assert [c.name for c in api.artifact_collections("arts", "dataset")] == ["mnist"]


def test_download_verify_and_checkout(data: Path, tmp_path: Path) -> None:
    with heron.init(project="arts") as run:
        run.log_artifact(_dataset(data))
    art = heron.Api().artifact("arts/mnist")
    folder = Path(art.download(tmp_path / "copy"))
    (folder / "raw" / "a.txt").write_text("tampered")
    (folder / "extra.txt").write_text("x")
    with pytest.raises(ValueError, match=r"raw/a.txt differs.*extra.txt is not part"):
        art.verify(folder)
    art.checkout(folder)
    art.verify(folder)
    assert (folder / "raw" / "a.txt").read_text() == "alpha"
    assert art.get_entry("raw/a.txt").download(tmp_path / "one") == str(
        tmp_path / "one" / "raw" / "a.txt")


def test_references_models_edits_and_deletes(data: Path, tmp_path: Path) -> None:
    with heron.init(project="arts") as run:
        refs = heron.Artifact("raw-refs", type="dataset")
        refs.add_reference(data.as_uri(), name="ext")
        run.log_artifact(refs)
        weights = tmp_path / "model.pt"
        weights.write_bytes(b"\x00weights")
        model = heron.log_model(str(weights), name="net", aliases=["prod"])
        assert model.wait().type == "model"
    with heron.init(project="arts") as user:
        path = Path(heron.use_model("net:prod"))
        assert (path / "model.pt").read_bytes() == b"\x00weights"
        linked = user.use_artifact("raw-refs")
        out = Path(linked.download(tmp_path / "refs"))
        assert (out / "ext" / "a.txt").read_text() == "alpha"  # fetched from where it points
        (data / "a.txt").write_text("moved on")
        with pytest.raises(ValueError, match="does not match its logged SHA-256"):
            linked.download(tmp_path / "refs2")

    art = heron.Api().artifact("arts/net:prod")
    art.description, art.aliases = "small net", ["prod", "stable"]
    art.metadata["acc"] = 0.9
    art.save()
    again = heron.Api().artifact("arts/net:stable")
    assert (again.description, again.metadata, again.aliases) == (
        "small net", {"acc": 0.9}, ["latest", "prod", "stable"])
    with pytest.raises(Conflict, match="has aliases"):
        again.delete()
    again.delete(delete_aliases=True)
    with pytest.raises(NotFound, match="no artifact net:latest"):
        heron.Api().artifact("arts/net")


def test_bad_input_is_refused_naming_it(data: Path) -> None:
    with pytest.raises(ValueRejected, match="artifact name 'my data' is not valid"):
        heron.Artifact("my data", type="dataset")
    art = heron.Artifact("ok", type="dataset")
    with pytest.raises(ValueRejected, match="is not a file"):
        art.add_file(data / "missing.txt")
    art.add_file(data / "a.txt")
    with pytest.raises(ValueRejected, match=r"already has 'a\.txt'"):
        art.add_file(data / "a.txt")
    art.remove("a.txt")
    with pytest.raises(NotFound, match=r"has no 'a\.txt'"):
        art.remove("a.txt")
    with heron.init(project="arts") as run:
        with pytest.raises(ValueRejected, match="alias 'v1' is reserved"):
            run.log_artifact(art, aliases=["v1"])
        with pytest.raises(NotFound, match="no artifact ok:nope"):
            run.use_artifact("ok:nope")
        other = heron.Artifact("ok", type="dataset")
        other.add_file(data / "a.txt")
        run.log_artifact(other).wait()
        clash = heron.Artifact("ok", type="model")
        clash.add_file(data / "a.txt")
        with pytest.raises(ValueRejected, match=r"is a 'dataset'.*not a 'model'"):
            run.log_artifact(clash).wait()
        run.log({"still": 1})
    assert heron.Api().run(f"arts/{run.id}").summary["still"] == 1
