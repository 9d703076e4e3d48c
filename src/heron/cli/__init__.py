"""The ``heron`` command line."""

from heron.cli.main import cli, main

__all__ = ["cli", "main"]
