"""Fixtures for media in an S3-compatible bucket: moto's server, PostgreSQL for replicas."""

from __future__ import annotations

from tests.support.postgres import postgres_server, postgres_url  # noqa: F401
from tests.support.s3 import s3_media, s3_server  # noqa: F401
from tests.wandb_protocol.conftest import wandb_python  # noqa: F401
