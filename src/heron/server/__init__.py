"""``heron server``: the tracking server (REST API, live feed, dashboard) over a store."""

from heron.server.app import create_app
from heron.server.serve import serve

__all__ = ["create_app", "serve"]
