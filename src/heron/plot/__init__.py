"""``heron.plot``: W&B's ready-made charts (``wandb.plot``), logged as a table plus a chart
spec and drawn by Heron's dashboard.

Example:
    >>> run.log({"roc": heron.plot.roc_curve(y_true, y_probas, labels=["cat", "dog"])})
"""

from heron.plot.classification import confusion_matrix, pr_curve, roc_curve
from heron.plot.custom_chart import CustomChart, plot_table
from heron.plot.table_charts import bar, histogram, line, line_series, scatter

__all__ = [
    "CustomChart",
    "bar",
    "confusion_matrix",
    "histogram",
    "line",
    "line_series",
    "plot_table",
    "pr_curve",
    "roc_curve",
    "scatter",
]
