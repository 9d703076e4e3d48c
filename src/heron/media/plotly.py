"""``Plotly``: a plotly figure (or a matplotlib one converted) stored as W&B's plotly JSON file."""

from __future__ import annotations

import decimal
import hashlib
import json
import logging
import warnings
from typing import Any

from heron.errors import ValueRejected
from heron.media._convert import is_matplotlib_value, is_numpy_value, is_torch_tensor, type_name
from heron.media.base import Media, MediaWriter
from heron.media.image import Image
from heron.media.image import _figure_of as figure_of

logger = logging.getLogger(__name__)


def is_plotly_figure(value: object) -> bool:
    """True for a plotly ``Figure`` (``plotly.graph_objs...Figure``), without importing plotly."""
    cls = type(value)
    return cls.__module__.startswith("plotly.") and cls.__name__.endswith("Figure")


class Plotly(Media):
    """An interactive chart for ``log()``, like ``wandb.Plotly``.

    ``val`` is a plotly figure, or a matplotlib figure (or axes, or ``pyplot``) that plotly's
    ``mpl_to_plotly`` can convert; a matplotlib figure that shows an image cannot be
    converted (log it as ``Image``). The figure's JSON is taken when the value is built and
    written, as ``<sha>.plotly.json``, by Heron's writer thread.

    Example:
        >>> fig = plotly.express.line(x=[1, 2, 3], y=[3, 1, 2])
        >>> heron.log({"curve": heron.Plotly(fig)})    # or just heron.log({"curve": fig})
    """

    def __init__(self, val: Any) -> None:
        if is_matplotlib_value(val):
            val = figure_of(val)  # pyplot's current figure now: converting closes it
            if figure_shows_image(val):
                raise ValueRejected(
                    "Plotly cannot convert a matplotlib figure that shows an image; log it "
                    "with heron.Image(figure) instead"
                )
            val = _matplotlib_to_plotly(val)
        elif not is_plotly_figure(val):
            raise ValueRejected(
                f"Plotly needs a plotly Figure or a matplotlib figure, got {type_name(val)}"
            )
        self.figure: dict[str, Any] = val.to_plotly_json()

    def _to_json(self, writer: MediaWriter) -> dict[str, Any]:
        # Compact and UTF-8 like W&B's file; NaN stays the JSON token NaN, as W&B writes it.
        text = json.dumps(self.figure, separators=(",", ":"), ensure_ascii=False,
                          allow_nan=True, default=_plain)
        data = text.encode("utf-8")
        return {
            "_type": "plotly-file",
            "path": writer.put(data, ".plotly.json"),
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
        }

    def __repr__(self) -> str:
        return f"Plotly({len(self.figure.get('data') or [])} traces)"


def _plain(value: Any) -> Any:
    """What JSON cannot hold, as W&B writes it: arrays as lists, dates as ISO text."""
    if is_numpy_value(value) or is_torch_tensor(value):
        return value.tolist()
    if hasattr(value, "isoformat"):  # datetimes, dates, pandas Timestamps
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def figure_shows_image(value: Any) -> bool:
    """True when a matplotlib figure (or its axes) draws an image (``imshow``)."""
    return any(len(ax.images) > 0 for ax in figure_of(value).axes)


def _matplotlib_to_plotly(value: Any) -> Any:
    try:
        from plotly import tools
    except ImportError:
        raise ValueRejected(
            "Plotly needs the plotly package to convert a matplotlib figure (pip install "
            "plotly); or log it as heron.Image(figure)"
        ) from None
    try:
        with warnings.catch_warnings():  # plotly's converter trips matplotlib's deprecations
            warnings.simplefilter("ignore")
            return tools.mpl_to_plotly(figure_of(value))
    except Exception as exc:  # plotly's converter fails on many matplotlib features
        raise ValueRejected(
            f"plotly could not convert the matplotlib figure ({type(exc).__name__}: {exc}); "
            "log it as heron.Image(figure)"
        ) from None


def plot_media(value: Any) -> Media:
    """The media W&B logs for a figure passed straight to ``log()``: a plotly figure becomes
    ``Plotly``; a matplotlib one becomes ``Plotly`` when plotly can convert it, else (it
    shows an image, plotly is missing or the conversion fails) an ``Image`` of it.

    Example:
        >>> plot_media(plotly.express.bar(x=["a", "b"], y=[1, 2]))
        Plotly(1 traces)
    """
    if is_plotly_figure(value):
        return Plotly(value)
    figure = figure_of(value)
    if figure_shows_image(figure):
        return Image(figure)
    try:
        return Plotly(figure)
    except ValueRejected as exc:
        logger.info("heron: a matplotlib figure is logged as an image: %s", exc)
        return Image(figure)
