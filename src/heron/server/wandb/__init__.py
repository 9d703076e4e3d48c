"""The W&B protocol: the official ``wandb`` client logs to Heron unchanged (docs/wandb-client.md).

Its GraphQL calls, ``file_stream`` posts and file uploads become Heron's records, written
through the same access checks and ``Store.write`` as ``POST /api/v1/ingest``.
"""

from heron.server.wandb.routes import router

__all__ = ["router"]
