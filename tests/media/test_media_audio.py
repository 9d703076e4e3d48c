"""Audio: samples written as 16-bit PCM WAV (by the stdlib ``wave`` module, on the writer thread)
byte for byte as W&B's soundfile writes them, files stored as they are, W&B's JSON."""

from __future__ import annotations

import io
import re
import wave
from pathlib import Path

import numpy as np
import pytest
import torch

from heron.errors import ValueRejected
from heron.media import Audio
from tests.media.scripts.media_cases import tone
from tests.media.wandb_reference import content_path, heron_stored, wandb_stored, without_path

from .conftest import CountingWriter

KEYS = ["audio", "audio_int16", "audio_stereo", "audio_list"]


def read_wav(data: bytes) -> tuple[int, int, np.ndarray]:
    """(channels, sample rate, (frames, channels) int16 samples) of a WAV file."""
    with wave.open(io.BytesIO(data)) as wav:
        samples = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
        return wav.getnchannels(), wav.getframerate(), samples.reshape(-1, wav.getnchannels())


def test_logged_audio_stores_the_json_and_wav_that_wandb_stores(heron_dir: Path) -> None:
    reference = wandb_stored()
    stored = heron_stored(KEYS)
    for key in KEYS:
        ours, theirs = stored[key], reference["values"][key]
        # The same samples and header as libsndfile writes: sha256 and size agree too.
        assert without_path(ours) == without_path(theirs), key
    for key in ("audio", "audio_int16", "audio_stereo"):
        ours = stored[key]
        assert ours["path"] == content_path(ours, ".wav")
        assert (heron_dir / ours["path"]).read_bytes() == bytes.fromhex(reference["files"][key])
    assert stored["audio"]["caption"] == "a tone"
    # a list: W&B's "audio", with each clip's rate and length, and "" for missing captions
    clips = stored["audio_list"]
    assert (clips["sampleRates"], clips["durations"], clips["captions"]) == \
        ([8000, 4000], [0.1, 0.1], ["", "half"])


def test_floats_fill_the_16_bit_range_and_are_clipped_past_it(writer: CountingWriter) -> None:
    out = Audio([0.0, 0.5, -0.5, 1.0, -1.0, 3.0, -3.0], sample_rate=100).to_json(writer)
    channels, rate, samples = read_wav((writer.root / out["path"]).read_bytes())
    assert (channels, rate) == (1, 100)
    assert samples.ravel().tolist() == [0, 16384, -16384, 32767, -32768, 32767, -32768]


def test_int16_int32_stereo_and_tensor_samples(writer: CountingWriter) -> None:
    ints = np.array([0, 1000, -1000], np.int16)
    assert read_wav(Audio(ints, 8000).file_bytes())[2].ravel().tolist() == [0, 1000, -1000]
    wide = np.array([0, 1000 << 16, -(1000 << 16)], np.int32)
    assert read_wav(Audio(wide, 8000).file_bytes())[2].ravel().tolist() == [0, 1000, -1000]
    stereo = np.stack([tone(100), -tone(100)], axis=1)
    channels, _, samples = read_wav(Audio(stereo, 8000).file_bytes())
    assert channels == 2 and samples.shape == (100, 2)
    assert np.abs(samples[:, 0].astype(int) + samples[:, 1]).max() <= 1  # one rounds down
    tensor = Audio(torch.from_numpy(tone()), sample_rate=8000)
    assert tensor.file_bytes() == Audio(tone(), sample_rate=8000).file_bytes()
    assert tensor.duration == 0.1 and tensor.sample_rate == 8000


def test_building_converts_now_and_encoding_waits_for_to_json(writer: CountingWriter) -> None:
    samples = tone()
    audio = Audio(samples, sample_rate=8000)
    expected = Audio(samples.copy(), sample_rate=8000).file_bytes()
    samples[:] = 0
    assert writer.calls == []
    out = audio.to_json(writer)
    assert (writer.root / out["path"]).read_bytes() == expected
    assert audio.to_json(writer) is out and len(writer.calls) == 1


def test_audio_files_are_stored_as_they_are(writer: CountingWriter, tmp_path: Path) -> None:
    path = tmp_path / "clip.flac"
    path.write_bytes(b"fLaC\x00\x00\x00\x22")
    out = Audio(path, caption="from disk").to_json(writer)
    assert out == {"_type": "audio-file", "path": content_path(out, ".flac"),
                   "sha256": out["sha256"], "size": 8, "caption": "from disk"}


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Audio(tone()), "needs sample_rate="),
    (lambda: Audio(tone(), sample_rate=0), "sample_rate must be a positive number"),
    (lambda: Audio(tone(), sample_rate=-8000), "got -8000"),
    (lambda: Audio(tone(), sample_rate=44.1), "sample_rate must be an integer"),
    (lambda: Audio(np.zeros((2, 16000)), sample_rate=16000), "pass array.T"),
    (lambda: Audio(np.zeros((2, 3, 4)), sample_rate=16000), "got shape (2, 3, 4)"),
    (lambda: Audio(np.zeros(0), sample_rate=16000), "empty"),
    (lambda: Audio(np.array([0.1, np.nan]), sample_rate=16000), "NaN"),
    (lambda: Audio(np.arange(10), sample_rate=16000), "dtype int64"),
    (lambda: Audio("missing.wav"), "cannot read the file 'missing.wav'"),
])
def test_bad_input_is_refused_with_a_message_naming_it(make: object, message: str) -> None:
    with pytest.raises(ValueRejected, match=re.escape(message)):
        make()  # type: ignore[operator]
