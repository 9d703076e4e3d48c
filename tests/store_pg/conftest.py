"""Fixtures for the tests about PostgreSQL alone (several server replicas on one database).

The store's behaviours are tested on every backend, PostgreSQL included, by the conformance
suite in tests/store; only what needs PostgreSQL itself lives here.
"""

from __future__ import annotations

from tests.support.postgres import postgres_server, postgres_url  # noqa: F401
