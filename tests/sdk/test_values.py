"""Every kind of value a training script logs, and what the store keeps of it."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch

import heron


def log_and_read(data: dict[str, Any]) -> dict[str, Any]:
    run = heron.init(project="values")
    heron.log(data)
    heron.finish()
    rows = list(heron.Api().run(f"values/{run.id}").scan_history())
    assert len(rows) == 1
    return {k: v for k, v in rows[0].items() if not k.startswith("_")}


def test_plain_python_values_round_trip_with_their_types() -> None:
    row = log_and_read({"f": 0.5, "i": 3, "b": True, "s": "text", "n": None, "l": [1, 2.5, "x"]})
    assert row == {"f": 0.5, "i": 3, "b": True, "s": "text", "n": None, "l": [1, 2.5, "x"]}
    assert type(row["i"]) is int and type(row["b"]) is bool


def test_nan_and_infinities_are_stored_as_such() -> None:
    row = log_and_read({"nan": float("nan"), "inf": float("inf"), "ninf": -math.inf})
    assert math.isnan(row["nan"]) and row["inf"] == math.inf and row["ninf"] == -math.inf


def test_nested_dicts_become_dotted_keys() -> None:
    row = log_and_read({"val": {"loss": 0.25, "inner": {"acc": 0.5}}, "top": 1})
    assert row == {"val.loss": 0.25, "val.inner.acc": 0.5, "top": 1}


def test_numpy_scalars_and_small_arrays() -> None:
    row = log_and_read({
        "f32": np.float32(0.5), "i64": np.int64(7), "b": np.bool_(True),
        "arr": np.arange(4), "grid": np.ones((2, 3), dtype=np.float32), "zero_d": np.array(2.5),
    })
    assert row == {"f32": 0.5, "i64": 7, "b": True, "arr": [0, 1, 2, 3],
                   "grid": [[1.0] * 3, [1.0] * 3], "zero_d": 2.5}
    assert type(row["i64"]) is int


def test_torch_scalars_and_small_tensors() -> None:
    row = log_and_read({"loss": torch.tensor(0.25, requires_grad=True) * 2,
                        "vec": torch.arange(3), "one": torch.tensor([1.5])})
    assert row == {"loss": 0.5, "vec": [0, 1, 2], "one": [1.5]}


@pytest.mark.parametrize("make", [lambda: np.arange(100.0), lambda: torch.arange(100.0)],
                         ids=["numpy", "torch"])
def test_arrays_over_32_elements_become_32_bin_histograms(make: Any) -> None:
    row = log_and_read({"weights": make()})
    hist = row["weights"]
    assert hist["_type"] == "histogram"
    assert len(hist["values"]) == 32 and len(hist["bins"]) == 33
    assert sum(hist["values"]) == 100
    assert hist["bins"][0] == 0.0 and hist["bins"][-1] == 99.0


def test_an_unstorable_value_warns_by_key_and_keeps_the_rest() -> None:
    class Opaque:
        pass

    run = heron.init(project="values")
    with pytest.warns(UserWarning, match=r"'model'.*Opaque"):
        heron.log({"model": Opaque(), "loss": 0.1})
    heron.finish()
    rows = list(heron.Api().run(f"values/{run.id}").scan_history())
    assert rows[0]["loss"] == 0.1 and "model" not in rows[0]


def test_non_dict_data_is_refused_by_type() -> None:
    heron.init(project="values")
    with pytest.raises(ValueError, match="list"):
        heron.log([1, 2])  # type: ignore[arg-type]


def test_logged_images_are_stored_as_files_with_wandb_json(heron_dir: Any) -> None:
    pixels = np.zeros((8, 6, 3), dtype=np.uint8)
    pixels[2, 3] = [255, 0, 0]
    row = log_and_read({"examples": [heron.Image(pixels, caption="a"),
                                     heron.Image(pixels, caption="b")],
                        "single": heron.Image(pixels)})
    assert row["examples"]["_type"] == "images/separated"
    assert row["examples"]["count"] == 2 and row["examples"]["captions"] == ["a", "b"]
    single = row["single"]
    assert single["_type"] == "image-file" and (single["width"], single["height"]) == (6, 8)
    assert (heron_dir / single["path"]).is_file()
