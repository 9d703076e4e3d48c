"""Pixel arrays for ``Image``: validate and copy cheaply now, convert and encode later."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from heron.errors import ValueRejected
from heron.media._convert import is_numpy_value, type_name

if TYPE_CHECKING:
    import numpy as np
    from PIL.Image import Image as PILImage

# Pillow's limit on a side, as W&B enforces.
MAX_DIMENSION = 65500

# file_type value -> Pillow format name
FILE_TYPES: dict[str, str] = {
    "png": "PNG",
    "jpg": "JPEG",
    "jpeg": "JPEG",
    "bmp": "BMP",
    "gif": "GIF",
}

# Modes each format can store as they are; anything else is converted first.
_SAVABLE_MODES: dict[str, tuple[str, ...]] = {
    "PNG": ("1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"),
    "JPEG": ("L", "RGB", "CMYK"),
    "BMP": ("1", "L", "P", "RGB", "RGBA"),
    "GIF": ("1", "L", "P", "RGB", "RGBA"),
}

_CHANNELS = (1, 3, 4)


def pixels_from_tensor(value: Any) -> np.ndarray:
    """A private host copy of a torch tensor (C x H x W, or H x W), detached, on any device."""
    import torch

    tensor = value.detach()
    if tensor.is_complex() or not (
        tensor.is_floating_point() or tensor.dtype == torch.bool or _is_int_dtype(tensor.dtype)
    ):
        raise ValueRejected(
            f"Image cannot use a tensor of dtype {tensor.dtype}; accepted: bool, integer or "
            "floating point tensors"
        )
    if tensor.dtype in (torch.float16, torch.bfloat16):
        tensor = tensor.to(torch.float32)
    _check_shape(tuple(tensor.shape), channel_first=True)
    host = tensor.to("cpu", copy=True)
    return pixels_from_array(host.numpy(), channel_first=True, copied=True)


def _is_int_dtype(dtype: Any) -> bool:
    import torch

    return not dtype.is_floating_point and not dtype.is_complex and dtype != torch.bool


def as_array(value: Any) -> np.ndarray:
    """numpy view of array-like input (numpy, lists, objects with ``__array__`` or ``.numpy()``)."""
    import numpy as np

    if is_numpy_value(value) or isinstance(value, (list, tuple)) or hasattr(value, "__array__"):
        try:
            return np.asarray(value)
        except (TypeError, ValueError) as exc:
            raise ValueRejected(
                f"Image cannot read a {type_name(value)} as pixels: {exc}"
            ) from None
    if hasattr(value, "numpy"):  # TensorFlow eager tensors and the like
        return np.asarray(value.numpy())
    raise ValueRejected(
        f"Image cannot use a {type_name(value)}; accepted: a numpy array, a torch tensor, a PIL "
        "image, a matplotlib figure, a file path, or another heron Image"
    )


def pixels_from_array(arr: np.ndarray, channel_first: bool = False, copied: bool = False) -> Any:
    """Validate an array's dtype and shape and return a private C-ordered H x W or H x W x C copy.

    H x W x C is assumed when the last axis has 1, 3 or 4 entries; C x H x W when only the first
    does (or, for tensors, whenever the first does). Conversion to uint8 waits for ``to_uint8``.
    """
    import numpy as np

    if arr.dtype.kind not in "biuf":
        raise ValueRejected(
            f"Image cannot use pixels of dtype {arr.dtype}; accepted: bool, integer or floating "
            "point arrays"
        )
    _check_shape(arr.shape, channel_first)
    if arr.ndim == 4:  # a batch of one
        arr = arr[0]
    if arr.ndim == 3 and _is_channel_first(arr.shape, channel_first):
        arr = np.moveaxis(arr, 0, -1)
    out = np.ascontiguousarray(arr) if copied else np.array(arr, order="C", copy=True)
    if out.ndim == 3 and out.shape[2] == 1:
        out = out[:, :, 0]
    return out


def _is_channel_first(shape: tuple[int, ...], prefer_first: bool) -> bool:
    if prefer_first:
        return shape[0] in _CHANNELS
    return shape[-1] not in _CHANNELS and shape[0] in _CHANNELS


def _check_shape(full_shape: tuple[int, ...], channel_first: bool) -> None:
    layout = "C x H x W" if channel_first else "H x W x C"
    shape = full_shape[1:] if len(full_shape) == 4 and full_shape[0] == 1 else full_shape
    ok = len(shape) == 2 or (len(shape) == 3 and (shape[0] in _CHANNELS or shape[-1] in _CHANNELS))
    if not ok:
        raise ValueRejected(
            f"Image cannot use an array of shape {tuple(full_shape)}; accepted: H x W, {layout} or "
            f"{'H x W x C' if channel_first else 'C x H x W'} with C in 1, 3, 4 (grayscale, RGB, "
            "RGBA), optionally with a leading batch axis of size 1"
        )
    if len(shape) == 3:
        first = _is_channel_first(shape, channel_first)
        h, w = (shape[1], shape[2]) if first else (shape[0], shape[1])
    else:
        h, w = shape
    if h == 0 or w == 0 or h > MAX_DIMENSION or w > MAX_DIMENSION:
        raise ValueRejected(
            f"Image of shape {tuple(full_shape)} has height {h} and width {w}; each must be "
            f"between 1 and {MAX_DIMENSION}"
        )


def to_uint8(arr: np.ndarray, normalize: bool = True) -> np.ndarray:
    """Pixels as uint8, by W&B's rules for floats, keeping uint8 and clipping other integers.

    Floats in [0, 1] are multiplied by 255, floats in [-1, 1] are mapped onto [0, 255], other
    floats are clipped to [0, 255] (NaN counts as 0); values are rounded down. Booleans become
    0 or 255. With ``normalize=False`` floats are only clipped.
    """
    import numpy as np

    kind = arr.dtype.kind
    if arr.dtype == np.uint8:
        return arr
    if kind == "b":
        return arr.astype(np.uint8) * np.uint8(255)
    if kind in "iu":
        return np.clip(arr, 0, 255).astype(np.uint8)
    data = np.nan_to_num(arr.astype(np.float64, copy=False), nan=0.0, posinf=255.0, neginf=0.0)
    if normalize and data.size:
        lo, hi = float(data.min()), float(data.max())
        if lo >= 0.0 and hi <= 1.0:
            return (data * 255).astype(np.uint8)
        if lo >= -1.0 and hi <= 1.0:
            return (255 * 0.5 * (data + 1)).astype(np.uint8)
    return np.clip(data, 0, 255).astype(np.uint8)


def pil_from_pixels(arr: np.ndarray, normalize: bool = True) -> PILImage:
    from PIL import Image as PILImageModule

    return PILImageModule.fromarray(to_uint8(arr, normalize))


def encode(image: PILImage, pil_format: str, mode: str | None = None) -> bytes:
    """Encode a PIL image, converting its mode first when the format cannot store it."""
    if mode is not None and image.mode != mode:
        image = image.convert(mode)
    if image.mode not in _SAVABLE_MODES[pil_format]:
        has_alpha = "A" in image.mode or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha and pil_format != "JPEG" else "RGB")
    buf = io.BytesIO()
    image.save(buf, format=pil_format)
    return buf.getvalue()


def probe(data: bytes, source: str) -> tuple[int, int, str]:
    """(width, height, Pillow format) of encoded image bytes, reading only the header."""
    from PIL import Image as PILImageModule
    from PIL import UnidentifiedImageError

    try:
        with PILImageModule.open(io.BytesIO(data)) as img:
            return img.size[0], img.size[1], str(img.format or "")
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ValueRejected(f"Image cannot read {source} as an image: {exc}") from None


def is_pil_image(value: Any) -> bool:
    return type(value).__module__.startswith("PIL.") and hasattr(value, "getdata")
