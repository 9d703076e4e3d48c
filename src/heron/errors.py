"""Exception classes raised by Heron, each naming the bad value it refuses."""

from __future__ import annotations


class Error(Exception):
    """Base class of every error Heron raises (W&B calls it ``wandb.Error``)."""


class UsageError(Error):
    """A call made in the wrong order or with arguments that cannot work together."""


class ValueRejected(Error, ValueError):
    """A value passed to Heron that it cannot accept (bad shape, bad type, bad range)."""


class SweepConfigError(Error, ValueError):
    """A sweep configuration that breaks one or more rules; ``errors`` lists every violation."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("invalid sweep config:\n" + "\n".join(f"  - {e}" for e in self.errors))


class NotFound(Error, LookupError):
    """A run, project, sweep, file or key that does not exist."""


class RunNotFound(NotFound):
    """A run path that names no run in the store."""


class StoreError(Error):
    """The store could not be opened or written."""


class CommError(Error):
    """A server could not be reached or answered with an error worth retrying."""


class AuthError(CommError):
    """The server refused the API key (401/403)."""


class RejectedBatch(Error):
    """The store or server refused a batch for what it holds: retrying cannot help.

    The batch is kept in the run folder (``rejected-*.heronlog``) for inspection.
    """


class Conflict(Error):
    """The request cannot be applied to the current state (an id already taken, a sweep that is
    finished)."""


class PermissionDenied(Error):
    """The caller is known but may not do this."""
