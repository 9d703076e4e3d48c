"""Tables: W&B's constructor forms, one JSON file per table, media cells, limits, NaN."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
import torch

from heron.errors import ValueRejected
from heron.media import Histogram, Image, Table

from .conftest import CountingWriter, stored_files


def stored_table(writer: CountingWriter, out: dict[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = json.loads((writer.root / out["path"]).read_text())
    return content


def test_table_is_one_json_file_with_wandb_reference(writer: CountingWriter) -> None:
    table = Table(columns=["step", "loss"], data=[[0, 1.5], [1, 0.75]])
    out = table.to_json(writer)
    data = (writer.root / out["path"]).read_bytes()
    assert set(out) == {"_type", "path", "sha256", "size", "ncols", "nrows"}
    assert out["_type"] == "table-file"
    assert out["path"].endswith(".table.json")
    assert out["size"] == len(data)
    assert (out["ncols"], out["nrows"]) == (2, 2)
    assert stored_table(writer, out) == {"columns": ["step", "loss"], "data": [[0, 1.5], [1, 0.75]]}


def test_add_data_and_add_column(writer: CountingWriter) -> None:
    table = Table(columns=["a"])
    table.add_data(1)
    table.add_data(2)
    table.add_column("b", ["x", "y"])
    assert table.columns == ["a", "b"]
    assert table.data == [[1, "x"], [2, "y"]]
    assert table.get_column("b") == ["x", "y"]
    assert table.get_column("a", convert_to="numpy").tolist() == [1, 2]
    empty = Table(columns=[])
    empty.add_column("only", np.arange(3))
    assert empty.data == [[0], [1], [2]]


def test_default_columns_are_wandbs() -> None:
    assert Table().columns == ["Input", "Output", "Expected"]
    assert Table(rows=[[1, 2, 3]]).data == [[1, 2, 3]]


def test_numpy_and_torch_values_become_plain_python() -> None:
    table = Table(columns=["i", "f", "t", "arr", "b"])
    table.add_data(np.int64(3), np.float32(0.5), torch.tensor(2.5), np.arange(2), np.bool_(True))
    row = table.data[0]
    assert row == [3, 0.5, 2.5, [0, 1], True]
    assert [type(v) for v in row] == [int, float, float, list, bool]
    table2 = Table(columns=["a", "b"], data=np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert table2.data == [[1.0, 2.0], [3.0, 4.0]]


def test_dataframe() -> None:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"name": ["a", "b"], "score": [1.5, float("nan")], "n": [1, 2]})
    for table in (Table(dataframe=df), Table(data=df)):
        assert table.columns == ["name", "score", "n"]
        assert table.data[0] == ["a", 1.5, 1]
        assert math.isnan(table.data[1][1])
        assert type(table.data[1][2]) is int


def test_nan_and_infinity_survive_the_file(writer: CountingWriter) -> None:
    table = Table(columns=["v"], data=[[float("nan")], [float("inf")], [-float("inf")], [1.0]])
    content = stored_table(writer, table.to_json(writer))
    values = [row[0] for row in content["data"]]
    assert math.isnan(values[0])
    assert values[1:] == [float("inf"), -float("inf"), 1.0]


def test_images_in_cells_are_stored_and_referenced(writer: CountingWriter) -> None:
    image = Image(np.full((3, 4, 3), 9, np.uint8), caption="nine")
    table = Table(columns=["id", "img", "hist"])
    table.add_data(1, image, Histogram([1, 2, 3], num_bins=2))
    content = stored_table(writer, table.to_json(writer))
    cell = content["data"][0][1]
    assert cell == image.to_json(writer)
    assert cell["_type"] == "image-file" and cell["caption"] == "nine"
    assert (writer.root / cell["path"]).is_file()
    assert content["data"][0][2]["_type"] == "histogram"
    assert len(stored_files(writer.root)) == 2  # the image and the table


def test_changed_table_is_serialised_again(writer: CountingWriter) -> None:
    table = Table(columns=["a"], data=[[1]])
    first = table.to_json(writer)
    assert table.to_json(writer) is first
    table.add_data(2)
    second = table.to_json(writer)
    assert second["nrows"] == 2 and second["path"] != first["path"]


def test_row_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Table.MAX_ROWS == 200_000
    monkeypatch.setattr(Table, "MAX_ROWS", 3)
    table = Table(columns=["a"], data=[[1], [2], [3]])
    with pytest.raises(ValueRejected, match="MAX_ROWS=3"):
        table.add_data(4)
    with pytest.raises(ValueRejected, match="MAX_ROWS=3"):
        Table(columns=["a"], data=[[i] for i in range(4)])
    with pytest.raises(ValueRejected, match="MAX_ROWS=3"):
        Table(columns=[]).add_column("a", list(range(4)))
    assert table.nrows == 3


def test_mixed_types_in_a_column() -> None:
    table = Table(columns=["a"])
    table.add_data(1)
    table.add_data(2.5)  # ints and floats are both numbers
    table.add_data(None)
    with pytest.raises(ValueRejected, match="column 'a' holds number values; row 3 has a str"):
        table.add_data("x")
    assert table.nrows == 3
    words = Table(columns=["w"], data=[["x"], [float("nan")]])  # NaN marks a missing value
    assert math.isnan(words.data[1][0])
    mixed = Table(columns=["a"], allow_mixed_types=True)
    mixed.add_data(1)
    mixed.add_data("x")
    assert mixed.data == [[1], ["x"]]


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (
            lambda: Table(columns=["a", "b"], data=[[1]]),
            r"expects 2 columns: \['a', 'b'\], found 1",
        ),
        (lambda: Table(columns=["a", "a"]), "unique"),
        (lambda: Table(columns="ab"), "list of names"),
        (lambda: Table(columns=[1.5]), "strings or ints"),  # type: ignore[list-item]
        (lambda: Table(columns=["a"], data="oops"), "list of rows"),
        (lambda: Table(columns=["a"], data=[1, 2]), "row 0"),
        (lambda: Table(columns=["a"], data=np.zeros(3)), "2-D"),
        (lambda: Table(columns=["a"], data=[[object()]]), "cannot store a object"),
        (lambda: Table(columns=["a"], data=[[None]], optional=False), "not optional"),
        (lambda: Table(columns=["a"], dtype=[int]), "dtype"),
        (lambda: Table(columns=["a"], data=[[1]]).add_column("a", [2]), "already has"),
        (lambda: Table(columns=["a"], data=[[1]]).add_column("b", [2, 3]), "2 values"),
        (lambda: Table(columns=["a"], data=[[1]]).add_column("b", [None]), "not optional"),
        (lambda: Table(columns=["a"]).get_column("z"), "no column 'z'"),
    ],
)
def test_bad_tables_are_rejected_with_the_reason(build: Any, match: str) -> None:
    with pytest.raises(ValueRejected, match=match):
        build()
