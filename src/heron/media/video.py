"""``Video``: frames checked and copied in the training loop, encoded to GIF later by the writer."""

from __future__ import annotations

import hashlib
import io
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heron.errors import ValueRejected
from heron.media._convert import is_torch_tensor, plain_finite_number, type_name
from heron.media.base import Media, MediaWriter

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

FORMATS = ("gif", "mp4", "webm", "ogg")
"""The container formats W&B accepts for a video."""

_ENCODED_FORMATS = ("gif",)
"""What Heron encodes frames into itself (Pillow writes GIF; the others need ffmpeg)."""

DEFAULT_FPS = 4


class Video(Media):
    """A video for ``log()``, like ``wandb.Video``.

    ``data_or_path`` is a numpy array (or torch tensor) of frames shaped ``(time, channels,
    height, width)`` or ``(batch, time, channels, height, width)`` with 1, 3 or 4 channels, a
    file path (``.gif``, ``.mp4``, ``.webm``, ``.ogg``), or an open binary file (then
    ``format`` names its container). Frames are clipped to 0-255 and stored as uint8, as W&B
    casts them; a batch is tiled into one grid of videos. Building one only checks and copies
    the frames: the GIF is encoded when ``to_json`` runs, on Heron's writer thread.

    Example:
        >>> frames = np.random.randint(0, 256, (16, 3, 64, 64), dtype=np.uint8)
        >>> heron.log({"rollout": heron.Video(frames, fps=8, caption="episode 3")})
    """

    _frames: np.ndarray | None
    _file: bytes | None

    def __init__(
        self,
        data_or_path: Any,
        caption: str | None = None,
        fps: int | None = None,
        format: str | None = None,
    ) -> None:
        self._frames = None  # private (batch, time, channels, height, width) uint8 copy
        self._file = None  # the bytes of a file or stream, stored as they are
        self._width: int | None = None
        self._height: int | None = None
        self._caption = None if caption is None else str(caption)
        self._fps = _check_fps(fps)
        if isinstance(data_or_path, (str, os.PathLike)):
            self._init_from_path(os.fspath(data_or_path), format)
        elif hasattr(data_or_path, "read"):
            self.format = _check_format(format, "an open file", required=True)
            data = data_or_path.read()
            if not isinstance(data, bytes):
                raise ValueRejected(
                    f"Video read {type_name(data)} from the file object; open it in binary "
                    "mode ('rb') or pass io.BytesIO"
                )
            self._file = data
        else:
            self.format = _check_format(format, "frames", required=False)
            if self.format not in _ENCODED_FORMATS:
                raise ValueRejected(
                    f"Video format {self.format!r} needs an ffmpeg encoder, which Heron does not "
                    f"bundle; log frames with format='gif' (the default), or encode the file "
                    f"yourself and pass its path"
                )
            self._frames = _frames_of(data_or_path)
            batch, _, _, height, width = self._frames.shape
            rows, cols = _grid(batch)
            self._height, self._width = rows * height, cols * width

    def _init_from_path(self, path: str, format: str | None) -> None:
        ext = os.path.splitext(path)[1][1:].lower()
        if ext not in FORMATS:
            raise ValueRejected(
                f"Video file {path!r} has the extension {ext!r}; accepted: {', '.join(FORMATS)}"
            )
        if format is not None and format != ext:
            raise ValueRejected(
                f"Video format {format!r} does not match the file {path!r}; leave format out"
            )
        try:
            self._file = Path(path).read_bytes()
        except OSError as exc:
            raise ValueRejected(
                f"Video cannot read the file {path!r}: {exc.strerror or exc}"
            ) from None
        self.format = ext

    @property
    def caption(self) -> str | None:
        return self._caption

    def file_bytes(self) -> bytes:
        """The bytes of the video file that ``to_json`` stores (a GIF is encoded on each call)."""
        if self._file is not None:
            return self._file
        assert self._frames is not None
        return _encode_gif(_tile(self._frames), self._fps)

    def _to_json(self, writer: MediaWriter) -> dict[str, Any]:
        data = self.file_bytes()
        out: dict[str, Any] = {
            "_type": "video-file",
            "path": writer.put(data, "." + self.format),
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
        }
        if self._width is not None and self._height is not None:  # W&B: only for frames
            out["width"] = self._width
            out["height"] = self._height
        if self._caption is not None:
            out["caption"] = self._caption
        return out

    def __repr__(self) -> str:
        size = f"{self._width}x{self._height}, " if self._width is not None else ""
        return f"Video({size}format={self.format!r})"


