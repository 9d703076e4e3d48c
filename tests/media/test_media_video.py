"""Videos: frames (one clip or a batch tiled into a grid) encoded as GIF on the writer thread,
files stored as they are, with W&B's ``video-file`` JSON."""

from __future__ import annotations

import io
import logging
import re
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image as PILImage

import heron
from heron.errors import ValueRejected
from heron.media import Video
from tests.media.scripts.media_cases import frames
from tests.media.wandb_reference import (
    content_path,
    heron_stored,
    same_versions,
    wandb_stored,
    without_path,
)

from .conftest import CountingWriter, stored_files


def gif_frames(data: bytes) -> tuple[list[np.ndarray], list[int]]:
    """The RGB frames of a GIF and each frame's duration in ms, as a viewer decodes them."""
    out, durations = [], []
    with PILImage.open(io.BytesIO(data)) as gif:
        for i in range(gif.n_frames):
            gif.seek(i)
            out.append(np.asarray(gif.convert("RGB")))
            durations.append(gif.info["duration"])
    return out, durations


def without_file_digest(value: Any) -> Any:
    """A reference (or list of them) less what depends on the GIF's exact bytes."""
    if isinstance(value, list):
        return [without_file_digest(v) for v in value]
    if isinstance(value, dict):
        return {k: without_file_digest(v) for k, v in value.items()
                if k not in ("path", "sha256", "size")}
    return value


def test_logged_videos_store_the_json_and_gif_that_wandb_stores(heron_dir: Path) -> None:
    reference = wandb_stored()
    keys = ["video", "video_batch", "video_list"]
    stored = heron_stored(keys)
    for ours in (stored["video"], stored["video_batch"], *stored["video_list"]["videos"]):
        assert ours["path"] == content_path(ours, ".gif")
    # Pillow writes the same GIF bytes as W&B's imageio (which uses Pillow), so even sha256
    # and size agree and only the file's name differs (seen with Pillow 11.3 in the client's
    # venv and 13.0 here). Should other Pillow versions quantise colours differently, the
    # decoded frames must still agree.
    identical = all((heron_dir / stored[k]["path"]).read_bytes()
                    == bytes.fromhex(reference["files"][k]) for k in ("video", "video_batch"))
    assert identical or not same_versions("pillow")
    for key in keys:
        ours, theirs = stored[key], reference["values"][key]
        if identical:
            assert without_path(ours) == without_path(theirs), key
        else:
            assert without_file_digest(ours) == without_file_digest(theirs), key
    for key in ("video", "video_batch"):
        ours_frames = gif_frames((heron_dir / stored[key]["path"]).read_bytes())
        theirs_frames = gif_frames(bytes.fromhex(reference["files"][key]))
        assert ours_frames[1] == theirs_frames[1]
        for a, b in zip(ours_frames[0], theirs_frames[0], strict=True):
            assert np.abs(a.astype(int) - b).max() <= 8
    assert (stored["video_batch"]["width"], stored["video_batch"]["height"]) == (40, 8)
    # a list: W&B's "videos", with captions when the first video has one
    assert stored["video_list"]["_type"] == "videos"
    assert stored["video_list"]["captions"] == ["first", None]


def test_frames_play_in_order_at_the_given_fps(writer: CountingWriter) -> None:
    clip = frames(t=5, c=3, h=6, w=7)
    out = Video(clip, fps=10, caption="walk").to_json(writer)
    assert out["caption"] == "walk" and (out["width"], out["height"]) == (7, 6)
    decoded, durations = gif_frames((writer.root / out["path"]).read_bytes())
    assert len(decoded) == 5 and durations == [100] * 5
    # GIF keeps 256 colours per frame: each pixel lands within a few levels of the original
    for got, want in zip(decoded, clip.transpose(0, 2, 3, 1), strict=True):
        assert np.abs(got.astype(int) - want).max() <= 8


def test_a_batch_is_tiled_into_a_grid_padded_with_blank_videos(writer: CountingWriter) -> None:
    batch = np.zeros((5, 2, 3, 4, 4), np.uint8)
    for b in range(5):
        batch[b] = 40 * (b + 1)
    out = Video(batch).to_json(writer)
    assert (out["width"], out["height"]) == (16, 8)  # 5 videos pad to 8: 2 rows of 4
    first = gif_frames((writer.root / out["path"]).read_bytes())[0][0][..., 0]
    cells = [int(first[r * 4, c * 4]) for r in range(2) for c in range(4)]
    assert cells == [40, 80, 120, 160, 200, 0, 0, 0]


