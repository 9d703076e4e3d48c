"""Plotly figures, and matplotlib figures logged straight to ``log()``: W&B's ``plotly-file``
(matplotlib converted by plotly), or an image when the figure cannot be converted."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import plotly.graph_objects as go
import pytest

import heron
from heron.errors import ValueRejected
from heron.media import Image, Plotly, plot_media
from tests.media.scripts.media_cases import image_figure, line_figure, plotly_figure
from tests.media.wandb_reference import (
    content_path,
    heron_stored,
    same_versions,
    wandb_stored,
    without_path,
)

from .conftest import CountingWriter

matplotlib.use("Agg")
import matplotlib.pyplot as plt

KEYS = ["plotly", "plotly_wrapped", "matplotlib", "matplotlib_image"]


def test_logged_figures_store_the_json_that_wandb_stores(heron_dir: Path) -> None:
    reference = wandb_stored()
    stored = heron_stored(KEYS)
    exact = same_versions("plotly", "matplotlib", "numpy")
    for key in ("plotly", "plotly_wrapped", "matplotlib"):
        ours, theirs = stored[key], reference["values"][key]
        # The figure's JSON, written compact as W&B writes it: with the same plotly and
        # matplotlib in both venvs, even sha256 and size agree. Other versions may write
        # another figure (a template changed), so then only the keys are compared.
        if exact:
            assert without_path(ours) == without_path(theirs), key
        else:
            assert ours.keys() == theirs.keys()
        assert ours["_type"] == "plotly-file"
        assert ours["path"] == content_path(ours, ".plotly.json")
        file = json.loads((heron_dir / ours["path"]).read_bytes())
        if exact:
            assert file == json.loads(bytes.fromhex(reference["files"][key]))
        assert file["data"] and "layout" in file
    # A matplotlib figure that shows an image is logged as an image, as in W&B. The PNG
    # bytes differ (Heron's Pillow and W&B's write them differently), so sha256 and size do.
    image = stored["matplotlib_image"]
    theirs = reference["values"]["matplotlib_image"]
    assert image["_type"] == theirs["_type"] == "image-file"
    assert {k: image[k] for k in ("format", "width", "height")} == \
        {k: theirs[k] for k in ("format", "width", "height")} == \
        {"format": "png", "width": 100, "height": 100}


def test_figure_json_is_taken_now_and_written_by_to_json(writer: CountingWriter) -> None:
    fig = plotly_figure()
    chart = Plotly(fig)
    fig.data[0].y = [0, 0, 0]  # changed after logging: the logged chart keeps its values
    assert writer.calls == []
    out = chart.to_json(writer)
    stored = json.loads((writer.root / out["path"]).read_bytes())
    assert stored["data"][0]["y"] == [4.0, 1.5, 2.0]
    assert out == {"_type": "plotly-file", "path": content_path(out, ".plotly.json"),
                   "sha256": out["sha256"], "size": out["size"]}


def test_numpy_dates_and_nan_in_a_figure_are_written_as_wandb_writes_them(
        writer: CountingWriter) -> None:
    fig = go.Figure(go.Scatter(x=np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[D]"),
                               y=[1.5, float("nan")], customdata=np.array([1, 2])))
    out = Plotly(fig).to_json(writer)
    text = (writer.root / out["path"]).read_text()
    trace = json.loads(text)["data"][0]
    assert trace["x"] == ["2024-01-01", "2024-01-02"]  # numpy dates: ISO text
    assert trace["y"][0] == 1.5 and np.isnan(trace["y"][1]) and "NaN" in text
    # plotly itself packs numeric arrays as typed arrays, which plotly.js reads
    assert trace["customdata"] == {"dtype": "i1", "bdata": "AQI="}


def test_matplotlib_figures_axes_and_pyplot_become_plotly_or_an_image() -> None:
    assert isinstance(plot_media(line_figure()), Plotly)
    fig = line_figure()
    assert isinstance(plot_media(fig.axes[0]), Plotly)
    line_figure()
    assert isinstance(plot_media(plt), Plotly)  # pyplot's current figure
    assert isinstance(plot_media(image_figure()), Image)
    # what plotly cannot convert (a figure with no axes) is logged as an image
    empty = plt.figure(figsize=(1, 1), dpi=20)
    assert isinstance(plot_media(empty), Image)
    plt.close("all")


def test_log_takes_figures_directly(heron_dir: Path) -> None:
    run = heron.init(project="figures")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        heron.log({"chart": plotly_figure(), "curve": line_figure(), "pic": image_figure()})
    heron.finish()
    assert not [w for w in seen if "heron" in str(w.message)]  # no value was dropped
    row = next(iter(heron.Api().run(f"figures/{run.id}").scan_history()))
    assert row["chart"]["_type"] == "plotly-file" and row["curve"]["_type"] == "plotly-file"
    assert row["pic"]["_type"] == "image-file"
    assert json.loads((heron_dir / row["chart"]["path"]).read_bytes())["data"][0]["name"] == "s"


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Plotly({"data": []}), "needs a plotly Figure or a matplotlib figure, got dict"),
    (lambda: Plotly(image_figure()), "shows an image; log it with heron.Image(figure)"),
    (lambda: Plotly(plt.figure(figsize=(1, 1))), "plotly could not convert"),
])
def test_bad_input_is_refused_with_a_message_naming_it(make: object, message: str) -> None:
    with pytest.raises(ValueRejected, match=re.escape(message)):
        make()  # type: ignore[operator]
    plt.close("all")
