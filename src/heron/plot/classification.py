"""Charts of a classifier's results: ``confusion_matrix``, ``pr_curve`` and ``roc_curve``,
computed as ``wandb.plot`` 0.31 computes them (same tables, to the same rounding), so a
chart logged with Heron matches the one W&B would store for the same call.

numpy and scikit-learn are imported when a chart is made, never by ``import heron``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from heron.errors import ValueRejected
from heron.media._convert import type_name
from heron.media.table import Table
from heron.plot.custom_chart import CustomChart, plot_table
from heron.term import outside_heron

if TYPE_CHECKING:
    import numpy as np

CURVE_ROWS = 10_000
"""W&B's ``Table.MAX_ROWS``: a longer curve table is sampled down to this many rows (stratified
by class, with W&B's seed) so that both clients store the same table."""


def confusion_matrix(probs: Any = None, y_true: Any = None, preds: Any = None,
                     class_names: Sequence[str] | None = None,
                     title: str = "Confusion Matrix Curve",
                     split_table: bool = False) -> CustomChart:
    """A confusion matrix of true labels ``y_true`` against predictions: ``preds`` (labels)
    or ``probs`` (one row of class probabilities per example; the most likely class is the
    prediction). With ``class_names``, labels are class indices into it; without, each label
    seen is a class, named ``Class_1``, ``Class_2``... in sorted order.

    Example:
        >>> run.log({"cm": heron.plot.confusion_matrix(
        ...     y_true=[0, 1, 2, 1], preds=[0, 2, 2, 1], class_names=["cat", "dog", "bird"])})
    """
    if probs is not None and preds is not None:
        raise ValueRejected("heron.plot.confusion_matrix: pass probs or preds, not both")
    if probs is not None:
        preds = _probability_rows(probs, "heron.plot.confusion_matrix: probs").argmax(
            axis=1).tolist()
    if preds is None:
        raise ValueRejected("heron.plot.confusion_matrix needs preds (predicted labels) or "
                            "probs (class probabilities)")
    if y_true is None:
        raise ValueRejected("heron.plot.confusion_matrix needs y_true (the true labels)")
    predicted = _labels(preds, "preds")
    actual = _labels(y_true, "y_true")
    if len(predicted) != len(actual):
        raise ValueRejected(f"heron.plot.confusion_matrix: preds has {len(predicted)} labels "
                            f"and y_true {len(actual)}; give one prediction per true label")
    if class_names is not None:
        names = [str(n) for n in _labels(class_names, "class_names")]
        for what, labels in (("preds", predicted), ("y_true", actual)):
            if len(set(labels)) > len(names):
                raise ValueRejected(
                    f"heron.plot.confusion_matrix: {what} holds {len(set(labels))} different "
                    f"labels but class_names names {len(names)} classes: {names}")
        index = {i: i for i in range(len(names))}
    else:
        seen = sorted(set(predicted) | set(actual))
        names = [f"Class_{i + 1}" for i in range(len(seen))]
        index = {label: i for i, label in enumerate(seen)}
    counts = [[0.0] * len(names) for _ in names]  # floats: W&B counts in a float array
    for what, labels in (("y_true", actual), ("preds", predicted)):
        for i, label in enumerate(labels):
            if label not in index:
                raise ValueRejected(
                    f"heron.plot.confusion_matrix: {what}[{i}]={label!r} is not a class "
                    f"index of class_names (0 to {len(names) - 1})")
    for true_label, predicted_label in zip(actual, predicted, strict=True):
        counts[index[true_label]][index[predicted_label]] += 1
    rows = [[names[i], names[j], counts[i][j]] for i in range(len(names))
            for j in range(len(names))]
    return plot_table(
        "wandb/confusion_matrix/v1",
        Table(columns=["Actual", "Predicted", "nPredictions"], data=rows),
        {"Actual": "Actual", "Predicted": "Predicted", "nPredictions": "nPredictions"},
        {"title": title}, split_table)


