"""Images: every input form W&B accepts, stored as content-addressed files with W&B's JSON."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image as PILImage

from heron.errors import ValueRejected
from heron.media import Image, _pixels

from .conftest import CountingWriter, stored_files

RNG = np.random.default_rng(42)


def decoded(writer: CountingWriter, out: dict[str, Any]) -> np.ndarray:
    """The pixels a viewer of the stored file would see."""
    with PILImage.open(writer.root / out["path"]) as img:
        return np.asarray(img)


def rgb(h: int = 6, w: int = 5) -> np.ndarray:
    return RNG.integers(0, 256, size=(h, w, 3), dtype=np.uint8)


# -- JSON and files ---------------------------------------------------------------------------


def test_numpy_rgb_image_is_stored_as_png_with_wandb_json(writer: CountingWriter) -> None:
    pixels = rgb(6, 5)
    out = Image(pixels).to_json(writer)
    data = (writer.root / out["path"]).read_bytes()
    assert out == {
        "_type": "image-file",
        "path": out["path"],
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "format": "png",
        "width": 5,
        "height": 6,
    }
    assert out["path"].endswith(".png")
    assert data.startswith(b"\x89PNG")
    np.testing.assert_array_equal(decoded(writer, out), pixels)
    json.dumps(out, allow_nan=False)


def test_caption_grouping_and_classes_appear_only_when_given(writer: CountingWriter) -> None:
    classes = [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]
    out = Image(rgb(), caption="a cat", grouping=2, classes=classes).to_json(writer)
    assert out["caption"] == "a cat"
    assert out["grouping"] == 2
    assert out["classes"] == classes
    plain = Image(rgb()).to_json(writer)
    assert "caption" not in plain and "grouping" not in plain and "classes" not in plain


def test_same_pixels_are_stored_once(writer: CountingWriter) -> None:
    pixels = rgb()
    a = Image(pixels).to_json(writer)
    b = Image(pixels.copy(), caption="again").to_json(writer)
    assert a["path"] == b["path"]
    assert len(stored_files(writer.root)) == 1


def test_to_json_is_memoised_so_the_file_is_written_once(writer: CountingWriter) -> None:
    image = Image(rgb())
    assert image.to_json(writer) is image.to_json(writer)
    assert len(writer.calls) == 1


def test_construction_only_copies_encoding_waits_for_to_json(
    writer: CountingWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    encodes: list[str] = []
    real_encode = _pixels.encode

    def counting_encode(image: Any, fmt: str, mode: str | None = None) -> bytes:
        encodes.append(fmt)
        return real_encode(image, fmt, mode)

    monkeypatch.setattr(_pixels, "encode", counting_encode)
    image = Image(np.zeros((64, 64, 3), np.uint8))
    assert encodes == [] and writer.calls == []
    image.to_json(writer)
    assert encodes == ["PNG"]
    assert writer.calls == [(writer.calls[0][0], ".png")]


def test_later_changes_to_the_input_do_not_change_the_image(writer: CountingWriter) -> None:
    pixels = rgb()
    original = pixels.copy()
    image = Image(pixels)
    pixels[:] = 0
    np.testing.assert_array_equal(decoded(writer, image.to_json(writer)), original)


# -- numpy shapes and dtypes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "expected_shape"),
    [
        ((6, 5), (6, 5)),
        ((6, 5, 1), (6, 5)),
        ((6, 5, 3), (6, 5, 3)),
        ((6, 5, 4), (6, 5, 4)),
        ((1, 6, 5), (6, 5)),
        ((3, 6, 5), (6, 5, 3)),
        ((4, 6, 5), (6, 5, 4)),
        ((1, 6, 5, 3), (6, 5, 3)),
    ],
)
def test_numpy_layouts(
    writer: CountingWriter, shape: tuple[int, ...], expected_shape: tuple[int, ...]
) -> None:
    pixels = RNG.integers(0, 256, size=shape, dtype=np.uint8)
    out = Image(pixels).to_json(writer)
    got = decoded(writer, out)
    assert got.shape == expected_shape
    assert (out["height"], out["width"]) == (6, 5)
    if len(shape) == 3 and shape[0] in (1, 3, 4) and shape[-1] not in (1, 3, 4):
        expected = np.moveaxis(pixels, 0, -1).reshape(expected_shape)
    else:
        expected = pixels.reshape(expected_shape)
    np.testing.assert_array_equal(got, expected)


def test_last_axis_wins_when_both_ends_could_be_channels(writer: CountingWriter) -> None:
    pixels = RNG.integers(0, 256, size=(3, 7, 4), dtype=np.uint8)  # H=3, W=7, RGBA
    out = Image(pixels).to_json(writer)
    assert (out["height"], out["width"]) == (3, 7)
    np.testing.assert_array_equal(decoded(writer, out), pixels)


def test_floats_in_unit_range_are_scaled_to_255(writer: CountingWriter) -> None:
    pixels = RNG.random((4, 4, 3))
    got = decoded(writer, Image(pixels).to_json(writer))
    np.testing.assert_array_equal(got, (pixels * 255).astype(np.uint8))


def test_floats_in_minus_one_to_one_are_mapped_onto_0_255(writer: CountingWriter) -> None:
    pixels = np.array([[-1.0, 0.0], [0.5, 1.0]], dtype=np.float32)
    got = decoded(writer, Image(pixels).to_json(writer))
    np.testing.assert_array_equal(got, [[0, 127], [191, 255]])


def test_floats_beyond_one_are_clipped_and_nan_is_zero(writer: CountingWriter) -> None:
    pixels = np.array([[-5.0, 17.9], [300.0, np.nan]])
    got = decoded(writer, Image(pixels).to_json(writer))
    np.testing.assert_array_equal(got, [[0, 17], [255, 0]])


def test_normalize_false_only_clips(writer: CountingWriter) -> None:
    pixels = np.array([[0.0, 0.5], [1.0, 1.0]])
    got = decoded(writer, Image(pixels, normalize=False).to_json(writer))
    np.testing.assert_array_equal(got, [[0, 0], [1, 1]])


@pytest.mark.parametrize(
    ("pixels", "expected"),
    [
        (np.array([[0, 1], [2, 255]], dtype=np.uint8), [[0, 1], [2, 255]]),
        (np.array([[-3, 1], [300, 7]], dtype=np.int16), [[0, 1], [255, 7]]),
        (np.array([[0, 1], [1, 0]], dtype=np.int64), [[0, 1], [1, 0]]),
        (np.array([[True, False], [False, True]]), [[255, 0], [0, 255]]),
    ],
    ids=["uint8-kept", "int16-clipped", "int64-small-kept", "bool"],
)
def test_integer_and_bool_pixels(
    writer: CountingWriter, pixels: np.ndarray, expected: list[list[int]]
) -> None:
    np.testing.assert_array_equal(decoded(writer, Image(pixels).to_json(writer)), expected)


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (np.zeros((5, 5, 5), np.uint8), r"shape \(5, 5, 5\)"),
        (np.zeros((5, 5, 2), np.uint8), r"shape \(5, 5, 2\)"),
        (np.zeros((2, 5, 5, 3), np.uint8), r"shape \(2, 5, 5, 3\)"),
        (np.zeros(5, np.uint8), r"shape \(5,\)"),
        (np.zeros((0, 5), np.uint8), "height 0"),
        (np.zeros((5, 5), np.complex64), "dtype complex64"),
        (np.array([["a", "b"]]), "dtype <U1"),
        (np.zeros((5, 5), dtype=object), "dtype object"),
        ({"pixels": 1}, "cannot use a dict"),
        (np.zeros((1, 70000), np.uint8), "65500"),
    ],
)
def test_bad_arrays_are_rejected_naming_shape_or_dtype(value: Any, match: str) -> None:
    with pytest.raises(ValueRejected, match=match):
        Image(value)


def test_bad_mode_and_file_type_are_rejected() -> None:
    with pytest.raises(ValueRejected, match="mode 'XYZ'"):
        Image(rgb(), mode="XYZ")
    with pytest.raises(ValueRejected, match=r"file_type 'tiff'.*png, jpg, jpeg, bmp, gif"):
        Image(rgb(), file_type="tiff")


def test_mode_converts_the_stored_image(writer: CountingWriter) -> None:
    out = Image(rgb(), mode="L").to_json(writer)
    assert decoded(writer, out).ndim == 2


@pytest.mark.parametrize(
    ("file_type", "pil_format"),
    [("jpg", "JPEG"), ("jpeg", "JPEG"), ("bmp", "BMP"), ("gif", "GIF"), ("png", "PNG")],
)
def test_file_types(writer: CountingWriter, file_type: str, pil_format: str) -> None:
    pixels = RNG.integers(0, 256, size=(8, 9, 4), dtype=np.uint8)
    out = Image(pixels, file_type=file_type).to_json(writer)
    assert out["format"] == file_type
    assert out["path"].endswith("." + file_type)
    with PILImage.open(writer.root / out["path"]) as img:
        assert img.format == pil_format
        assert img.size == (9, 8)


# -- torch ----------------------------------------------------------------------------------


def test_torch_chw_float_tensor(writer: CountingWriter) -> None:
    t = torch.rand(3, 6, 5, generator=torch.Generator().manual_seed(0))
    out = Image(t).to_json(writer)
    assert (out["height"], out["width"]) == (6, 5)
    expected = (t.permute(1, 2, 0).numpy() * 255).astype(np.uint8)
    np.testing.assert_array_equal(decoded(writer, out), expected)


@pytest.mark.parametrize(
    "tensor",
    [
        torch.randint(0, 256, (1, 6, 5), dtype=torch.uint8),
        torch.randint(0, 256, (6, 5), dtype=torch.uint8),
        torch.randint(0, 256, (4, 6, 5), dtype=torch.uint8),
    ],
    ids=["1hw", "hw", "4hw"],
)
def test_torch_uint8_tensors_are_kept(writer: CountingWriter, tensor: torch.Tensor) -> None:
    out = Image(tensor).to_json(writer)
    expected = tensor.numpy() if tensor.ndim == 2 else tensor.permute(1, 2, 0).numpy()
    np.testing.assert_array_equal(decoded(writer, out), expected.squeeze())


def test_torch_tensor_with_grad_and_half_precision(writer: CountingWriter) -> None:
    t = torch.rand(3, 4, 4, requires_grad=True)
    out = Image(t.half() * 1).to_json(writer)
    assert (out["width"], out["height"]) == (4, 4)
    Image(t.bfloat16()).to_json(writer)


def test_torch_tensor_is_copied(writer: CountingWriter) -> None:
    t = torch.full((3, 4, 4), 200, dtype=torch.uint8)
    image = Image(t)
    t.zero_()
    assert int(decoded(writer, image.to_json(writer)).min()) == 200


def test_bad_torch_tensors() -> None:
    with pytest.raises(ValueRejected, match=r"shape \(2, 4, 5\)"):
        Image(torch.zeros(2, 4, 5))
    with pytest.raises(ValueRejected, match="complex"):
        Image(torch.zeros(3, 4, 4, dtype=torch.complex64))


# -- PIL, files, matplotlib -------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "P", "1", "CMYK"])
def test_pil_images(writer: CountingWriter, mode: str) -> None:
    pil = PILImage.fromarray(rgb(6, 5)).convert(mode)
    out = Image(pil).to_json(writer)
    assert (out["width"], out["height"]) == (5, 6)
    with PILImage.open(writer.root / out["path"]) as img:
        if mode == "CMYK":  # PNG cannot hold CMYK: stored as RGB
            assert img.mode == "RGB"
        else:
            assert img.mode == mode
            np.testing.assert_array_equal(np.asarray(img), np.asarray(pil))


def test_pil_image_is_copied(writer: CountingWriter) -> None:
    pil = PILImage.new("RGB", (4, 4), (10, 20, 30))
    image = Image(pil)
    pil.paste((0, 0, 0), (0, 0, 4, 4))
    assert decoded(writer, image.to_json(writer))[0, 0].tolist() == [10, 20, 30]


def test_file_path_bytes_are_stored_as_they_are(writer: CountingWriter, tmp_path: Path) -> None:
    src = tmp_path / "photo.JPG"
    PILImage.fromarray(rgb(10, 12)).save(src, format="JPEG", quality=70)
    out = Image(src, caption="from disk").to_json(writer)
    data = src.read_bytes()
    assert out["sha256"] == hashlib.sha256(data).hexdigest()
    assert out["size"] == len(data)
    assert out["format"] == "jpg"
    assert out["path"].endswith(".jpg")
    assert (out["width"], out["height"]) == (12, 10)
    assert (writer.root / out["path"]).read_bytes() == data
    assert Image(str(src)).to_json(writer)["path"] == out["path"]


def test_bad_paths_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueRejected, match="cannot read the file"):
        Image(tmp_path / "missing.png")
    not_image = tmp_path / "notes.png"
    not_image.write_text("hello")
    with pytest.raises(ValueRejected, match=r"notes\.png"):
        Image(not_image)


def test_copy_of_another_image_keeps_pixels_and_caption(writer: CountingWriter) -> None:
    first = Image(rgb(), caption="one")
    second = Image(first)
    assert second.to_json(writer)["caption"] == "one"
    assert second.to_json(writer)["path"] == first.to_json(writer)["path"]
    assert Image(first, caption="two").to_json(writer)["caption"] == "two"
    as_jpg = Image(first, file_type="jpg")
    assert Image(as_jpg).to_json(writer)["format"] == "jpg"


def test_matplotlib_figure_is_rendered_to_png(writer: CountingWriter) -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1.5), dpi=50)
    ax.plot([0, 1, 2], [1, 0, 1])
    try:
        out = Image(fig).to_json(writer)
        assert (out["width"], out["height"]) == (100, 75)
        assert out["format"] == "png"
        with PILImage.open(writer.root / out["path"]) as img:
            assert img.format == "PNG"
        assert Image(ax).to_json(writer)["path"] == out["path"]
        assert Image(fig, file_type="jpg").to_json(writer)["format"] == "jpg"
    finally:
        plt.close(fig)


def test_image_property_gives_pil_pixels() -> None:
    pixels = rgb()
    np.testing.assert_array_equal(np.asarray(Image(pixels).image), pixels)
    buf = io.BytesIO()
    PILImage.fromarray(pixels).save(buf, format="PNG")
    assert Image(pixels).file_bytes() == buf.getvalue()
