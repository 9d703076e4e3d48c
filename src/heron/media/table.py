"""``Table``: rows of plain values and media, stored as one JSON file like ``wandb.Table``."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator, Sequence
from typing import Any

from heron.errors import ValueRejected
from heron.media._convert import is_numpy_value, is_torch_tensor, plain_value, type_name
from heron.media.base import Media, MediaWriter

_DEFAULT_COLUMNS = ["Input", "Output", "Expected"]  # W&B's legacy default


class Table(Media):
    """A table for ``log()``, like ``wandb.Table``.

    Build it from ``data`` (a list of rows, a 2-D numpy array or a pandas DataFrame) or
    ``dataframe``, then ``add_data(*row)`` / ``add_column(name, values)``. Cells may hold None,
    numbers (numpy and torch scalars are turned into Python numbers), strings, lists, dicts and
    media (``Image``, ``Histogram``...). Unless ``allow_mixed_types`` is set, each column keeps
    one kind of value (ints and floats count as one kind); ``optional=False`` forbids None.
    """

    MAX_ROWS = 200_000

    columns: list[str]
    data: list[list[Any]]

    def __init__(
        self,
        columns: Sequence[str] | None = None,
        data: Any = None,
        rows: Any = None,
        dataframe: Any = None,
        dtype: Any = None,
        optional: bool | Sequence[bool] = True,
        allow_mixed_types: bool = False,
    ) -> None:
        if dtype is not None:
            raise ValueRejected(
                "Table(dtype=...) is not supported by Heron; leave it out (column kinds are "
                "inferred from the data) or pass allow_mixed_types=True"
            )
        self._allow_mixed = bool(allow_mixed_types)
        if dataframe is None and _is_dataframe(data):
            dataframe, data = data, None
        if dataframe is not None:
            if not _is_dataframe(dataframe):
                raise ValueRejected(
                    f"Table(dataframe=...) needs a pandas DataFrame, got {type_name(dataframe)}"
                )
            columns = [str(c) for c in dataframe.columns]
            data = dataframe.to_numpy(dtype=object).tolist()
        elif data is None:
            data = rows if rows is not None else []
        self._set_columns(_DEFAULT_COLUMNS if columns is None else columns, optional)
        all_rows = _rows_of(data)
        self._check_room(len(all_rows))
        for row in all_rows:
            self.add_data(*row)

    # -- building -------------------------------------------------------------------------

    def _set_columns(self, columns: Sequence[Any], optional: bool | Sequence[bool]) -> None:
        if isinstance(columns, str) or not isinstance(columns, (list, tuple)):
            raise ValueRejected(f"Table columns must be a list of names, got {type_name(columns)}")
        names: list[str] = []
        for c in columns:
            if isinstance(c, bool) or not isinstance(c, (str, int)):
                raise ValueRejected(f"Table column names must be strings or ints, got {c!r}")
            names.append(str(c))
        if len(set(names)) != len(names):
            raise ValueRejected(f"Table column names must be unique, got {names}")
        if isinstance(optional, bool):
            flags = [optional] * len(names)
        else:
            flags = [bool(o) for o in optional]
            if len(flags) != len(names):
                raise ValueRejected(
                    f"Table optional has {len(flags)} entries for {len(names)} columns"
                )
        self.columns = names
        self.data = []
        self._optional = flags
        self._kinds: list[str | None] = [None] * len(names)

    def add_data(self, *data: Any) -> None:
        """Append one row, one value per column."""
        if len(data) != len(self.columns):
            raise ValueRejected(
                f"This table expects {len(self.columns)} columns: {self.columns}, found {len(data)}"
            )
        self._check_room(1)
        where = f"Table row {len(self.data)}"
        row = [
            plain_value(v, f"{where}, column {c!r}")
            for v, c in zip(data, self.columns, strict=True)
        ]
        for i, value in enumerate(row):
            self._check_cell(i, value, len(self.data))
        self.data.append(row)
        self._json = None  # a table logged again after changing is serialised again

    def add_row(self, *row: Any) -> None:
        """Old name of ``add_data``."""
        self.add_data(*row)

    def add_column(self, name: str, data: Any, optional: bool = False) -> None:
        """Append a column with one value per existing row (or start the rows of an empty table)."""
        if not isinstance(name, (str, int)) or isinstance(name, bool):
            raise ValueRejected(f"Table column names must be strings or ints, got {name!r}")
        name = str(name)
        if name in self.columns:
            raise ValueRejected(f"Table already has a column named {name!r}: {self.columns}")
        values = _column_values(data)
        if self.columns and len(values) != len(self.data):
            raise ValueRejected(
                f"Table column {name!r} has {len(values)} values; the table has "
                f"{len(self.data)} rows"
            )
        if not self.columns:
            self._check_room(len(values))
        plain = [plain_value(v, f"Table column {name!r}, row {i}") for i, v in enumerate(values)]
        self.columns.append(name)
        self._optional.append(bool(optional))
        self._kinds.append(None)
        col = len(self.columns) - 1
        try:
            for i, value in enumerate(plain):
                self._check_cell(col, value, i)
        except ValueRejected:
            self.columns.pop()
            self._optional.pop()
            self._kinds.pop()
            raise
        if len(self.data) < len(plain):
            self.data.extend([] for _ in range(len(plain) - len(self.data)))
        for row, value in zip(self.data, plain, strict=True):
            row.append(value)
        self._json = None

    def _check_room(self, more: int) -> None:
        if len(self.data) + more > self.MAX_ROWS:
            raise ValueRejected(
                f"Table has {len(self.data)} rows and cannot take {more} more: at most "
                f"Table.MAX_ROWS={self.MAX_ROWS} rows; log a sample or split the table"
            )

    def _check_cell(self, col: int, value: Any, row: int) -> None:
        if value is None:
            if not self._optional[col]:
                raise ValueRejected(
                    f"Table column {self.columns[col]!r} is not optional; row {row} is None"
                )
            return
        if self._allow_mixed or (isinstance(value, float) and math.isnan(value)):
            return  # NaN is pandas' missing value: it fits any column
        kind = _kind(value)
        seen = self._kinds[col]
        if seen is None:
            self._kinds[col] = kind
        elif seen != kind:
            raise ValueRejected(
                f"Table column {self.columns[col]!r} holds {seen} values; row {row} has a "
                f"{kind} ({value!r:.60}); pass allow_mixed_types=True to allow this"
            )

    # -- reading --------------------------------------------------------------------------

    def get_column(self, name: str, convert_to: str | None = None) -> Any:
        """The values of one column, as a list (or a numpy array with ``convert_to="numpy"``)."""
        if name not in self.columns:
            raise ValueRejected(f"Table has no column {name!r}; columns: {self.columns}")
        index = self.columns.index(name)
        values = [row[index] for row in self.data]
        if convert_to == "numpy":
            import numpy as np

            return np.array(values)
        if convert_to is not None:
            raise ValueRejected(
                f'get_column convert_to must be None or "numpy", got {convert_to!r}'
            )
        return values

    def get_index(self) -> list[int]:
        return list(range(len(self.data)))

    def iterrows(self) -> Iterator[tuple[int, list[Any]]]:
        yield from enumerate(self.data)

    @property
    def ncols(self) -> int:
        return len(self.columns)

    @property
    def nrows(self) -> int:
        return len(self.data)

    # -- serialising ----------------------------------------------------------------------

    def _to_json(self, writer: MediaWriter) -> dict[str, Any]:
        rows = [[_cell_json(v, writer) for v in row] for row in list(self.data)]
        columns = list(self.columns)
        # allow_nan: NaN and +/-Infinity are written as JSON tokens that json.loads reads back.
        data = json.dumps({"columns": columns, "data": rows}, allow_nan=True).encode("utf-8")
        return {
            "_type": "table-file",
            "path": writer.put(data, ".table.json"),
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "ncols": len(columns),
            "nrows": len(rows),
        }

    def __repr__(self) -> str:
        return f"Table(columns={self.columns}, nrows={len(self.data)})"


def _cell_json(value: Any, writer: MediaWriter) -> Any:
    if isinstance(value, Media):
        return value.to_json(writer)
    if isinstance(value, list):
        return [_cell_json(v, writer) for v in value]
    if isinstance(value, dict):
        return {k: _cell_json(v, writer) for k, v in value.items()}
    return value


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "dict"
    return type(value).__name__


def _is_dataframe(value: Any) -> bool:
    return type(value).__module__.startswith("pandas") and type(value).__name__ == "DataFrame"


def _rows_of(data: Any) -> list[Sequence[Any]]:
    if is_numpy_value(data) or is_torch_tensor(data):
        shape = tuple(data.shape)
        if len(shape) != 2:
            raise ValueRejected(f"Table data must be 2-D (rows x columns), got shape {shape}")
        rows: list[Sequence[Any]] = data.tolist()
        return rows
    if isinstance(data, (str, bytes)) or not isinstance(data, Sequence):
        raise ValueRejected(
            f"Table data must be a list of rows, a 2-D array or a pandas DataFrame, "
            f"got {type_name(data)}"
        )
    for i, row in enumerate(data):
        is_array = is_numpy_value(row) or is_torch_tensor(row)
        if not is_array and (isinstance(row, (str, bytes)) or not isinstance(row, Sequence)):
            raise ValueRejected(f"Table row {i} must be a list of values, got {type_name(row)}")
    return [list(r) for r in data]


def _column_values(data: Any) -> list[Any]:
    if is_numpy_value(data) or is_torch_tensor(data):
        return list(data)
    if type(data).__module__.startswith("pandas"):  # a Series
        return list(data.to_numpy(dtype=object))
    if isinstance(data, (str, bytes)) or not isinstance(data, Sequence):
        raise ValueRejected(
            f"Table column data must be a list or a 1-D array, got {type_name(data)}"
        )
    return list(data)
