"""The same media calls made with ``wandb`` and with ``heron``: ``CASES[name](lib)`` builds the
value to log under ``name``, where ``lib`` is either module. Only numpy, plotly and matplotlib
are used here, so the official client's venv can import this file as it is."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def frames(t: int = 4, c: int = 3, h: int = 8, w: int = 10) -> np.ndarray:
    """A small (t, c, h, w) uint8 clip whose every frame differs."""
    return (np.arange(t * c * h * w) * 7 % 256).astype(np.uint8).reshape(t, c, h, w)


def tone(n: int = 800, rate: int = 8000) -> np.ndarray:
    """A 440 Hz sine at half scale, as float64 samples in [-1, 1]."""
    return np.sin(2 * np.pi * 440 * np.arange(n) / rate) * 0.5


def plotly_figure() -> Any:
    import plotly.graph_objects as go

    return go.Figure(data=[go.Scatter(x=[1, 2, 3], y=[4.0, 1.5, 2.0], name="s")],
                     layout={"title": {"text": "three points"}})


def line_figure() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([1, 2, 3], [3, 1, 2])
    return fig


def image_figure() -> Any:
    """A matplotlib figure holding an image: W&B logs it as an image, not as plotly."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 2), dpi=50)
    ax.imshow(np.arange(16).reshape(4, 4))
    return fig


HTML_PAGE = "<html><body><h1>Hello</h1><p>a paragraph</p></body></html>"

CASES: dict[str, Callable[[Any], Any]] = {
    "video": lambda lib: lib.Video(frames(), fps=4, format="gif", caption="a clip"),
    "video_batch": lambda lib: lib.Video(np.stack([frames()] * 3), fps=2, format="gif"),
    "audio": lambda lib: lib.Audio(tone(), sample_rate=8000, caption="a tone"),
    "audio_int16": lambda lib: lib.Audio((tone() * 30000).astype(np.int16), sample_rate=8000),
    "audio_stereo": lambda lib: lib.Audio(np.stack([tone(), -tone()], axis=1), sample_rate=8000),
    "video_list": lambda lib: [lib.Video(frames(), caption="first", format="gif"),
                               lib.Video(frames(t=2), format="gif")],
    "audio_list": lambda lib: [lib.Audio(tone(), sample_rate=8000),
                               lib.Audio(tone(400), sample_rate=4000, caption="half")],
    "html_list": lambda lib: [lib.Html("<p>a</p>", inject=False), lib.Html("<p>b</p>")],
    "html": lambda lib: lib.Html(HTML_PAGE, inject=False),
    "html_injected": lambda lib: lib.Html(HTML_PAGE),
    "plotly": lambda lib: plotly_figure(),
    "plotly_wrapped": lambda lib: lib.Plotly(plotly_figure()),
    "matplotlib": lambda lib: line_figure(),
    "matplotlib_image": lambda lib: image_figure(),
}