def pr_curve(y_true: Any = None, y_probas: Any = None, labels: Sequence[str] | None = None,
             classes_to_plot: Sequence[Any] | None = None, interp_size: int = 21,
             title: str = "Precision-Recall Curve", split_table: bool = False) -> CustomChart:
    """Precision-recall curves, one per class (one-vs-rest): precision at ``interp_size``
    evenly spaced recall levels, made non-increasing in recall as W&B does.

    ``y_probas`` holds one row of class probabilities per example, columns in sorted class
    order; ``labels`` names integer classes; ``classes_to_plot`` picks some classes.

    Example:
        >>> run.log({"pr": heron.plot.pr_curve(y_true=[0, 1, 1], y_probas=[[0.8, 0.2],
        ...          [0.3, 0.7], [0.4, 0.6]], labels=["neg", "pos"])})
    """
    import numpy as np
    from sklearn.metrics import precision_recall_curve

    if isinstance(interp_size, bool) or not isinstance(interp_size, int) or interp_size < 2:
        raise ValueRejected(f"heron.plot.pr_curve: interp_size={interp_size!r} must be an "
                            "integer of at least 2")
    truth, probas, classes = _curve_inputs("pr_curve", y_true, y_probas)
    recall_levels = np.linspace(0, 1, interp_size)[::-1]
    curves: dict[Any, tuple[np.ndarray, np.ndarray]] = {}
    for i, label in _plotted("pr_curve", classes, labels, classes_to_plot):
        precision, recall, _ = precision_recall_curve(truth, probas[:, i],
                                                      pos_label=classes[i])
        # The best precision at this recall or more, read with recall ascending.
        precision = np.maximum.accumulate(precision)[::-1]
        at = np.searchsorted(recall[::-1], recall_levels, side="left")
        curves[label] = (precision[at], recall_levels)
    return plot_table(
        "wandb/area-under-curve/v0",
        _curve_table("pr_curve", curves, ("precision", "recall")),
        {"x": "recall", "y": "precision", "class": "class"},
        {"title": title, "x-axis-title": "Recall", "y-axis-title": "Precision"}, split_table)


def roc_curve(y_true: Any = None, y_probas: Any = None, labels: Sequence[str] | None = None,
              classes_to_plot: Sequence[Any] | None = None, title: str = "ROC Curve",
              split_table: bool = False) -> CustomChart:
    """ROC curves (true positive rate against false positive rate), one per class
    (one-vs-rest). Arguments as for ``pr_curve``.

    Example:
        >>> run.log({"roc": heron.plot.roc_curve(y_true=[0, 1, 1], y_probas=[[0.8, 0.2],
        ...          [0.3, 0.7], [0.4, 0.6]], labels=["neg", "pos"])})
    """
    from sklearn.metrics import roc_curve as sklearn_roc_curve

    truth, probas, classes = _curve_inputs("roc_curve", y_true, y_probas)
    curves: dict[Any, tuple[np.ndarray, np.ndarray]] = {}
    for i, label in _plotted("roc_curve", classes, labels, classes_to_plot):
        fpr, tpr, _ = sklearn_roc_curve(truth, probas[..., i], pos_label=classes[i])
        curves[label] = (fpr, tpr)
    return plot_table(
        "wandb/area-under-curve/v0",
        _curve_table("roc_curve", curves, ("fpr", "tpr")),
        {"x": "fpr", "y": "tpr", "class": "class"},
        {"title": title, "x-axis-title": "False positive rate",
         "y-axis-title": "True positive rate"}, split_table)


def _labels(values: Any, what: str) -> list[Any]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise ValueRejected(f"heron.plot.confusion_matrix: {what} must be a list of labels, "
                            f"got {type_name(values)} {values!r:.60}")
    return values.tolist() if hasattr(values, "tolist") else list(values)


