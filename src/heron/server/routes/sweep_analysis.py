"""A sweep's parameter analysis: correlation and random-forest importance, computed here."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from typing import Any

import numpy as np
from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from heron.server.guard import ReadGuard
from heron.server.jsonsafe import SafeJSONResponse
from heron.server.routes.common import (
    json_encoder,
)
from heron.server.routes.run_table import flatten, text_of

router = APIRouter()

def _flat_params(params: dict[str, Any]) -> dict[str, Any]:
    return flatten(params)


def _importance(names: list[str], rows: list[dict[str, Any]], values: list[float],
                forest: bool = True) -> list[dict[str, Any]]:
    """Correlation of each numeric parameter with the metric, and (``forest``) a random
    forest's importance of every parameter (categorical ones one-hot encoded, their columns'
    importances summed)."""
    y = np.asarray(values, dtype=np.float64)
    columns: list[np.ndarray] = []
    owner: list[int] = []
    out: list[dict[str, Any]] = []
    for j, name in enumerate(names):
        raw = [r.get(name) for r in rows]
        nums = [float(v) for v in raw if isinstance(v, (int, float)) and math.isfinite(v)]
        numeric = len(nums) == len(raw)
        entry: dict[str, Any] = {"name": name, "kind": "number" if numeric else "category",
                                 "correlation": None, "importance": None}
        if numeric:
            col = np.asarray(nums)
            if len(y) >= 2 and np.std(col) > 0 and np.std(y) > 0:
                entry["correlation"] = float(np.corrcoef(col, y)[0, 1])
            columns.append(col)
            owner.append(j)
        else:
            labels = [text_of(v) for v in raw]
            for level in sorted(set(labels)):
                columns.append(np.asarray([1.0 if v == level else 0.0 for v in labels]))
                owner.append(j)
        out.append(entry)
    if forest and len(y) >= 3 and columns and np.std(y) > 0:
        from sklearn.ensemble import RandomForestRegressor

        X = np.column_stack(columns)
        model = RandomForestRegressor(n_estimators=100, random_state=0, n_jobs=1)
        model.fit(X, y)
        total = np.zeros(len(names))
        for index, weight in zip(owner, model.feature_importances_):
            total[index] += weight
        for j, entry in enumerate(out):
            entry["importance"] = float(total[j])
    out.sort(key=lambda e: (e["importance"] is None, -(e["importance"] or 0.0),
                            -abs(e["correlation"] or 0.0)))
    return out


_analyses: OrderedDict[str, tuple[bytes, list[dict[str, Any]]]] = OrderedDict()
_analyses_lock = threading.Lock()


@router.get("/sweeps/{sweep_id}/analysis", response_class=SafeJSONResponse)
async def sweep_analysis(sweep_id: str, guard: ReadGuard, importance: bool = True) -> Any:
    """The sweep's runs ranked by its metric, the best value so far in creation order, and each
    parameter's correlation with the metric and random-forest importance (``importance=false``:
    without the forest, which takes a second the first time scikit-learn loads, unless its
    figures for these runs are already at hand)."""
    from heron.sweeps.controller import SweepController

    store = guard.store
    await run_in_threadpool(guard.sweep, await run_in_threadpool(
        SweepController(store).get, sweep_id))
    sweep = await run_in_threadpool(SweepController(store).describe, sweep_id)
    metric = sweep.get("metric") or {}
    goal = metric.get("goal") or "minimize"
    runs = sorted(sweep["runs"], key=lambda r: r["created_at"])
    scored = [r for r in runs if isinstance(r.get("value"), (int, float))
              and math.isfinite(r["value"])]
    sign = -1.0 if goal == "maximize" else 1.0
    ranking = [r["id"] for r in sorted(scored, key=lambda r: sign * r["value"])]
    progress, best = [], None
    for r in runs:
        v = r.get("value")
        if isinstance(v, (int, float)) and math.isfinite(v) and (
                best is None or sign * v < sign * best):
            best = v
        progress.append({"id": r["id"], "value": v, "best": best})
    rows = [_flat_params(r.get("params") or {}) for r in scored]
    names = sorted({k for row in rows for k in row})
    values = [float(r["value"]) for r in scored]
    stamp = json_encoder.encode([names, rows, values])
    with _analyses_lock:
        cached = _analyses.get(sweep_id)
    if cached is not None and cached[0] == stamp:
        params = cached[1]
    elif not importance:
        params = _importance(names, rows, values, forest=False)
    else:
        params = await run_in_threadpool(_importance, names, rows, values)
        with _analyses_lock:
            _analyses[sweep_id] = (stamp, params)
            while len(_analyses) > 32:
                _analyses.popitem(last=False)
    return SafeJSONResponse({"metric": metric.get("name"), "goal": goal, "runs_used": len(scored),
                             "params": params, "ranking": ranking, "progress": progress})
