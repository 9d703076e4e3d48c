"""A run's files as W&B lists them: logged media under W&B's names, the files W&B writes for
every run, and downloads that give the real bytes, from the local store and through a server."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image as PILImage

import heron
from heron import records as r
from heron.errors import ValueRejected
from heron.media.base import DirectoryMediaWriter
from heron.store import open_store
from heron.store.file_listing import media_name, upload_safe_key

SHADES = [10, 50, 90]


def log_media_run(project: str = "media", table: bool = True) -> str:
    """A W&B-style script: three images, a list of two, a table, a config and a print."""
    run = heron.init(project=project, config={"lr": 0.1, "opt": {"name": "adam"}},
                     settings=heron.Settings(system_sample_seconds=0, console="wrap"))
    print("epoch 0 done")
    for step, shade in enumerate(SHADES):
        pixels = np.full((4, 6, 3), shade, dtype=np.uint8)
        heron.log({"loss": 1.0 / (step + 1), "examples": heron.Image(pixels, caption=f"s{step}")})
    heron.log({"val/batch": [heron.Image(np.zeros((2, 2, 3), dtype=np.uint8)),
                             heron.Image(np.full((2, 2, 3), 255, dtype=np.uint8))]})
    if table:
        heron.log({"preds": heron.Table(columns=["x", "y"], data=[[1, "a"], [2, "b"]])})
    heron.finish()
    return run.id


HASH = "[0-9a-f]{20}"
# What W&B 0.31 lists for the same script (media names: <key>_<step>_<sha256[:20]><ext>).
EXPECTED_NAMES = [
    "config.yaml",
    f"media/images/examples_0_{HASH}\\.png",
    f"media/images/examples_1_{HASH}\\.png",
    f"media/images/examples_2_{HASH}\\.png",
    f"media/images/val/batch_3_{HASH}\\.png",
    f"media/images/val/batch_3_{HASH}\\.png",
    f"media/table/preds_4_{HASH}\\.table\\.json",
    "output.log",
    "wandb-metadata.json",
    "wandb-summary.json",
]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_logged_images_are_listed_under_wandb_names_and_download_as_images(
    tmp_path: Path,
) -> None:
    run = heron.Api().run(f"media/{log_media_run()}")

    images = [f for f in run.files() if f.name.startswith("media/images/examples_")]

    assert len(images) == len(SHADES)
    for step, (file, shade) in enumerate(zip(images, SHADES)):
        path = file.download(root=str(tmp_path / "dl"))
        data = path.read_bytes()
        assert path == tmp_path / "dl" / file.name
        assert file.name == f"media/images/examples_{step}_{sha(data)[:20]}.png"
        assert (file.size, file.sha256) == (len(data), sha(data))
        with PILImage.open(path) as image:
            assert image.size == (6, 4) and image.getpixel((0, 0))[:3] == (shade,) * 3
    # The name alone is enough, as in W&B: run.file("media/images/examples_1_<hash>.png").
    one = run.file(images[1].name).download(root=str(tmp_path / "one"))
    assert one.read_bytes() == (tmp_path / "dl" / images[1].name).read_bytes()


def test_every_file_follows_wandb_layout_and_downloads_its_content(tmp_path: Path) -> None:
    run = heron.Api().run(f"media/{log_media_run()}")
    root = tmp_path / "all"

    files = run.files()
    paths = {f.name: f.download(root=str(root)) for f in files}

    assert len(files) == len(EXPECTED_NAMES)
    for file, pattern in zip(files, EXPECTED_NAMES):
        assert re.fullmatch(pattern, file.name), (file.name, pattern)
        assert paths[file.name].stat().st_size == file.size
        assert sha(paths[file.name].read_bytes()) == file.sha256
    shades = set()
    for name, path in paths.items():
        if name.startswith("media/images/val/batch_3_"):
            with PILImage.open(path) as image:
                shades.add(image.getpixel((1, 1))[0])
    assert shades == {0, 255}
    table = next(p for n, p in paths.items() if n.startswith("media/table/"))
    assert json.loads(table.read_text()) == {"columns": ["x", "y"], "data": [[1, "a"], [2, "b"]]}
    assert yaml.safe_load(paths["config.yaml"].read_text()) == {
        "lr": {"value": 0.1}, "opt": {"value": {"name": "adam"}}}
    summary = json.loads(paths["wandb-summary.json"].read_text())
    assert summary["loss"] == pytest.approx(1 / 3) and summary["preds"]["_type"] == "table-file"
    assert json.loads(paths["wandb-metadata.json"].read_text()) == run.metadata
    assert "epoch 0 done\n" in paths["output.log"].read_text()
    # Only the files W&B writes when there is nothing to show: no console, no media.
    quiet = heron.init(project="media", settings=heron.Settings(system_sample_seconds=0,
                                                                 console="off"))
    heron.finish()
    names = [f.name for f in heron.Api().run(f"media/{quiet.id}").files()]
    assert names == ["config.yaml", "wandb-metadata.json", "wandb-summary.json"]


def test_media_set_only_in_the_summary_use_the_summary_step(tmp_path: Path) -> None:
    active = heron.init(project="media", settings=heron.Settings(system_sample_seconds=0,
                                                                  console="off"))
    heron.log({"loss": 1.0})
    active.summary["best"] = heron.Image(np.full((3, 3, 3), 7, dtype=np.uint8))
    heron.finish()
    run = heron.Api().run(f"media/{active.id}")

    (best,) = [f for f in run.files() if f.name.startswith("media/")]
    data = best.download(root=str(tmp_path)).read_bytes()

    assert best.name == f"media/images/best_summary_{sha(data)[:20]}.png"
    with PILImage.open(tmp_path / best.name) as image:
        assert image.getpixel((2, 2))[:3] == (7, 7, 7)


def test_a_history_reference_path_also_names_its_file(tmp_path: Path) -> None:
    run = heron.Api().run(f"media/{log_media_run()}")
    ref = next(iter(run.scan_history(keys=["examples"])))["examples"]

    got = run.file(ref["path"]).download(root=str(tmp_path))

    assert got == tmp_path / ref["path"]
    assert sha(got.read_bytes()) == ref["sha256"]
    with PILImage.open(got) as image:
        assert image.getpixel((0, 0))[:3] == (SHADES[0],) * 3


@pytest.mark.parametrize(("key", "safe"), [
    ("examples", "examples"),
    ("val/examples", "val/examples"),
    ("/abs/key", "abs/key"),
    ("../up", "__/up"),
    ("a/./b/..", "a/_/b/__"),
    ("a.b", "a.b"),
    ("..x", "..x"),
])
def test_keys_become_file_names_as_wandb_makes_them_upload_safe(key: str, safe: str) -> None:
    digest = "ab" + "0" * 62
    assert upload_safe_key(key) == safe
    assert media_name("media/images", key, 7, f"media/ab/{digest}.png") == (
        f"media/images/{safe}_7_{digest[:20]}.png")
    # A reference whose path is not a stored media path names no file at all.
    assert media_name("media/images", key, 7, "../../etc/passwd") is None
    assert media_name("media/images", key, 7, f"media/cd/{digest}.png") is None


def test_downloads_refuse_names_that_would_leave_the_folder(
    tmp_path: Path, store_root: Path
) -> None:
    # What a client with a write key could send before the store refused it (a database
    # from then, written here behind the store's back): files named to climb out of `root`.
    store = open_store(store_root)
    stored = DirectoryMediaWriter(store.media_root).put(b"payload", ".txt")
    (store.media_root / "outside.txt").write_text("not media")
    escapes = ["../escape.txt", str(tmp_path / "absolute.txt"), "ok/../../up.txt",
               "..\\windows.txt"]
    store.write(r.Batch(project="proj", run_id="evil0001", seq=1, records=[
        r.RunStart(name="evil"), r.FileSaved("ok/inside.txt", stored, 7, sha(b"payload"))]))
    run_pk = store.get_run("proj", "evil0001").pk
    store.close()
    with sqlite3.connect(store_root / "heron.db") as db:
        db.executemany("INSERT INTO run_files (run_pk, name, path, size, sha256, updated_at) "
                       "VALUES (?, ?, ?, ?, ?, 1.0)",
                       [*[(run_pk, name, stored, 7, sha(b"payload")) for name in escapes],
                        (run_pk, "leak.txt", "media/../outside.txt", 9, "0" * 64)])
    run = heron.Api().run("proj/evil0001")
    root = tmp_path / "dl" / "root"

    for name in escapes:
        with pytest.raises(ValueRejected, match="outside"):
            run.file(name).download(root=str(root))
    with pytest.raises(ValueRejected, match="outside the media folder"):
        run.file("leak.txt").download(root=str(root))

    assert not (tmp_path / "dl" / "escape.txt").exists()
    assert not (tmp_path / "absolute.txt").exists() and not (tmp_path / "up.txt").exists()
    assert not (root / "leak.txt").exists()
    assert run.file("ok/inside.txt").download(root=str(root)).read_bytes() == b"payload"


def test_through_a_server_the_listing_and_downloads_are_the_same(
    remote: str, tmp_path: Path
) -> None:
    run_id = log_media_run(table=False)
    run = heron.Api().run(f"media/{run_id}")

    files = run.files()
    paths = {f.name: f.download(root=str(tmp_path)) for f in files}

    server_store = open_store(remote, media_root=tmp_path / "server-media")
    info = server_store.get_run("media", run_id)
    assert info is not None
    # One listing, made by the store behind the server, whichever way it is read.
    assert [(f.name, f.size, f.sha256) for f in files] == [
        (f.name, f.size, f.sha256) for f in server_store.run_files(info.pk)]
    server_store.close()
    expected = [n for n in EXPECTED_NAMES if not n.startswith("media/table/")]
    assert len(files) == len(expected)
    for file, pattern in zip(files, expected):
        assert re.fullmatch(pattern, file.name), (file.name, pattern)
        assert sha(paths[file.name].read_bytes()) == file.sha256
    examples = [n for n in paths if n.startswith("media/images/examples_")]
    for name, shade in zip(examples, SHADES):
        with PILImage.open(paths[name]) as image:
            assert image.getpixel((0, 0))[:3] == (shade,) * 3
    assert yaml.safe_load(paths["config.yaml"].read_text())["lr"] == {"value": 0.1}
    assert "epoch 0 done\n" in paths["output.log"].read_text()
    # the link names the run's entity, so it reaches this run's project (docs/server-api.md)
    assert run.file(examples[0]).url.endswith(
        f"/runs/{run_id}/files/{examples[0]}?entity={run.entity}")


def test_each_listed_file_is_found_alone_by_its_name(store_root: Path) -> None:
    # What the server does for each download: find one file without listing them all.
    active = heron.init(project="media", settings=heron.Settings(system_sample_seconds=0,
                                                                  console="wrap"))
    print("hello")
    heron.log({"a_1": heron.Image(np.zeros((2, 2, 3), dtype=np.uint8))})
    heron.log({"/abs/key": heron.Image(np.full((2, 2, 3), 9, dtype=np.uint8))})
    active.summary["../best"] = heron.Table(columns=["x"], data=[[1]])
    heron.finish()
    store = open_store(store_root)
    info = store.get_run("media", active.id)
    assert info is not None

    listed = store.run_files(info.pk)

    assert [re.sub(HASH, "H", f.name) for f in listed if f.path] == [
        "media/images/a_1_0_H.png", "media/images/abs/key_1_H.png",
        "media/table/__/best_summary_H.table.json"]
    for file in listed:
        assert store.run_file(info.pk, file.name) == file
        if file.path:
            assert store.run_file(info.pk, file.path) == file
    assert store.run_file(info.pk, f"media/images/a_1_0_{'0' * 20}.png") is None
    assert store.run_file(info.pk, f"media/images/a_{'9' * 30}_{'0' * 20}.png") is None
    assert store.run_file(info.pk, "missing.txt") is None
    store.close()


def test_masks_are_listed_beside_their_images_as_wandb_does(tmp_path: Path) -> None:
    active = heron.init(project="media", settings=heron.Settings(system_sample_seconds=0,
                                                                  console="off"))
    labels = np.array([[0, 1], [2, 1]], dtype=np.uint8)
    masked = heron.Image(np.zeros((2, 2, 3), dtype=np.uint8),
                         masks={"pred": {"mask_data": labels}})
    heron.log({"seg": masked})
    heron.log({"segs": [heron.Image(np.full((2, 2, 3), 3, dtype=np.uint8),
                                    masks={"pred": {"mask_data": labels * 2}})]})
    heron.finish()
    run = heron.Api().run(f"media/{active.id}")

    files = [f for f in run.files() if f.name.startswith("media/")]

    assert [re.sub(HASH, "H", f.name) for f in files] == [
        "media/images/mask/seg_0_H.mask.png", "media/images/mask/segs_1_H.mask.png",
        "media/images/seg_0_H.png", "media/images/segs_1_H.png"]
    for file, expected in zip(files[:2], (labels, labels * 2)):
        path = file.download(root=str(tmp_path))
        assert file.name.endswith(f"_{sha(path.read_bytes())[:20]}.mask.png")
        with PILImage.open(path) as mask:
            assert np.array_equal(np.asarray(mask), expected)