def _probability_rows(values: Any, what: str) -> np.ndarray:
    import numpy as np

    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueRejected(f"{what} must be a 2-D array of class probabilities (one row per "
                            f"example), got {type_name(values)} {values!r:.60}") from None
    if array.ndim != 2 or array.shape[1] == 0:
        raise ValueRejected(f"{what} must be a 2-D array of class probabilities (one row per "
                            f"example), got shape {array.shape}")
    return array


def _curve_inputs(function: str, y_true: Any, y_probas: Any
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import numpy as np

    if y_true is None or y_probas is None:
        missing = "y_true" if y_true is None else "y_probas"
        raise ValueRejected(f"heron.plot.{function} needs {missing}")
    truth = np.asarray(y_true)
    if truth.ndim != 1 or len(truth) == 0:
        raise ValueRejected(f"heron.plot.{function}: y_true must be a non-empty list of "
                            f"labels, got shape {truth.shape}")
    probas = _probability_rows(y_probas, f"heron.plot.{function}: y_probas")
    classes = np.unique(truth)
    if len(probas) != len(truth):
        raise ValueRejected(f"heron.plot.{function}: y_probas has {len(probas)} rows and y_true "
                            f"{len(truth)} labels; give one row of probabilities per label")
    if probas.shape[1] < len(classes):
        raise ValueRejected(f"heron.plot.{function}: y_true holds {len(classes)} classes "
                            f"({classes.tolist()}) but y_probas has {probas.shape[1]} columns; "
                            "give one column per class, in sorted class order")
    return truth, probas, classes


def _plotted(function: str, classes: np.ndarray, labels: Sequence[str] | None,
             classes_to_plot: Sequence[Any] | None) -> list[tuple[int, Any]]:
    """(column index, shown label) of each class to draw; integer classes are named by
    ``labels`` when given, W&B's rule."""
    import numpy as np

    chosen = classes if classes_to_plot is None else classes_to_plot
    indices = np.where(np.isin(classes, chosen))[0]
    if classes_to_plot is not None and not len(indices):
        raise ValueRejected(f"heron.plot.{function}: classes_to_plot={list(classes_to_plot)!r} "
                            f"names none of the classes in y_true: {classes.tolist()}")
    numbered = labels is not None and isinstance(classes[0], np.integer)
    out = []
    for i in indices.tolist():
        if numbered:
            assert labels is not None
            if not 0 <= int(classes[i]) < len(labels):
                raise ValueRejected(f"heron.plot.{function}: class {int(classes[i])} has no "
                                    f"name in labels={list(labels)!r}")
            out.append((i, labels[int(classes[i])]))
        else:
            out.append((i, classes[i].item()))
    return out


def _curve_table(function: str, curves: dict[Any, tuple[np.ndarray, np.ndarray]],
                 columns: tuple[str, str]) -> Table:
    """The ``class, <first>, <second>`` table of the curves, values rounded to 3 decimals;
    sampled down to ``CURVE_ROWS`` rows (then sorted by the values) past W&B's limit."""
    import numpy as np

    if not curves:
        raise ValueRejected(f"heron.plot.{function}: no class to plot")
    names = np.hstack([[name] * len(first) for name, (first, _) in curves.items()])
    first = np.round(np.hstack([c[0] for c in curves.values()]), 3)
    second = np.round(np.hstack([c[1] for c in curves.values()]), 3)
    if len(names) > CURVE_ROWS:
        from sklearn.utils import resample

        warnings.warn(f"heron.plot.{function}: the curves have {len(names):,} points; "
                      f"{CURVE_ROWS:,} of them (W&B's limit) are kept",
                      stacklevel=outside_heron())
        kept = resample(np.arange(len(names)), replace=False, n_samples=CURVE_ROWS,
                        random_state=42, stratify=names)
        kept = kept[np.lexsort((names[kept], second[kept], first[kept]))]
        names, first, second = names[kept], first[kept], second[kept]
    rows = [list(row) for row in zip(names.tolist(), first.tolist(), second.tolist(),
                                     strict=True)]
    return Table(columns=["class", *columns], data=rows)
