"""Runs from other trackers into Heron: ``heron import tensorboard|mlflow|wandb``.

Each importer (``tensorboard``, ``mlflow``, ``wandb``) reads its source with the field's own
reader into ``ImportedRun`` values; ``write_run`` stores one through any sink, once. See
docs/tensorboard-and-imports.md.
"""

from heron.importers.model import ImportedRow, ImportedRun, ImportSourceError, stable_run_id
from heron.importers.run_writer import ImportOutcome, write_run

__all__ = ["ImportOutcome", "ImportSourceError", "ImportedRow", "ImportedRun",
           "stable_run_id", "write_run"]
