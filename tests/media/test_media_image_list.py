"""A list of images under one key becomes W&B's images/separated value."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from heron.errors import ValueRejected
from heron.media import Histogram, Image, ImageList, as_media_list, media_list_json

from .conftest import CountingWriter, stored_files


def solid(value: int, h: int = 4, w: int = 5) -> np.ndarray:
    return np.full((h, w, 3), value, np.uint8)


def test_list_of_images_json(writer: CountingWriter) -> None:
    images = [Image(solid(10)), Image(solid(20)), Image(solid(10))]
    media = as_media_list(images)
    assert isinstance(media, ImageList)
    out = media.to_json(writer)
    assert out == {
        "_type": "images/separated",
        "width": 5,
        "height": 4,
        "format": "png",
        "count": 3,
        "filenames": [i.to_json(writer)["path"] for i in images],
    }
    assert out["filenames"][0] == out["filenames"][2]
    assert len(stored_files(writer.root)) == 2
    for name in out["filenames"]:
        assert (writer.root / name).is_file()


def test_captions_are_listed_when_any_image_has_one(writer: CountingWriter) -> None:
    out = media_list_json([Image(solid(1), caption="a"), Image(solid(2))], writer)
    assert out is not None
    assert out["captions"] == ["a", None]


def test_masks_and_boxes_are_listed_per_image(writer: CountingWriter) -> None:
    box = {"position": {"minX": 0, "maxX": 1, "minY": 0, "maxY": 1}, "class_id": 0}
    with_boxes = Image(solid(1), boxes={"gt": {"box_data": [box]}})
    with_mask = Image(solid(2), masks={"m": {"mask_data": np.zeros((4, 5), int)}})
    out = media_list_json([with_boxes, with_mask], writer)
    assert out is not None
    assert out["all_boxes"] == [with_boxes.to_json(writer)["boxes"], None]
    assert out["all_masks"] == [None, with_mask.to_json(writer)["masks"]]


def test_first_image_size_is_reported_when_sizes_differ(
    writer: CountingWriter, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        out = media_list_json([Image(solid(1, 4, 5)), Image(solid(1, 8, 9))], writer)
    assert out is not None
    assert (out["width"], out["height"]) == (5, 4)
    assert "differ in size" in caplog.text


def test_at_most_108_images_are_kept(caplog: pytest.LogCaptureFixture) -> None:
    image = Image(solid(0))
    with caplog.at_level(logging.WARNING):
        media = as_media_list([image] * 120)
    assert isinstance(media, ImageList)
    assert len(media.images) == Image.MAX_ITEMS == 108
    assert "Only 108 images" in caplog.text


def test_other_lists_are_not_media_lists(writer: CountingWriter) -> None:
    assert as_media_list([]) is None
    assert as_media_list([1, 2]) is None
    assert as_media_list([Image(solid(0)), 3]) is None
    assert as_media_list([Histogram([1, 2])]) is None
    assert media_list_json([1.0], writer) is None
    with pytest.raises(ValueRejected):
        ImageList([])
