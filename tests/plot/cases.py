"""The ``heron.plot`` calls the tests make with both clients: each case is JSON (the official
client's script reads the same list), and ``heron_chart`` makes Heron's chart of a case."""

from __future__ import annotations

from typing import Any

import numpy as np

import heron


def _classifier_output(n: int, classes: int, seed: int) -> tuple[list[int], list[list[float]]]:
    """Labels and class probabilities that agree with the labels more often than not."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, classes, n)
    scores = rng.random((n, classes)) + np.eye(classes)[truth] * rng.random(n)[:, None]
    probas = np.round(scores / scores.sum(axis=1, keepdims=True), 4)
    return truth.tolist(), probas.tolist()


TRUTH, PROBAS = _classifier_output(60, 3, seed=7)
BINARY_TRUTH, BINARY_PROBAS = _classifier_output(40, 2, seed=3)

CASES: list[dict[str, Any]] = [
    {"key": "loss_curve", "fn": "line",
     "table": {"columns": ["step", "loss"], "data": [[0, 1.0], [1, 0.5], [2, 0.25]]},
     "kwargs": {"x": "step", "y": "loss", "title": "Loss"}},
    {"key": "by_run", "fn": "line",
     "table": {"columns": ["x", "y", "run"],
               "data": [[0, 1, "a"], [1, 2, "a"], [0, 2, "b"], [1, 3, "b"]]},
     "kwargs": {"x": "x", "y": "y", "stroke": "run", "split_table": True}},
    {"key": "hw", "fn": "scatter",
     "table": {"columns": ["height", "weight"], "data": [[1.6, 55], [1.7, 65], [1.8, 80]]},
     "kwargs": {"x": "height", "y": "weight", "title": "Height and weight"}},
    {"key": "counts", "fn": "bar",
     "table": {"columns": ["class", "count"], "data": [["cat", 12], ["dog", 9], ["bird", 4]]},
     "kwargs": {"label": "class", "value": "count", "title": "Counts"}},
    {"key": "scores", "fn": "histogram",
     "table": {"columns": ["score"], "data": [[v] for v in (0.1, 0.4, 0.35, 0.8, 0.7, 0.75)]},
     "kwargs": {"value": "score", "title": "Scores"}},
    {"key": "losses", "fn": "line_series",
     "kwargs": {"xs": [0, 1, 2, 3], "ys": [[1.0, 0.6, 0.4, 0.3], [1.2, 0.9, 0.7, 0.65]],
                "keys": ["train", "val"], "title": "Loss", "xname": "epoch"}},
    {"key": "ragged", "fn": "line_series",
     "kwargs": {"xs": [[0, 1, 2], [0, 2]], "ys": [[3, 2, 1], [5, 4, 3]]}},
    {"key": "cm", "fn": "confusion_matrix",
     "kwargs": {"y_true": [0, 1, 2, 1, 0, 2], "preds": [0, 2, 2, 1, 1, 2],
                "class_names": ["cat", "dog", "bird"]}},
    {"key": "cm_probs", "fn": "confusion_matrix",
     "kwargs": {"probs": PROBAS[:12], "y_true": TRUTH[:12], "title": "From probabilities"}},
    {"key": "pr", "fn": "pr_curve",
     "kwargs": {"y_true": TRUTH, "y_probas": PROBAS, "labels": ["cat", "dog", "bird"]}},
    {"key": "pr_some", "fn": "pr_curve",
     "kwargs": {"y_true": BINARY_TRUTH, "y_probas": BINARY_PROBAS, "classes_to_plot": [1],
                "interp_size": 5, "title": "PR"}},
    {"key": "roc", "fn": "roc_curve", "parent": "eval",
     "kwargs": {"y_true": TRUTH, "y_probas": PROBAS, "labels": ["cat", "dog", "bird"]}},
    {"key": "roc_plain", "fn": "roc_curve",
     "kwargs": {"y_true": BINARY_TRUTH, "y_probas": BINARY_PROBAS}},
    {"key": "custom", "fn": "plot_table",
     "table": {"columns": ["a", "b"], "data": [[1, 2], [3, 4]]},
     "kwargs": {"vega_spec_name": "me/my-spec/v1", "fields": {"x": "a", "y": "b"},
                "string_fields": {"title": "Mine"}}},
]


def heron_chart(case: dict[str, Any]) -> heron.plot.CustomChart:
    kwargs = dict(case.get("kwargs", {}))
    if "table" in case:
        table = heron.Table(columns=case["table"]["columns"], data=case["table"]["data"])
        if case["fn"] == "plot_table":
            return heron.plot_table(data_table=table, **kwargs)
        chart: heron.plot.CustomChart = getattr(heron.plot, case["fn"])(table, **kwargs)
        return chart
    made: heron.plot.CustomChart = getattr(heron.plot, case["fn"])(**kwargs)
    return made


def logged(case: dict[str, Any], chart: Any) -> dict[str, Any]:
    """What a script logs for ``case``: the chart under its key, inside ``parent`` if set."""
    value = {case["key"]: chart}
    return {case["parent"]: value} if "parent" in case else value
