"""``LinkArtifact``: the official client's ``run.link_artifact(artifact, target, aliases)`` and
``wandb.Api().artifact(...).link(target, aliases)``.

Heron has no registries or portfolios: linking to ``[entity/]project/collection`` adds the
version to the Heron collection of that name in that project (made if new, with the
version's type), as W&B's portfolios do: the same files (shared, not copied), description,
metadata and producer, with the aliases (and ``latest``) on it. A registry path
(``wandb-registry-NAME/collection``) is the project ``wandb-registry-NAME`` of the caller's
entity: the client asks for the entity's organization first (``entity(name)``), which Heron
answers as an organization of its own name.
"""

from __future__ import annotations

from typing import Any

from heron.artifacts.manifest import name_problem
from heron.errors import RunNotFound
from heron.server.wandb.artifacts_ids import heron_entity
from heron.server.wandb.artifacts_read import by_id, membership, shape_artifact
from heron.server.wandb.artifacts_write import user_aliases
from heron.server.wandb.context import BadRequest, Context
from heron.server.wandb.graphql import Resolver
from heron.server.wandb.shapes import text


def link_artifact(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    given = args.get("input")
    if not isinstance(given, dict):
        raise BadRequest("linkArtifact needs an input object")
    name = text(given.get("artifactPortfolioName"), "artifactPortfolioName")
    if not name:
        raise BadRequest("linkArtifact needs artifactPortfolioName (the target collection's "
                         "name): Heron has no portfolio ids")
    problem = name_problem(name, "collection name")
    if problem is not None:
        raise BadRequest(problem)
    project = text(given.get("projectName"), "projectName") or ""
    source = by_id(ctx, given.get("artifactID"))
    if source is None:
        raise RunNotFound(f"no artifact {str(given.get('artifactID'))[:100]!r} to link")
    target = ctx.guard.project_for_writing(
        heron_entity(ctx, text(given.get("entityName"), "entityName")), project)
    with ctx.store.artifact_session(write=True) as arts:
        linked_id = arts.link(source.id, target.entity, project, name,
                              user_aliases(given.get("aliases")))
    with ctx.store.artifact_session() as arts:
        linked = arts.by_id(linked_id)
    assert linked is not None  # made in the transaction just committed
    return {"versionIndex": linked.version,
            "artifactMembership": membership(shape_artifact(ctx, linked))}


def entity(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """``entity(name){organization{name orgEntity{name}}}``: an entity is its own
    organization (what a registry path resolves its entity through)."""
    name = text(args.get("name"), "name") or ""
    org = {"__typename": "Organization", "id": name, "name": name,
           "orgEntity": {"__typename": "Entity", "id": name, "name": name}}
    return {"__typename": "Entity", "id": name, "name": name, "organization": org,
            "user": {"organizations": [org]}}


RESOLVERS: dict[str, Resolver] = {
    "linkArtifact": link_artifact,
    "entity": entity,
}
