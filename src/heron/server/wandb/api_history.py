"""A run's history as W&B's public API reads it: ``sampledHistory(specs)``, ``history(samples,
minStep, maxStep)`` (``run.history()`` without keys, and wandb-core's pages behind
``scan_history()``), ``events`` (system metrics) and ``historyKeys``.

Rows come from ``heron.api.run.Run`` over the server's store, so a W&B reader gets exactly the
rows, sampling and key filtering ``heron.Api()`` gives (samples = evenly chosen rows, first and
last kept; with keys, rows lacking one of them are dropped). Media references are turned back
into W&B's shape where the client's own path was kept (``wandb_path``, see ``media.py``).
"""

from __future__ import annotations

import json
import math
from typing import Any

from heron.api import history as h
from heron.api.run import Run
from heron.server.wandb.context import BadRequest, Context
from heron.store import RunInfo
from heron.store.models import STREAM_HISTORY

MAX_SAMPLES = 100_000
"""The most rows one answer holds; W&B's own server caps samples too."""

_KINDS = {"number": "number", "histogram": "histogram", "image": "image-file",
          "images": "images/separated", "table": "table-file", "video": "video-file",
          "audio": "audio-file", "html": "html-file", "plotly": "plotly-file",
          "other": "unknown"}
"""Heron's kinds of logged keys (``key_summary``) as W&B's ``historyKeys`` type names."""


def to_wandb(value: Any, depth: int = 0) -> Any:
    """``value`` with each media reference that kept the client's path (``wandb_path``)
    pointing there again, as the client logged it (``media.to_heron`` reversed)."""
    if depth > 100:
        return value
    if isinstance(value, list):
        return [to_wandb(v, depth + 1) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: to_wandb(v, depth + 1) for k, v in value.items() if k != "wandb_path"}
    if isinstance(value.get("wandb_path"), str):
        out["path"] = value["wandb_path"]
    return out


def finite(value: Any) -> Any:
    """``value`` with NaN and infinities as W&B's strings (``"NaN"``, ``"Infinity"``): rows
    that travel as JSON objects inside the answer, which strict JSON cannot hold otherwise."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, list):
        return [finite(v) for v in value]
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    return value


def _samples(value: Any, default: int | None) -> int | None:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadRequest(f"samples must be a whole number of rows, not {value!r}")
    return min(value, MAX_SAMPLES)


def _step(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise BadRequest(f"{what} must be a step number, not {value!r}")
    try:
        return int(value)  # Int64 arrives as a string from some clients
    except ValueError:
        raise BadRequest(f"{what} must be a step number, not {value!r}") from None


def sampled_history(ctx: Context, info: RunInfo, args: dict[str, Any]
                    ) -> list[list[dict[str, Any]]]:
    """One list of rows per spec (a JSON string) ``{"keys": [x_axis, *keys], "samples": n}``,
    optionally with ``minStep`` and ``maxStep`` (both included: wandb-core's pages behind
    ``scan_history(keys=...)`` ask for steps 0-6, then 7-13): the rows holding every key, at
    most ``samples`` of them, evenly chosen."""
    specs = args.get("specs")
    if specs is None and args.get("spec") is not None:
        specs = [args.get("spec")]
    if not isinstance(specs, list):
        raise BadRequest(f"sampledHistory needs a list of specs, not {specs!r}")
    run = Run(ctx.store, info)
    answers = []
    for raw in specs:
        try:
            spec = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            raise BadRequest(f"a sampledHistory spec is not JSON: {str(raw)[:200]!r}") from None
        keys = spec.get("keys") if isinstance(spec, dict) else None
        if not (isinstance(keys, list) and keys and all(isinstance(k, str) for k in keys)):
            raise BadRequest(f"a sampledHistory spec needs \"keys\", a list of key names: "
                             f"{str(raw)[:200]!r}")
        samples = _samples(spec.get("samples"), 500) or 0
        last = _step(spec.get("maxStep"), "maxStep")
        # The rows heron.Api's run.history(keys=...) samples from: the first key is the x
        # axis, put first by the client, and rows lacking a key are left out.
        rows = list(run.scan_history(keys=list(dict.fromkeys(keys)),
                                     min_step=_step(spec.get("minStep"), "minStep"),
                                     max_step=None if last is None else last + 1))
        rows = [rows[i] for i in h.sample_indices(len(rows), samples)]
        answers.append([finite(to_wandb(row)) for row in rows])
    return answers


def history_lines(ctx: Context, info: RunInfo, args: dict[str, Any],
                  stream: str = "default") -> list[str]:
    """Whole rows as JSON lines, in step order: those in ``[minStep, maxStep)``, at most
    ``samples`` of them, evenly chosen (``run.history()`` without keys, wandb-core's pages)."""
    samples = _samples(args.get("samples"), None)
    min_step = _step(args.get("minStep"), "minStep")
    max_step = _step(args.get("maxStep"), "maxStep")
    run = Run(ctx.store, info)
    if stream == "system":
        rows = run.history(samples=0, pandas=False, stream="system")
    else:
        rows = list(run.scan_history(min_step=min_step, max_step=max_step))
    if samples is not None:
        rows = [rows[i] for i in h.sample_indices(len(rows), samples)]
    # The client reads each line with a JSON parser that takes NaN and Infinity, as W&B's own
    # history files hold them.
    return [json.dumps(to_wandb(row), default=str) for row in rows]


def history_keys(ctx: Context, info: RunInfo) -> dict[str, Any]:
    """``{"lastStep": n, "keys": {key: {"typeCounts": [{"type", "count"}]}}}``: what the client
    reads for ``run.lastHistoryStep`` (where ``scan_history`` stops)."""
    keys = {entry["key"]: {"typeCounts": [{"type": _KINDS.get(entry["kind"], "unknown"),
                                            "count": entry["count"]}]}
            for entry in ctx.store.key_summary(info.pk, STREAM_HISTORY)}
    return {"lastStep": info.last_step if info.history_rows else -1, "keys": keys}