def _check_fps(fps: Any) -> float:
    if fps is None:
        return DEFAULT_FPS
    value = plain_finite_number(fps, "Video fps")
    if value <= 0:
        raise ValueRejected(f"Video fps must be above 0, got {fps!r}")
    return float(value)


def _check_format(format: Any, source: str, required: bool) -> str:
    if format is None:
        if required:
            raise ValueRejected(
                f"Video needs format= ({', '.join(FORMATS)}) when built from {source}"
            )
        return "gif"
    if not isinstance(format, str) or format.lower() not in FORMATS:
        raise ValueRejected(f"Video format {format!r} is not one of {', '.join(FORMATS)}")
    return format.lower()


def _frames_of(data: Any) -> np.ndarray:
    """A private ``(batch, time, channels, height, width)`` uint8 copy of ``data``."""
    import numpy as np

    if is_torch_tensor(data):
        data = data.detach().cpu().numpy()
    elif hasattr(data, "numpy") and not isinstance(data, np.ndarray):  # TF eager tensors
        data = data.numpy()
    try:
        array = np.asarray(data)
    except (TypeError, ValueError) as exc:
        raise ValueRejected(
            f"Video cannot use a {type_name(data)} ({exc}); pass frames as a numpy array, a "
            "tensor or a file path"
        ) from None
    if array.ndim not in (4, 5):
        raise ValueRejected(
            f"Video frames must be shaped (time, channels, height, width) or (batch, time, "
            f"channels, height, width), got shape {tuple(array.shape)}"
        )
    if array.ndim == 4:
        array = array[np.newaxis]
    channels = array.shape[2]
    if channels not in (1, 3, 4):
        hint = (" (the channels look last: use array.transpose(0, 3, 1, 2))"
                if array.shape[-1] in (1, 3, 4) else "")
        raise ValueRejected(
            f"Video frames have {channels} channels in shape {tuple(array.shape)}; the channel "
            f"axis comes after time and must hold 1, 3 or 4{hint}"
        )
    if 0 in array.shape:
        raise ValueRejected(f"Video frames are empty: shape {tuple(array.shape)}")
    if array.dtype.kind not in "biuf":
        raise ValueRejected(
            f"Video frames have dtype {array.dtype}; accepted: integers, floats or bools (0-255)"
        )
    if array.dtype == np.uint8:
        return array.copy()
    _warn_cast(array.dtype)
    clipped = np.nan_to_num(np.clip(array, 0, 255), nan=0.0) if array.dtype.kind == "f" else (
        np.clip(array, 0, 255))
    return clipped.astype(np.uint8)


_cast_warned = False


def _warn_cast(dtype: Any) -> None:
    global _cast_warned
    if not _cast_warned:
        _cast_warned = True
        logger.warning(
            "heron.Video: frames of dtype %s are clipped to 0-255 and stored as uint8, as W&B "
            "does; scale floats in [0, 1] by 255 first", dtype)


def _grid(batch: int) -> tuple[int, int]:
    """Rows and columns of W&B's grid for ``batch`` videos: the batch padded to a power of
    two, half of its doublings as rows (1 -> 1x1, 3 -> 1x4, 5 -> 2x4)."""
    padded = 1 << (batch - 1).bit_length()
    rows = 1 << ((batch.bit_length() - 1) // 2)
    return rows, padded // rows


def _tile(frames: np.ndarray) -> np.ndarray:
    """``(time, height, width, channels)`` frames of the batch laid out as W&B's grid."""
    import numpy as np

    batch, time, channels, height, width = frames.shape
    rows, cols = _grid(batch)
    if rows * cols > batch:  # blank videos fill the grid
        blank = np.zeros((rows * cols - batch, time, channels, height, width), np.uint8)
        frames = np.concatenate([frames, blank])
    grid = frames.reshape(rows, cols, time, channels, height, width)
    return grid.transpose(2, 0, 4, 1, 5, 3).reshape(time, rows * height, cols * width, channels)


def _encode_gif(frames: np.ndarray, fps: float) -> bytes:
    """An endlessly looping GIF of ``(time, height, width, channels)`` uint8 frames."""
    from PIL import Image as PILImage

    gray = frames.shape[-1] == 1
    images = [PILImage.fromarray(f[..., 0] if gray else f) for f in frames]
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:],
                   duration=round(1000 / fps), loop=0)
    return buf.getvalue()
