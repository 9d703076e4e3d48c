"""Every TensorBoard test leaves the writers unpatched, whatever it did."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def unpatched() -> Iterator[None]:
    yield
    from heron.tensorboard import unpatch

    unpatch()
