"""``Image``: pixels checked and copied in the training loop, encoded later by the writer thread."""

from __future__ import annotations

import hashlib
import io
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heron.errors import ValueRejected
from heron.media import _pixels
from heron.media._annotations import Mask, check_boxes, check_classes, check_masks
from heron.media._convert import is_matplotlib_value, is_torch_tensor, plain_int, type_name
from heron.media.base import Media, MediaWriter

if TYPE_CHECKING:
    import numpy as np
    from PIL.Image import Image as PILImage

_MODES = ("1", "L", "LA", "P", "RGB", "RGBA")
_SAFE_SUFFIX = re.compile(r"[a-z0-9]{1,10}")


class Image(Media):
    """An image for ``log()``, like ``wandb.Image``.

    ``data_or_path`` may be a numpy array (H x W, H x W x C, or C x H x W with C in 1, 3, 4), a
    torch tensor (C x H x W, any device), a PIL image, a matplotlib figure, a file path, or
    another ``Image``. Building one only checks the input and copies the pixels; the file is
    encoded (PNG unless ``file_type`` says otherwise) when ``to_json`` runs.

    Floats in [0, 1] are scaled to 0-255, floats in [-1, 1] mapped onto 0-255, other floats and
    integers clipped to 0-255; uint8 is kept as it is. ``normalize=False`` only clips.
    """

    MAX_ITEMS = 108
    MAX_DIMENSION = _pixels.MAX_DIMENSION

    format: str
    _width: int
    _height: int
    _caption: str | None
    _grouping: int | None
    _classes: list[dict[str, Any]] | None

    def __init__(
        self,
        data_or_path: Any,
        mode: str | None = None,
        caption: str | None = None,
        grouping: int | None = None,
        classes: list[dict[str, Any]] | None = None,
        boxes: dict[str, dict[str, Any]] | None = None,
        masks: dict[str, dict[str, Any]] | None = None,
        file_type: str | None = None,
        normalize: bool = True,
    ) -> None:
        self._pixels: np.ndarray | None = None  # private H x W (x C) copy, any numeric dtype
        self._pil: PILImage | None = None  # private copy of a PIL input
        self._encoded: bytes | None = None  # file bytes (paths) or a rendered PNG (figures)
        self._encoded_format = ""
        self._as_is = False  # store _encoded unchanged (file paths)
        self._normalize = bool(normalize)
        self._mode = _check_mode(mode)
        self.format = _check_file_type(file_type)

        if isinstance(data_or_path, Image):
            self._copy_pixels_of(data_or_path, keep_format=file_type is None)
        elif isinstance(data_or_path, (str, os.PathLike)):
            self._init_from_path(os.fspath(data_or_path))
        elif is_torch_tensor(data_or_path):
            self._set_pixels(_pixels.pixels_from_tensor(data_or_path))
        elif _pixels.is_pil_image(data_or_path):
            self._pil = data_or_path.copy()
            self._width, self._height = data_or_path.size
        elif is_matplotlib_value(data_or_path):
            self._init_from_figure(data_or_path)
        else:
            self._set_pixels(_pixels.pixels_from_array(_pixels.as_array(data_or_path)))

        if isinstance(data_or_path, Image):  # W&B copies these unless they are given again
            caption = data_or_path._caption if caption is None else caption
            grouping = data_or_path._grouping if grouping is None else grouping
            classes = data_or_path._classes if classes is None else classes
        self._caption = None if caption is None else str(caption)
        self._grouping = None if grouping is None else plain_int(grouping, "Image grouping")
        self._classes = None if classes is None else check_classes(classes)
        self._boxes = check_boxes(boxes) if boxes else None
        self._masks: dict[str, Mask] | None = (
            check_masks(masks, self._width, self._height) if masks else None
        )

    # -- building -------------------------------------------------------------------------

    def _set_pixels(self, pixels: np.ndarray) -> None:
        self._pixels = pixels
        self._height, self._width = int(pixels.shape[0]), int(pixels.shape[1])

    def _copy_pixels_of(self, other: Image, keep_format: bool) -> None:
        # The other image's private data is never changed, so it can be shared.
        self._pixels, self._pil, self._encoded = other._pixels, other._pil, other._encoded
        self._encoded_format, self._as_is = other._encoded_format, other._as_is
        self._width, self._height = other._width, other._height
        self._normalize = other._normalize
        self._mode = self._mode or other._mode
        if other._as_is or keep_format:
            self.format = other.format

    def _init_from_path(self, path: str) -> None:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise ValueRejected(
                f"Image cannot read the file {path!r}: {exc.strerror or exc}; pass an existing "
                "image file, an array, a tensor, a PIL image or a matplotlib figure"
            ) from None
        self._width, self._height, pil_format = _pixels.probe(data, f"the file {path!r}")
        ext = os.path.splitext(path)[1][1:].lower()
        self.format = ext if _SAFE_SUFFIX.fullmatch(ext) else (pil_format.lower() or "bin")
        self._encoded, self._encoded_format, self._as_is = data, self.format, True

    def _init_from_figure(self, value: Any) -> None:
        figure = _figure_of(value)
        buf = io.BytesIO()
        figure.savefig(buf, format="png")
        data = buf.getvalue()
        self._width, self._height, _ = _pixels.probe(data, "the matplotlib figure")
        self._encoded, self._encoded_format = data, "png"

    # -- reading --------------------------------------------------------------------------

    @property
    def width(self) -> int:
        return self._width

    @property
    def height(self) -> int:
        return self._height

    @property
    def caption(self) -> str | None:
        return self._caption

    @property
    def image(self) -> PILImage:
        """The pixels as a PIL image (decoded or converted on each call)."""
        from PIL import Image as PILImageModule

        if self._pil is not None:
            return self._pil.copy()
        if self._pixels is not None:
            return _pixels.pil_from_pixels(self._pixels, self._normalize)
        assert self._encoded is not None
        image = PILImageModule.open(io.BytesIO(self._encoded))
        image.load()
        return image

    def file_bytes(self) -> bytes:
        """The bytes of the image file that ``to_json`` stores (encoded here, on each call)."""
        if self._encoded is not None and (
            self._as_is or (self._encoded_format == self.format and self._mode is None)
        ):
            return self._encoded
        return _pixels.encode(self.image, _pixels.FILE_TYPES[self.format], self._mode)

    # -- serialising ----------------------------------------------------------------------

    def _to_json(self, writer: MediaWriter) -> dict[str, Any]:
        data = self.file_bytes()
        out: dict[str, Any] = {
            "_type": "image-file",
            "path": writer.put(data, "." + self.format),
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "format": self.format,
            "width": self._width,
            "height": self._height,
        }
        if self._caption is not None:
            out["caption"] = self._caption
        if self._grouping is not None:
            out["grouping"] = self._grouping
        if self._classes is not None:
            out["classes"] = self._classes
        if self._boxes:
            out["boxes"] = self._boxes
        if self._masks:
            out["masks"] = {name: _mask_json(m, writer) for name, m in self._masks.items()}
        return out

    def __repr__(self) -> str:
        return f"Image({self._width}x{self._height}, format={self.format!r})"


