"""Bounding boxes and masks on images, in W&B's structure, validated with clear errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image as PILImage

from heron.errors import ValueRejected
from heron.media import Image

from .conftest import CountingWriter

PIXELS = np.zeros((4, 6, 3), np.uint8)  # H=4, W=6


def test_boxes_are_kept_in_the_json(writer: CountingWriter) -> None:
    boxes = {
        "predictions": {
            "box_data": [
                {
                    "position": {"minX": 0.1, "maxX": 0.5, "minY": 0.2, "maxY": 0.6},
                    "class_id": 1,
                    "box_caption": "cat 0.9",
                    "scores": {"conf": np.float32(0.5)},
                },
                {
                    "position": {"middle": [3, 2], "width": 2, "height": np.int64(1)},
                    "domain": "pixel",
                    "class_id": np.int64(2),
                },
            ],
            "class_labels": {1: "cat", 2: "dog"},
        }
    }
    out = Image(PIXELS, boxes=boxes).to_json(writer)
    assert out["boxes"] == {
        "predictions": {
            "box_data": [
                {
                    "position": {"minX": 0.1, "maxX": 0.5, "minY": 0.2, "maxY": 0.6},
                    "class_id": 1,
                    "box_caption": "cat 0.9",
                    "scores": {"conf": 0.5},
                },
                {
                    "position": {"middle": [3, 2], "width": 2, "height": 1},
                    "domain": "pixel",
                    "class_id": 2,
                },
            ],
            "class_labels": {"1": "cat", "2": "dog"},
        }
    }
    assert type(out["boxes"]["predictions"]["box_data"][1]["class_id"]) is int


def test_boxes_without_labels_get_wandb_default_labels(writer: CountingWriter) -> None:
    box = {"position": {"minX": 0, "maxX": 1, "minY": 0, "maxY": 1}, "class_id": 3}
    out = Image(PIXELS, boxes={"gt": {"box_data": [box]}}).to_json(writer)
    assert out["boxes"]["gt"]["class_labels"] == {"3": "class_3"}


GOOD_POSITION = {"minX": 0, "maxX": 1, "minY": 0, "maxY": 1}


@pytest.mark.parametrize(
    ("boxes", "match"),
    [
        ([1], '"boxes" must be a dict'),
        ({"gt": [1]}, r"boxes\['gt'\] must be a dict with \"box_data\""),
        ({"gt": {"box_data": {}}}, "must be a list"),
        ({"gt": {"box_data": [{"class_id": 1}]}}, "position"),
        ({"gt": {"box_data": [{"position": {"minX": 0}, "class_id": 1}]}}, "minX"),
        (
            {"gt": {"box_data": [{"position": {"middle": [1], "width": 1, "height": 1}}]}},
            "middle",
        ),
        ({"gt": {"box_data": [{"position": GOOD_POSITION}]}}, "class_id"),
        ({"gt": {"box_data": [{"position": GOOD_POSITION, "class_id": 1.5}]}}, "integer"),
        (
            {"gt": {"box_data": [{"position": GOOD_POSITION, "class_id": 1, "domain": "x"}]}},
            "domain",
        ),
        (
            {"gt": {"box_data": [{"position": GOOD_POSITION, "class_id": 1, "box_caption": 3}]}},
            "box_caption",
        ),
        (
            {"gt": {"box_data": [{"position": GOOD_POSITION, "class_id": 1, "scores": [1]}]}},
            "scores",
        ),
        (
            {
                "gt": {
                    "box_data": [
                        {"position": {**GOOD_POSITION, "maxX": float("nan")}, "class_id": 1}
                    ]
                }
            },
            "finite",
        ),
        (
            {"gt": {"box_data": [], "class_labels": {"cat": 1}}},
            "class_labels",
        ),
    ],
)
def test_bad_boxes_are_rejected_with_the_reason(boxes: Any, match: str) -> None:
    with pytest.raises(ValueRejected, match=match):
        Image(PIXELS, boxes=boxes)


def test_masks_are_stored_as_their_own_png(writer: CountingWriter) -> None:
    mask = np.arange(24, dtype=np.int64).reshape(4, 6) % 3
    out = Image(
        PIXELS, masks={"pred": {"mask_data": mask, "class_labels": {0: "bg", 1: "a"}}}
    ).to_json(writer)
    entry = out["masks"]["pred"]
    assert set(entry) == {"_type", "path", "sha256", "size", "format", "class_labels"}
    assert entry["_type"] == "mask"
    assert entry["format"] == "png"
    assert entry["class_labels"] == {"0": "bg", "1": "a"}
    assert entry["path"].endswith(".mask.png")
    assert entry["path"] != out["path"]
    with PILImage.open(writer.root / entry["path"]) as img:
        np.testing.assert_array_equal(np.asarray(img), mask)
    assert entry["size"] == (writer.root / entry["path"]).stat().st_size


def test_mask_without_labels_gets_wandb_default_labels(writer: CountingWriter) -> None:
    mask = torch.tensor([[0, 2, 2, 0, 0, 0]] * 4)
    out = Image(PIXELS, masks={"gt": {"mask_data": mask}}).to_json(writer)
    assert out["masks"]["gt"]["class_labels"] == {"0": "class_0", "2": "class_2"}


def test_mask_data_is_copied(writer: CountingWriter) -> None:
    mask = np.ones((4, 6), np.uint8)
    image = Image(PIXELS, masks={"gt": {"mask_data": mask}})
    mask[:] = 0
    entry = image.to_json(writer)["masks"]["gt"]
    with PILImage.open(writer.root / entry["path"]) as img:
        assert np.asarray(img).min() == 1


@pytest.mark.parametrize(
    ("masks", "match"),
    [
        ([1], '"masks" must be a dict'),
        ({"gt": np.zeros((4, 6))}, "mask_data"),
        ({"gt": {"mask_data": np.zeros((4, 6, 1), int)}}, r"2-D.*\(4, 6, 1\)"),
        ({"gt": {"mask_data": np.zeros((6, 4), int)}}, r"shape \(6, 4\).*4 x 6"),
        ({"gt": {"mask_data": np.zeros((4, 6), np.float32)}}, "dtype float32"),
        ({"gt": {"mask_data": np.full((4, 6), 256)}}, "between 0 and 255"),
        ({"gt": {"mask_data": np.full((4, 6), -1)}}, "between 0 and 255"),
        ({"gt": {"mask_data": np.zeros((4, 6), int), "class_labels": {0: 5}}}, "string name"),
    ],
)
def test_bad_masks_are_rejected_with_the_reason(masks: Any, match: str) -> None:
    with pytest.raises(ValueRejected, match=match):
        Image(PIXELS, masks=masks)


def test_bad_classes_are_rejected() -> None:
    with pytest.raises(ValueRejected, match="classes"):
        Image(PIXELS, classes={"id": 1})  # type: ignore[arg-type]
    with pytest.raises(ValueRejected, match=r"classes\[0\]"):
        Image(PIXELS, classes=[{"id": 1}])
