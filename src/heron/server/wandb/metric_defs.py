"""The client's ``define_metric`` calls as Heron's metric definitions.

The official client sends them inside the config's ``_wandb`` entry, key ``m``: a list of
its ``MetricRecord``s with their fields by number (1 name, 2 glob, 4 step metric, 5 the
1-based index of the step metric's own entry, 6 options, 7 summary, 8 goal). Integrations
lean on them: Hugging Face's Trainer and Lightning chart everything against
``train/global_step`` / ``trainer/global_step``, so the dashboard must know that too.
"""

from __future__ import annotations

from typing import Any

SUMMARIES = {1: "min", 2: "max", 3: "mean", 4: "best", 5: "last", 6: "none", 7: "copy",
             8: "first"}
OPTIONS = {1: "step_sync", 2: "hidden", 3: "defined"}
GOALS = {1: "minimize", 2: "maximize"}


def _flags(value: Any, names: dict[int, str]) -> set[str]:
    """Enabled flags, sent as a list of field numbers or as ``{number: true}``."""
    if isinstance(value, dict):
        numbers = [k for k, v in value.items() if v]
    elif isinstance(value, list):
        numbers = value
    else:
        return set()
    return {names[int(n)] for n in numbers if str(n).isdigit() and int(n) in names}


def metric_defs(internal: dict[str, Any] | None) -> dict[str, dict[str, Any]] | None:
    """Heron's ``{name or glob: {"step_metric", "summary", "goal", "hidden", "step_sync"}}``
    for the client's records; None when the client sent none (nothing to change)."""
    records = (internal or {}).get("m")
    if not isinstance(records, list) or not records:
        return None
    entries = [rec if isinstance(rec, dict) else {} for rec in records]
    defs: dict[str, dict[str, Any]] = {}
    for rec in entries:
        name = rec.get("1") or rec.get("2")
        if not isinstance(name, str) or not name:
            continue
        step = rec.get("4")
        index = rec.get("5")
        if not step and type(index) is int and 0 < index <= len(entries):
            step = entries[index - 1].get("1")
        options = _flags(rec.get("6"), OPTIONS)
        out: dict[str, Any] = {"step_sync": "step_sync" in options}
        if isinstance(step, str) and step:
            out["step_metric"] = step
        if "hidden" in options:
            out["hidden"] = True
        summary = sorted(_flags(rec.get("7"), SUMMARIES))
        if summary:
            out["summary"] = summary
        goal = rec.get("8")
        if type(goal) is int and goal in GOALS:
            out["goal"] = GOALS[goal]
        defs[name] = out
    return defs
