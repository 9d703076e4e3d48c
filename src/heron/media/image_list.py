"""Lists of images logged under one key: W&B's ``images/separated`` value."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from heron.errors import ValueRejected
from heron.media.base import Media, MediaWriter
from heron.media.image import Image

logger = logging.getLogger(__name__)


class ImageList(Media):
    """Several ``Image`` values logged together (``log({"samples": [Image(...), ...]})``).

    As in W&B, at most ``Image.MAX_ITEMS`` (108) images are kept (the rest are dropped with a
    warning), and ``width``/``height``/``format`` in the JSON are those of the first image.
    """

    def __init__(self, images: Sequence[Image]) -> None:
        images = list(images)
        if not images or not all(isinstance(i, Image) for i in images):
            raise ValueRejected("ImageList needs a non-empty list of heron.media.Image values")
        if len(images) > Image.MAX_ITEMS:
            logger.warning(
                "Only %d images will be stored of the %d logged under one key",
                Image.MAX_ITEMS,
                len(images),
            )
            images = images[: Image.MAX_ITEMS]
        self.images = images

    def _to_json(self, writer: MediaWriter) -> dict[str, Any]:
        jsons = [image.to_json(writer) for image in self.images]
        first = jsons[0]
        if any((j["width"], j["height"]) != (first["width"], first["height"]) for j in jsons):
            logger.warning(
                "Images logged together differ in size; width and height record the first image's"
            )
        out: dict[str, Any] = {
            "_type": "images/separated",
            "width": first["width"],
            "height": first["height"],
            "format": first["format"],
            "count": len(jsons),
            "filenames": [j["path"] for j in jsons],
        }
        if any(image.caption is not None for image in self.images):
            out["captions"] = [image.caption for image in self.images]
        if any("masks" in j for j in jsons):
            out["all_masks"] = [j.get("masks") for j in jsons]
        if any("boxes" in j for j in jsons):
            out["all_boxes"] = [j.get("boxes") for j in jsons]
        return out

    def __repr__(self) -> str:
        return f"ImageList({len(self.images)} images)"


def as_media_list(value: Sequence[Any]) -> Media | None:
    """The media value for a list logged under one key, or None when it is not a media list.

    Today only lists whose every element is an ``Image`` qualify (W&B's ``images/separated``).
    """
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, Image) for v in value):
        return ImageList(value)
    return None


def media_list_json(items: Sequence[Any], writer: MediaWriter) -> dict[str, Any] | None:
    """The JSON of ``as_media_list(items)``, or None when ``items`` is not a media list."""
    media = as_media_list(items)
    return None if media is None else media.to_json(writer)