def test_grayscale_rgba_float_and_tensor_frames(writer: CountingWriter,
                                                caplog: pytest.LogCaptureFixture) -> None:
    gray = Video(frames(c=1)).to_json(writer)  # W&B's encoder refuses one channel; Heron not
    assert len(gif_frames((writer.root / gray["path"]).read_bytes())[0]) == 4
    Video(frames(c=4)).to_json(writer)
    with caplog.at_level(logging.WARNING):
        floats = Video(np.full((2, 3, 4, 4), 300.7)).to_json(writer)
    decoded = gif_frames((writer.root / floats["path"]).read_bytes())[0]
    assert decoded[0].max() == 255  # clipped, not wrapped around
    tensor = Video(torch.from_numpy(frames())).to_json(writer)
    assert tensor["sha256"] == Video(frames()).to_json(writer)["sha256"]


def test_building_copies_the_frames_and_encoding_waits_for_to_json(
        writer: CountingWriter) -> None:
    clip = frames()
    video = Video(clip)
    before = Video(clip.copy()).to_json(writer)["sha256"]
    writer.calls.clear()
    clip[:] = 0  # the training loop reuses its buffer
    assert writer.calls == []
    out = video.to_json(writer)
    assert out["sha256"] == before and video.to_json(writer) is out
    assert len(writer.calls) == 1


def test_files_and_streams_are_stored_as_they_are(writer: CountingWriter, tmp_path: Path) -> None:
    data = Video(frames()).file_bytes()
    path = tmp_path / "clip.gif"
    path.write_bytes(data)
    out = Video(path, caption="from disk").to_json(writer)
    # as in W&B, a file's size is not probed: no width or height
    assert out == {"_type": "video-file", "path": content_path(out, ".gif"),
                   "sha256": out["sha256"], "size": len(data), "caption": "from disk"}
    mp4 = Video(io.BytesIO(b"\x00\x00\x00\x18ftypmp42"), format="mp4").to_json(writer)
    assert mp4["path"].endswith(".mp4") and mp4["size"] == 12
    assert len(stored_files(writer.root)) == 2


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Video(np.zeros((4, 8, 8))), "got shape (4, 8, 8)"),
    (lambda: Video(np.zeros((4, 8, 8, 3))), "use array.transpose(0, 3, 1, 2)"),
    (lambda: Video(np.zeros((4, 2, 8, 8))), "have 2 channels"),
    (lambda: Video(np.zeros((0, 3, 8, 8))), "empty"),
    (lambda: Video(np.full((2, 3, 4, 4), "a")), "dtype <U1"),
    (lambda: Video(frames(), format="mp4"), "needs an ffmpeg encoder"),
    (lambda: Video(frames(), format="avi"), "'avi' is not one of gif, mp4, webm, ogg"),
    (lambda: Video(frames(), fps=0), "fps must be above 0"),
    (lambda: Video(io.BytesIO(b"x")), "needs format="),
    (lambda: Video("missing.gif"), "cannot read the file 'missing.gif'"),
    (lambda: Video("clip.avi"), "has the extension 'avi'"),
])
def test_bad_input_is_refused_with_a_message_naming_it(make: object, message: str) -> None:
    with pytest.raises(ValueRejected, match=re.escape(message)):
        make()  # type: ignore[operator]


class ThreadNotingVideo(Video):
    """A Video that notes which thread encodes it."""

    threads: list[str] = []

    def file_bytes(self) -> bytes:
        ThreadNotingVideo.threads.append(threading.current_thread().name)
        return super().file_bytes()


def test_a_logged_video_is_encoded_by_the_writer_thread_not_the_training_loop() -> None:
    run = heron.init(project="threads")
    heron.log({"clip": ThreadNotingVideo(frames())})
    time.sleep(1.5)  # the writer drains the queue within about half a second
    heron.finish()
    assert ThreadNotingVideo.threads, "the video was never encoded"
    assert threading.main_thread().name not in ThreadNotingVideo.threads
    row = next(iter(heron.Api().run(f"threads/{run.id}").scan_history()))
    assert row["clip"]["_type"] == "video-file"
