"""W&B's artifact ids for Heron's versions: ``base64("Artifact:<version id>")`` for a stored
version, ``base64("Artifact:pending-<token>")`` for one the client is still sending
(``artifacts_pending``), and the entity names the client sends mapped to Heron's."""

from __future__ import annotations

import base64
import binascii

from heron.server.wandb import entities
from heron.server.wandb.context import BadRequest, Context

PENDING = "pending-"


def artifact_id(version_id: int) -> str:
    return base64.b64encode(f"Artifact:{version_id}".encode()).decode()


def pending_id(token: str) -> str:
    return base64.b64encode(f"Artifact:{PENDING}{token}".encode()).decode()


def manifest_id(token: str) -> str:
    return base64.b64encode(f"ArtifactManifest:{token}".encode()).decode()


def _decoded(value: object, kind: str) -> str:
    if not isinstance(value, str):
        raise BadRequest(f"an {kind} id must be a string, not {value!r}"[:200])
    try:
        text = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, ValueError):
        text = ""
    prefix = f"{kind}:"
    if not text.startswith(prefix):
        raise BadRequest(f"{value[:100]!r} is not an {kind} id this server handed out")
    return text[len(prefix):]


def parse_artifact_id(value: object) -> tuple[int | None, str | None]:
    """(version id, None) for a stored version's id, (None, token) for a pending one."""
    rest = _decoded(value, "Artifact")
    if rest.startswith(PENDING):
        return None, rest[len(PENDING):]
    if not rest.isdigit():
        raise BadRequest(f"{str(value)[:100]!r} is not an Artifact id this server handed out")
    return int(rest), None


def parse_manifest_id(value: object) -> str:
    return _decoded(value, "ArtifactManifest")


def heron_entity(ctx: Context, sent: str | None) -> str:
    """Heron's entity for the one the client names (its user name means Heron's default)."""
    return "" if not sent or sent == entities.default_entity(ctx.caller) else sent
