"""Turning what users pass to ``log()`` into storable values, W&B's way.

Hot path: a dict of plain Python numbers costs one type check per value and one set lookup
per key (keys already found within the limits). numpy and torch are never imported here;
their values are recognised by their type's module.

A value past a limit of ``heron.limits`` (nested too deep, a string or key too long, too many
keys in a row) is dropped with one warning naming the key, as an unstorable value is: the
rest of the row is kept, and the store never refuses the batch that carries it. Text fields
(console lines, notes, tracebacks) are cut to fit instead (``fit_record``).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from heron import records as r
from heron.limits import (
    MAX_DEPTH,
    MAX_KEY_LENGTH,
    MAX_ROW_KEYS,
    MAX_STRING,
    mapping_problem,
)
from heron.media.base import Media
from heron.term import outside_heron

_PLAIN = (float, int, str, bool, type(None))
_PLAIN_SET = set(_PLAIN)
_STR = {str}
ARRAY_LIST_LIMIT = 32
"""Arrays and tensors with more elements than this become a 32-bin histogram (W&B's rule)."""

_warned: set[tuple[str, str]] = set()
_good_keys: set[str] = set()
"""Keys already found storable (strings within ``MAX_KEY_LENGTH``): a loop logs the same
keys each step, so one subset test replaces checking each key's type and length again."""
_GOOD_KEYS_KEPT = 100_000


def warn_once(key: str, kind: str, message: str) -> None:
    if (key, kind) not in _warned:
        _warned.add((key, kind))
        warnings.warn(message, stacklevel=outside_heron(2))


def normalise_row(data: Mapping[Any, Any]) -> tuple[dict[str, Any], bool]:
    """A flat ``{key: value}`` row from ``data``, and whether it holds media.

    Unstorable values, and values or keys past a limit, are dropped with a warning naming
    the key.
    """
    values = data.values()
    types = set(map(type, values))
    if (types <= _PLAIN_SET and len(data) <= MAX_ROW_KEYS
            and (data.keys() <= _good_keys or _keys_fit(data))
            and (str not in types or _strings_fit(values))):
        return dict(data), False
    out: dict[str, Any] = {}
    slow = False
    for key, value in data.items():
        if type(value) in _PLAIN and type(key) is str:
            out[key] = value
        else:
            slow = True
            _add(out, key if type(key) is str else _key(key), value, 1)
    _fit_row(out)
    return out, slow and any(isinstance(v, Media) for v in out.values())


def _keys_fit(data: Mapping[Any, Any]) -> bool:
    """Every key of ``data`` is a string within ``MAX_KEY_LENGTH`` (then remembered)."""
    if not data or set(map(type, data)) != _STR or max(map(len, data)) > MAX_KEY_LENGTH:
        return False
    if len(_good_keys) > _GOOD_KEYS_KEPT:  # keys made up on the fly (f"loss_{step}")
        _good_keys.clear()
    _good_keys.update(data)
    return True


def _strings_fit(values: Any) -> bool:
    return all(len(v) <= MAX_STRING for v in values if type(v) is str)


def _fit_row(row: dict[str, Any]) -> None:
    """Drop (with a warning each) the keys and values of ``row`` past a limit; keep at most
    ``MAX_ROW_KEYS`` keys."""
    dropped: list[str] = []
    for key, value in row.items():
        kind = type(value)
        if len(key) <= MAX_KEY_LENGTH and (kind is float or kind is int or kind is bool
                                           or value is None):
            continue
        found = mapping_problem({key: value}, any_scalar=True)
        if found is not None:
            warn_once(key[:MAX_KEY_LENGTH], "limit",
                      f"heron.log: key {_shown(key)} {found[1]}; it was dropped from the row "
                      "(docs/server.md, \"Limits\")")
            dropped.append(key)
    for key in dropped:
        del row[key]
    trim_row(row)


def trim_row(row: dict[str, Any]) -> dict[str, Any]:
    """``row``, changed in place to hold at most ``MAX_ROW_KEYS`` keys: the step and time keys
    (``_step``...) and then the first keys logged are kept; the rest are dropped with one
    warning."""
    if len(row) <= MAX_ROW_KEYS:
        return row
    ordered = [k for k in row if k.startswith("_")] + [k for k in row if not k.startswith("_")]
    kept = {k: row[k] for k in ordered[:MAX_ROW_KEYS]}
    row.clear()
    row.update(kept)
    warn_once("", "row-keys",
              f"heron.log: a row held {len(ordered):,} keys; the limit is {MAX_ROW_KEYS:,} per "
              f"row, so the last {len(ordered) - MAX_ROW_KEYS:,} (from "
              f"{_shown(ordered[MAX_ROW_KEYS])} on) were dropped (docs/server.md, \"Limits\")")
    return row


def _shown(key: str) -> str:
    return repr(key[:60]) + "..." if len(key) > 60 else repr(key)


def _key(key: Any) -> str:
    warn_once(repr(key), "key", f"heron.log: key {key!r} is not a string; stored as {str(key)!r}")
    return str(key)


def _add(out: dict[str, Any], key: str, value: Any, depth: int) -> None:
    if isinstance(value, Mapping) and "_type" not in value:
        if depth > MAX_DEPTH:  # flattening would recurse as deep as the dict nests
            _too_deep(key)
            return
        for sub_key, sub_value in value.items():
            full = f"{key}.{sub_key if type(sub_key) is str else _key(sub_key)}"
            if type(sub_value) in _PLAIN:
                out[full] = sub_value
            else:
                _add(out, full, sub_value, depth + 1)
        return
    converted = convert(key, value)
    if converted is not _DROP:
        out[key] = converted


class _Drop:
    pass


_DROP: Any = _Drop()


def _too_deep(key: str) -> Any:
    warn_once(key[:MAX_KEY_LENGTH], "limit",
              f"heron.log: key {_shown(key)} nests deeper than {MAX_DEPTH} levels of lists and "
              "dicts; it was dropped from the row (docs/server.md, \"Limits\")")
    return _DROP


def convert(key: str, value: Any, depth: int = 1) -> Any:
    """One value in its stored form, or ``_DROP`` (after a warning) when it cannot be stored.
    ``depth``: the lists and dicts ``value`` is inside of, itself included if it is one."""
    if type(value) in _PLAIN or isinstance(value, Media):
        return value
    for plain in (bool, int, float, str):  # subclasses such as IntEnum become the plain type
        if isinstance(value, plain):
            return plain(value)
    module = type(value).__module__
    if module == "numpy":
        return _from_numpy(key, value)
    if module.startswith("torch"):
        return _from_torch(key, value)
    if isinstance(value, (list, tuple)):
        return _from_sequence(key, value, depth)
    if isinstance(value, Mapping):
        if depth > MAX_DEPTH:  # converting would recurse as deep as the value nests
            return _too_deep(key)
        out = {}
        for k, v in value.items():
            converted = convert(f"{key}.{k}", v, depth + 1)
            if converted is _DROP:  # as for a list: one unstorable part drops the value
                return _DROP
            out[str(k)] = converted
        return out
    if module.startswith(("plotly.", "matplotlib")) or module == "builtins":
        figure = _figure(key, value)
        if figure is not None:
            return figure
    if hasattr(value, "__float__") and not hasattr(value, "__len__"):
        try:
            return float(value)
        except (TypeError, ValueError):
            pass
    return _unstorable(key, value)


def _figure(key: str, value: Any) -> Any:
    """A plotly or matplotlib figure (or ``pyplot`` itself) as W&B logs it: ``Plotly``, or an
    ``Image`` when matplotlib's cannot be converted; None for other values. A figure that
    fails to convert is dropped with a warning, never raised into the training loop."""
    from heron.media._convert import is_matplotlib_value
    from heron.media.plotly import is_plotly_figure

    if not (is_plotly_figure(value) or is_matplotlib_value(value)):
        return None
    from heron.media import plot_media

    try:
        return plot_media(value)
    except Exception as exc:  # a user's figure must not crash their script
        warn_once(key, "figure", f"heron.log: key {key!r} holds a figure that could not be "
                  f"stored ({type(exc).__name__}: {exc}); it was dropped from the row")
        return _DROP


def _unstorable(key: str, value: Any) -> Any:
    kind = f"{type(value).__module__}.{type(value).__qualname__}"
    warn_once(key, kind,
              f"heron.log: key {key!r} has a value of type {kind} that cannot be stored; it was "
              "dropped from the row (log numbers, strings, lists, numpy/torch values or heron "
              "media instead)")
    return _DROP


def _from_sequence(key: str, value: list[Any] | tuple[Any, ...], depth: int = 1) -> Any:
    if value and isinstance(value[0], Media):
        from heron.media import as_kind_list, as_media_list

        media = as_media_list(list(value)) or as_kind_list(list(value))
        if media is not None:
            return media
        # The writer stores media at the top of a row only: a list that mixes kinds (or holds
        # plots or histograms) would reach it unconverted.
        return _unstorable(key, value)
    if depth > MAX_DEPTH:  # converting would recurse as deep as the value nests
        return _too_deep(key)
    items = []
    for item in value:
        converted = convert(key, item, depth + 1)
        if converted is _DROP:
            return _DROP
        items.append(converted)
    return items


def _from_numpy(key: str, value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            if value.size <= ARRAY_LIST_LIMIT:
                return _from_sequence(key, value.tolist())
            return _unstorable(key, value)
        if value.ndim == 0:
            return value.item()
        if value.size <= ARRAY_LIST_LIMIT:
            return value.tolist()
        from heron.media import Histogram

        return Histogram(value.astype(np.float64, copy=False).ravel(), num_bins=32)
    return _unstorable(key, value)


def _from_torch(key: str, value: Any) -> Any:
    import torch

    if isinstance(value, torch.Tensor):
        tensor = value.detach()
        if tensor.numel() == 1 and tensor.ndim == 0:
            return tensor.item()
        if tensor.numel() <= ARRAY_LIST_LIMIT:
            return tensor.cpu().tolist()
        from heron.media.histogram import histogram_of_tensor

        return histogram_of_tensor(tensor, num_bins=32)
    if hasattr(value, "item"):
        return value.item()
    return _unstorable(key, value)


def fits(what: str, key: Any, value: Any) -> bool:
    """True when ``value`` at ``key`` of ``what`` (a summary...) is within the limits; else
    False, after one warning naming the key."""
    found = mapping_problem({key: value}, any_scalar=True)
    if found is None:
        return True
    shown = _shown(key) if isinstance(key, str) else repr(key)
    warn_once(f"{what}:{str(key)[:MAX_KEY_LENGTH]}", "limit",
              f"heron: {what} key {shown} {found[1]}; it was left out of what is stored "
              "(docs/server.md, \"Limits\")")
    return False


def fit_mapping(what: str, mapping: dict[Any, Any]) -> dict[Any, Any]:
    """``mapping`` (a config, summary, metadata) without the keys past a limit (one warning
    each): the same dict when every key fits, the common case, checked without a copy."""
    if mapping_problem(mapping, any_scalar=True) is None:
        return mapping
    return {key: value for key, value in mapping.items() if fits(what, key, value)}


def fit_text(what: str, text: str, keep_end: bool = False) -> str:
    """``text`` cut to ``MAX_STRING`` characters, saying so in it, with one warning per
    ``what``; ``keep_end`` keeps the end (a traceback's last lines say what failed)."""
    if len(text) <= MAX_STRING:
        return text
    note = f" [cut: {len(text):,} characters in all] "
    kept = MAX_STRING - len(note)
    warn_once(what, "limit", f"heron: {what} of {len(text):,} characters was cut to "
              f"{MAX_STRING:,} (docs/server.md, \"Limits\")")
    return note + text[-kept:] if keep_end else text[:kept] + note


def _fit_texts(rec: Any, what: str, fields: tuple[str, ...]) -> None:
    for field in fields:
        value = getattr(rec, field)
        if type(value) is str and len(value) > MAX_STRING:
            setattr(rec, field, fit_text(f"{what} {field}", value, keep_end=field == "traceback"))


def fit_record(rec: r.Record) -> r.Record:
    """``rec`` (not a history row: ``normalise_row`` fits those) within the limits the store
    enforces, so that no batch carrying it is refused: values past a limit are left out (one
    warning each), text fields too long are cut. Changes ``rec`` in place and returns it."""
    if isinstance(rec, r.ConsoleLine):  # the frequent record: one length check
        if len(rec.text) > MAX_STRING:
            _fit_texts(rec, "a console line", ("text",))
    elif isinstance(rec, r.RunStart):
        rec.config = fit_mapping("config", rec.config)
        rec.metadata = fit_mapping("metadata", rec.metadata)
        _fit_texts(rec, "the run's", ("name", "notes", "group", "job_type"))
        rec.tags = [fit_text("a tag", tag) if type(tag) is str else tag for tag in rec.tags]
    elif isinstance(rec, r.ConfigSet):
        rec.config = fit_mapping("config", rec.config)
    elif isinstance(rec, r.SummarySet):
        rec.summary = fit_mapping("summary", rec.summary)
    elif isinstance(rec, r.MetricsSet):
        rec.metrics = fit_mapping("define_metric", rec.metrics)
    elif isinstance(rec, r.RunPatch):
        _fit_texts(rec, "the run's", ("name", "notes"))
        if rec.tags is not None:
            rec.tags = [fit_text("a tag", t) if type(t) is str else t for t in rec.tags]
    elif isinstance(rec, r.Alert):
        _fit_texts(rec, "an alert's", ("title", "text"))
    elif isinstance(rec, r.RunEnd):
        _fit_texts(rec, "the run's", ("traceback",))
    return rec
