"""``Audio``: samples checked and converted in the training loop, written as WAV by the writer."""

from __future__ import annotations

import hashlib
import io
import os
import re
import wave
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heron.errors import ValueRejected
from heron.media._convert import is_torch_tensor, plain_int, type_name
from heron.media.base import Media, MediaWriter

if TYPE_CHECKING:
    import numpy as np

MAX_CHANNELS = 16
"""More columns than this look like channels-first data (``(2, 16000)``), which is refused."""

_SAFE_SUFFIX = re.compile(r"[a-z0-9]{1,10}")


class Audio(Media):
    """An audio clip for ``log()``, like ``wandb.Audio``.

    ``data_or_path`` is a file path (stored as it is) or samples: a list, numpy array or torch
    tensor shaped ``(frames,)`` or ``(frames, channels)``, with ``sample_rate`` in Hz. Samples
    are stored as 16-bit PCM WAV, as W&B's soundfile writes them: floats in [-1, 1] fill the
    16-bit range (values past it are clipped), int16 is kept, int32 keeps its top 16 bits.

    Example:
        >>> t = np.linspace(0, 1, 16000)
        >>> heron.log({"tone": heron.Audio(np.sin(2 * np.pi * 440 * t), sample_rate=16000)})
    """

    _pcm: np.ndarray | None
    _file: bytes | None

    def __init__(
        self,
        data_or_path: Any,
        sample_rate: int | None = None,
        caption: str | None = None,
    ) -> None:
        self._caption = None if caption is None else str(caption)
        self._pcm = None  # private (frames, channels) int16 copy
        self._file = None
        self._sample_rate: int | None = None
        self._duration: float | None = None
        if isinstance(data_or_path, (str, os.PathLike)):
            path = os.fspath(data_or_path)
            try:
                self._file = Path(path).read_bytes()
            except OSError as exc:
                raise ValueRejected(
                    f"Audio cannot read the file {path!r}: {exc.strerror or exc}; pass an "
                    "existing audio file, or samples with sample_rate="
                ) from None
            ext = os.path.splitext(path)[1][1:].lower()
            self._suffix = "." + ext if _SAFE_SUFFIX.fullmatch(ext) else ".bin"
            if sample_rate is not None:
                self._sample_rate = _check_rate(sample_rate)
            return
        if sample_rate is None:
            raise ValueRejected(
                "Audio needs sample_rate= (samples per second) when built from samples"
            )
        self._sample_rate = _check_rate(sample_rate)
        self._pcm = pcm16(data_or_path)
        self._duration = len(self._pcm) / self._sample_rate
        self._suffix = ".wav"

    @property
    def caption(self) -> str | None:
        return self._caption

    @property
    def sample_rate(self) -> int | None:
        return self._sample_rate

    @property
    def duration(self) -> float | None:
        """Seconds of sound, known for samples (not for files)."""
        return self._duration

    def file_bytes(self) -> bytes:
        """The bytes of the audio file that ``to_json`` stores (WAV encoded on each call)."""
        if self._file is not None:
            return self._file
        assert self._pcm is not None and self._sample_rate is not None
        return wav_bytes(self._pcm, self._sample_rate)

    def _to_json(self, writer: MediaWriter) -> dict[str, Any]:
        data = self.file_bytes()
        out: dict[str, Any] = {
            "_type": "audio-file",
            "path": writer.put(data, self._suffix),
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
        }
        if self._caption is not None:
            out["caption"] = self._caption
        return out

    def __repr__(self) -> str:
        if self._pcm is None:
            return f"Audio(file, {len(self._file or b'')} bytes)"
        return f"Audio({self._pcm.shape[0]} frames x {self._pcm.shape[1]}, {self._sample_rate} Hz)"


def _check_rate(rate: Any) -> int:
    value = plain_int(rate, "Audio sample_rate")
    if not 1 <= value <= 1_000_000:
        raise ValueRejected(
            f"Audio sample_rate must be a positive number of samples per second (such as "
            f"16000 or 44100), got {rate!r}"
        )
    return value


def pcm16(data: Any) -> np.ndarray:
    """``data`` as a ``(frames, channels)`` int16 array, converted as libsndfile (W&B's
    soundfile) converts to 16-bit PCM.

    Example:
        >>> pcm16([0.0, 0.5, -1.0]).ravel().tolist()
        [0, 16384, -32768]
    """
    import numpy as np

    if is_torch_tensor(data):
        data = data.detach().cpu().numpy()
    try:
        array = np.asarray(data)
    except (TypeError, ValueError) as exc:
        raise ValueRejected(
            f"Audio cannot use a {type_name(data)} ({exc}); pass a 1-D or 2-D array of samples"
        ) from None
    if array.ndim == 1:
        array = array[:, np.newaxis]
    if array.ndim != 2:
        raise ValueRejected(
            f"Audio samples must be shaped (frames,) or (frames, channels), got shape "
            f"{tuple(array.shape)}"
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueRejected(f"Audio samples are empty: shape {tuple(array.shape)}")
    if array.shape[1] > MAX_CHANNELS:
        raise ValueRejected(
            f"Audio samples of shape {tuple(array.shape)} would have {array.shape[1]} channels; "
            f"the frames come first: pass array.T for (channels, frames) data"
        )
    if array.dtype.kind == "f":
        if not np.isfinite(array).all():
            raise ValueRejected("Audio samples hold NaN or infinite values")
        # libsndfile scales to 32-bit integers and keeps the top 16 bits.
        wide = np.rint(np.clip(array.astype(np.float64), -1.0, 1.0) * 2**31)
        return (np.clip(wide, -(2**31), 2**31 - 1).astype(np.int64) >> 16).astype(np.int16)
    if array.dtype == np.int16:
        return array.copy()
    if array.dtype == np.int32:
        return (array >> 16).astype(np.int16)
    raise ValueRejected(
        f"Audio samples have dtype {array.dtype}; accepted: floats in [-1, 1], int16 or int32 "
        "(as W&B's soundfile); convert others, e.g. samples.astype(np.float32) / 32768"
    )


def wav_bytes(pcm: np.ndarray, sample_rate: int) -> bytes:
    """A 16-bit PCM WAV file of ``(frames, channels)`` int16 samples."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(pcm.shape[1])
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm.astype("<i2", copy=False).tobytes())
    return buf.getvalue()
