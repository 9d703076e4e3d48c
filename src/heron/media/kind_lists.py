"""Lists of videos, audio clips or HTML pages logged under one key: W&B's ``videos``, ``audio``
and ``html`` values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from heron.errors import ValueRejected
from heron.media.audio import Audio
from heron.media.base import Media, MediaWriter
from heron.media.html import Html
from heron.media.video import Video

_KINDS: tuple[type[Media], ...] = (Video, Audio, Html)


class KindList(Media):
    """Several ``Video``, ``Audio`` or ``Html`` values of one class logged together, as W&B
    stores them: each item's own JSON in a list, with the list's counts and captions.

    Example:
        >>> heron.log({"episodes": [heron.Video(a), heron.Video(b)]})
    """

    def __init__(self, items: Sequence[Media]) -> None:
        items = list(items)
        if not items or type(items[0]) not in _KINDS or any(
                type(i) is not type(items[0]) for i in items):
            raise ValueRejected(
                "a media list needs one or more values of one class: Video, Audio or Html"
            )
        self.items = items

    def _to_json(self, writer: MediaWriter) -> dict[str, Any]:
        jsons = [item.to_json(writer) for item in self.items]
        first = self.items[0]
        if isinstance(first, Video):
            # W&B's captions: every item's when the first has one, else false
            return {"_type": "videos", "count": len(jsons), "videos": jsons,
                    "captions": [v.caption for v in self._all(Video)]
                    if first.caption is not None else False}
        if isinstance(first, Audio):
            clips = self._all(Audio)
            out: dict[str, Any] = {"_type": "audio", "count": len(jsons), "audio": jsons,
                                   "sampleRates": [a.sample_rate for a in clips],
                                   "durations": [a.duration for a in clips]}
            if any(a.caption is not None for a in clips):  # W&B: "" for the ones without
                out["captions"] = [a.caption or "" for a in clips]
            return out
        return {"_type": "html", "count": len(jsons), "html": jsons}

    def _all(self, cls: type[Any]) -> list[Any]:
        return [item for item in self.items if isinstance(item, cls)]

    def __repr__(self) -> str:
        return f"KindList({len(self.items)} {type(self.items[0]).__name__} values)"


def as_kind_list(value: Sequence[Any]) -> KindList | None:
    """The ``KindList`` of a list logged under one key, or None unless it holds one or more
    values of one of the classes Video, Audio or Html (and nothing else)."""
    if (isinstance(value, (list, tuple)) and value and type(value[0]) in _KINDS
            and all(type(v) is type(value[0]) for v in value)):
        return KindList(value)
    return None
