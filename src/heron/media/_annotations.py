"""Bounding boxes, masks and class lists attached to an ``Image``, in W&B's shapes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from heron.errors import ValueRejected
from heron.media._convert import (
    is_torch_tensor,
    plain_finite_number,
    plain_int,
    plain_value,
    type_name,
)

if TYPE_CHECKING:
    import numpy as np

_CORNERS = ("minX", "maxX", "minY", "maxY")
_BOX_KEYS = {"position", "class_id", "domain", "box_caption", "scores"}
_POSITION_HELP = (
    'a box "position" must be {"minX", "maxX", "minY", "maxY"} or '
    '{"middle": [x, y], "width", "height"}, all numbers'
)


def check_class_labels(labels: Any, where: str) -> dict[str, str]:
    """``{class_id: name}`` with integer ids and string names; ids become strings, as in JSON."""
    if not isinstance(labels, dict):
        raise ValueRejected(
            f"{where} class_labels must be a dict of integer class id to name, "
            f"got {type_name(labels)}"
        )
    out: dict[str, str] = {}
    for key, name in labels.items():
        class_id = plain_int(key, f"{where} class_labels key")
        if not isinstance(name, str):
            raise ValueRejected(
                f"{where} class_labels[{class_id}] must be a string name, got {type_name(name)}"
            )
        out[str(class_id)] = name
    return out


def check_boxes(boxes: Any) -> dict[str, dict[str, Any]]:
    """Validate ``{group: {"box_data": [...], "class_labels": {...}}}`` and return a plain copy.

    Groups without class_labels get W&B's default labels ``class_<id>`` for the ids they use.
    """
    if not isinstance(boxes, dict):
        raise ValueRejected(
            f'Image "boxes" must be a dict of group name to {{"box_data": [...], '
            f'"class_labels": {{...}}}}, got {type_name(boxes)}'
        )
    out: dict[str, dict[str, Any]] = {}
    for group, value in boxes.items():
        where = f"boxes[{group!r}]"
        if not isinstance(group, str):
            raise ValueRejected(
                f"box group names must be strings, got {type_name(group)} {group!r}"
            )
        if not isinstance(value, dict) or "box_data" not in value:
            raise ValueRejected(
                f'{where} must be a dict with "box_data" (a list of boxes) and optionally '
                f'"class_labels", got {type_name(value)}'
            )
        box_data = value["box_data"]
        if not isinstance(box_data, (list, tuple)):
            raise ValueRejected(f'{where}["box_data"] must be a list, got {type_name(box_data)}')
        checked = [_check_box(box, f'{where}["box_data"][{i}]') for i, box in enumerate(box_data)]
        if "class_labels" in value and value["class_labels"] is not None:
            labels = check_class_labels(value["class_labels"], where)
        else:
            ids = sorted({box["class_id"] for box in checked})
            labels = {str(i): f"class_{i}" for i in ids}
        out[group] = {"box_data": checked, "class_labels": labels}
    return out


def _check_box(box: Any, where: str) -> dict[str, Any]:
    if not isinstance(box, dict):
        raise ValueRejected(f"{where} must be a dict, got {type_name(box)}")
    out: dict[str, Any] = {"position": _check_position(box.get("position"), where)}
    if "class_id" not in box:
        raise ValueRejected(f'{where} needs an integer "class_id"')
    out["class_id"] = plain_int(box["class_id"], f"{where} class_id")
    domain = box.get("domain")
    if domain is not None:
        if domain != "pixel":
            raise ValueRejected(
                f'{where} domain must be "pixel" (pixel coordinates) or left out (coordinates '
                f"relative to the image size, 0 to 1), got {domain!r}"
            )
        out["domain"] = domain
    if box.get("box_caption") is not None:
        if not isinstance(box["box_caption"], str):
            raise ValueRejected(
                f"{where} box_caption must be a string, got {type_name(box['box_caption'])}"
            )
        out["box_caption"] = box["box_caption"]
    if box.get("scores") is not None:
        scores = box["scores"]
        if not isinstance(scores, dict):
            raise ValueRejected(f"{where} scores must be a dict, got {type_name(scores)}")
        plain_scores: dict[str, int | float] = {}
        for key, score in scores.items():
            if not isinstance(key, str):
                raise ValueRejected(f"{where} score names must be strings, got {key!r}")
            plain_scores[key] = plain_finite_number(score, f"{where} scores[{key!r}]")
        out["scores"] = plain_scores
    for key in box.keys() - _BOX_KEYS:  # extra keys pass through, as in W&B
        out[str(key)] = plain_value(box[key], f"{where}[{key!r}]")
    return out


def _check_position(position: Any, where: str) -> dict[str, Any]:
    if not isinstance(position, dict):
        raise ValueRejected(f"{where}: {_POSITION_HELP}; got {position!r:.120}")
    if all(k in position for k in _CORNERS):
        return {k: plain_finite_number(position[k], f"{where} position {k}") for k in _CORNERS}
    if all(k in position for k in ("middle", "width", "height")):
        middle = position["middle"]
        if is_torch_tensor(middle) or hasattr(middle, "tolist"):
            middle = middle.tolist()
        if not isinstance(middle, (list, tuple)) or len(middle) != 2:
            raise ValueRejected(f"{where}: {_POSITION_HELP}; got middle={middle!r:.80}")
        return {
            "middle": [plain_finite_number(v, f"{where} position middle") for v in middle],
            "width": plain_finite_number(position["width"], f"{where} position width"),
            "height": plain_finite_number(position["height"], f"{where} position height"),
        }
    raise ValueRejected(f"{where}: {_POSITION_HELP}; got keys {sorted(map(str, position))}")


@dataclass
class Mask:
    """One validated mask layer: a private uint8 copy and its optional class labels."""

    pixels: np.ndarray
    class_labels: dict[str, str] | None


def check_masks(masks: Any, width: int, height: int) -> dict[str, Mask]:
    """Validate ``{name: {"mask_data": H x W ints in 0..255, "class_labels": {...}}}``."""
    import numpy as np

    if not isinstance(masks, dict):
        raise ValueRejected(
            f'Image "masks" must be a dict of layer name to {{"mask_data": array, '
            f'"class_labels": {{...}}}}, got {type_name(masks)}'
        )
    out: dict[str, Mask] = {}
    for name, value in masks.items():
        where = f"masks[{name!r}]"
        if not isinstance(name, str):
            raise ValueRejected(f"mask names must be strings, got {type_name(name)} {name!r}")
        if not isinstance(value, dict) or "mask_data" not in value:
            raise ValueRejected(
                f'{where} must be a dict with "mask_data" (a 2-D integer array) and optionally '
                f'"class_labels", got {type_name(value)}'
            )
        data = value["mask_data"]
        if is_torch_tensor(data):
            data = data.detach().cpu().numpy()
        arr = np.asarray(data)
        if arr.ndim != 2:
            raise ValueRejected(
                f"{where} mask_data must be a 2-D array (H x W), got shape {tuple(arr.shape)}"
            )
        if arr.shape != (height, width):
            raise ValueRejected(
                f"{where} mask_data has shape {tuple(arr.shape)} but the image is "
                f"{height} x {width} (H x W); they must match"
            )
        if arr.dtype.kind not in "biu":
            raise ValueRejected(
                f"{where} mask_data has dtype {arr.dtype}; accepted: integer or bool class ids"
            )
        if arr.size and (int(arr.min()) < 0 or int(arr.max()) > 255):
            raise ValueRejected(
                f"{where} mask_data values run from {int(arr.min())} to {int(arr.max())}; "
                "class ids must be integers between 0 and 255"
            )
        labels = value.get("class_labels")
        out[name] = Mask(
            pixels=arr.astype(np.uint8, order="C", copy=True),
            class_labels=None if labels is None else check_class_labels(labels, where),
        )
    return out


def check_classes(classes: Any) -> list[dict[str, Any]]:
    """W&B's class list: ``[{"id": int, "name": str}, ...]``, kept as given."""
    if not isinstance(classes, (list, tuple)):
        raise ValueRejected(
            f'Image "classes" must be a list of {{"id": int, "name": str}} dicts, '
            f"got {type_name(classes)}"
        )
    out: list[dict[str, Any]] = []
    for i, item in enumerate(classes):
        if not isinstance(item, dict) or "id" not in item or "name" not in item:
            raise ValueRejected(
                f'classes[{i}] must be a dict with "id" (int) and "name" (str), got {item!r:.80}'
            )
        plain = {str(k): plain_value(v, f"classes[{i}]") for k, v in item.items()}
        plain["id"] = plain_int(item["id"], f"classes[{i}] id")
        if not isinstance(plain["name"], str):
            raise ValueRejected(f'classes[{i}] "name" must be a string, got {item["name"]!r}')
        out.append(plain)
    return out
