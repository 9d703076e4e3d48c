"""The public read API: ``heron.Api()`` and the runs it returns."""

from heron.api.api import Api, Runs
from heron.api.run import File, Run

__all__ = ["Api", "File", "Run", "Runs"]