def _mask_json(mask: Mask, writer: MediaWriter) -> dict[str, Any]:
    import numpy as np
    from PIL import Image as PILImageModule

    data = _pixels.encode(PILImageModule.fromarray(mask.pixels), "PNG")
    labels = mask.class_labels
    if labels is None:  # W&B's default: one label per class id present
        labels = {str(int(c)): f"class_{int(c)}" for c in np.unique(mask.pixels)}
    return {
        "_type": "mask",
        "path": writer.put(data, ".mask.png"),
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "format": "png",
        "class_labels": labels,
    }


def _check_mode(mode: Any) -> str | None:
    if mode is not None and mode not in _MODES:
        raise ValueRejected(f"Image mode {mode!r} is not supported; accepted: {', '.join(_MODES)}")
    return mode


def _check_file_type(file_type: Any) -> str:
    if file_type is None:
        return "png"
    if not isinstance(file_type, str) or file_type.lower() not in _pixels.FILE_TYPES:
        raise ValueRejected(
            f"Image file_type {file_type!r} is not supported; accepted: "
            f"{', '.join(_pixels.FILE_TYPES)}"
        )
    return file_type.lower()


def _figure_of(value: Any) -> Any:
    """The figure behind a matplotlib figure, axes, artist or the pyplot module."""
    if type(value).__name__ == "module":
        return value.gcf()
    if hasattr(value, "savefig"):
        return value
    figure = getattr(value, "figure", None)
    if figure is not None and hasattr(figure, "savefig"):
        return figure
    raise ValueRejected(
        f"Image cannot render a {type_name(value)}; pass a matplotlib Figure or Axes"
    )
