"""``POST /graphql``: parse the query with graphql-core, answer each top-level field with its
resolver (``routes.RESOLVERS``), and shape the answer leniently to what was asked.

There is no schema: a resolver returns plain dicts (values may be callables taking a nested
field's arguments), ``shape`` keeps the fields the query selects and answers null for the
ones it does not know. A field no resolver answers is a GraphQL error naming it, logged once
per process with the client's user agent, so a gap is visible instead of a silent hang.

Older clients (up to about 0.28) probe what the server offers with ``__type(name: ...)``
before they use an optional feature; ``introspect`` answers with the fields Heron answers,
so every feature Heron lacks reads as absent instead of failing the client's probe.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from graphql import GraphQLError, Undefined, parse
from graphql.language import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.utilities import value_from_ast_untyped

from heron.server.wandb.context import BadRequest, Context

log = logging.getLogger("heron.server.wandb")

Resolver = Callable[[Context, dict[str, Any]], Any]

_reported: set[str] = set()
_reported_lock = threading.Lock()
client_versions: dict[str, str] = {}
"""The wandb version each user's client last named (its UpsertBucket's config says it; no
header does), for the log line about an operation Heron lacks."""


TYPE_FIELDS: dict[str, list[str]] = {
    # What ``operations.server_info`` answers.
    "ServerInfo": ["cliVersionInfo", "features", "latestLocalVersionInfo"],
}
"""The fields of the types clients probe, besides ``Query`` and ``Mutation``; any other type
is answered with no fields (every optional input or feature it stands for is off)."""


def introspect(name: str, resolvers: dict[str, Resolver]) -> dict[str, Any]:
    """``__type(name)``: ``Query`` and ``Mutation`` both list every top-level field Heron
    answers (the client only asks whether a name is among them, and Heron keeps no schema to
    tell queries from mutations)."""
    if name in ("Query", "Mutation"):
        names = sorted(k for k in resolvers if not k.startswith("__"))
    else:
        names = TYPE_FIELDS.get(name, [])
    fields: list[dict[str, Any]] = [{"name": field, "args": [], "type": None} for field in names]
    return {"name": name, "kind": "OBJECT", "fields": fields, "inputFields": fields}


class Unimplemented(Exception):
    """The client asked for a top-level field Heron does not answer."""


def _fields(selections: SelectionSetNode | None,
            fragments: dict[str, FragmentDefinitionNode]) -> list[FieldNode]:
    """The fields of a selection set, fragments spread in."""
    found: list[FieldNode] = []
    for node in selections.selections if selections else ():
        if isinstance(node, FieldNode):
            found.append(node)
        elif isinstance(node, InlineFragmentNode):
            found.extend(_fields(node.selection_set, fragments))
        elif isinstance(node, FragmentSpreadNode):
            fragment = fragments.get(node.name.value)
            if fragment is not None:
                found.extend(_fields(fragment.selection_set, fragments))
    return found


def arguments(field: FieldNode, variables: dict[str, Any]) -> dict[str, Any]:
    """The field's arguments with its variables filled in. A variable the query declares but
    the request leaves out (clients declare ``$filters``, ``$cursor``... and often send none)
    reads as null, at any depth."""
    return {arg.name.value: _defined(value_from_ast_untyped(arg.value, variables))
            for arg in field.arguments or ()}


def _defined(value: Any) -> Any:
    if value is Undefined:
        return None
    if isinstance(value, dict):
        return {k: _defined(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_defined(v) for v in value]
    return value


def shape(value: Any, field: FieldNode, variables: dict[str, Any],
          fragments: dict[str, FragmentDefinitionNode]) -> Any:
    """``value`` cut to ``field``'s selection: unknown fields are null, callables are called
    with the field's arguments."""
    if callable(value):
        value = value(arguments(field, variables))
    if field.selection_set is None or value is None:
        return value
    if isinstance(value, list):
        return [shape(item, _plain(field), variables, fragments) for item in value]
    if not isinstance(value, dict):
        return value
    answer: dict[str, Any] = {}
    for sub in _fields(field.selection_set, fragments):
        name = sub.name.value
        key = sub.alias.value if sub.alias else name
        answer[key] = shape(value.get(name), sub, variables, fragments)
    return answer


def _plain(field: FieldNode) -> FieldNode:
    """``field`` without arguments (the items of a list were already resolved)."""
    return FieldNode(name=field.name, alias=field.alias, arguments=(),
                     directives=field.directives, selection_set=field.selection_set)


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    for operation in operations:
        if name is None or (operation.name and operation.name.value == name):
            return operation
    if len(operations) == 1:  # a client that names the operation differently
        return operations[0]
    raise BadRequest(f"the document has no operation named {name!r}")


def report_once(what: str, ctx: Context) -> None:
    with _reported_lock:
        if what in _reported:
            return
        _reported.add(what)
    version = client_versions.get(ctx.caller.user or "", "unknown")
    log.warning("heron: the W&B client (wandb %s, user agent %s) asked for %s, which Heron "
                "does not implement", version, ctx.user_agent, what)


def decode_request(body: bytes) -> tuple[str, str | None, dict[str, Any]]:
    """(query, operation name, variables) of a GraphQL POST; ``BadRequest`` when malformed."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"the GraphQL request is not JSON: {exc}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        raise BadRequest("a GraphQL request is a JSON object with a string \"query\"")
    name = payload.get("operationName")
    variables = payload.get("variables") or {}
    if not isinstance(variables, dict) or not (name is None or isinstance(name, str)):
        raise BadRequest("\"variables\" must be an object and \"operationName\" a string")
    return payload["query"], name, variables


def text_argument(args: dict[str, Any], name: str) -> str:
    value = args.get(name)
    if not isinstance(value, str):
        raise BadRequest(f"the argument {name!r} must be a string, not {value!r}"[:300])
    return value


def execute(ctx: Context, body: bytes, resolvers: dict[str, Resolver]) -> dict[str, Any]:
    """The ``data`` of the answer; raises ``BadRequest``, ``Unimplemented`` or the store's and
    guard's errors (``heron.errors``)."""
    query, name, variables = decode_request(body)
    try:
        document = parse(query)
    except GraphQLError as exc:
        raise BadRequest(f"the query does not parse: {exc.message}") from None
    operation = _operation(document, name)
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    data: dict[str, Any] = {}
    for field in _fields(operation.selection_set, fragments):
        top = field.name.value
        key = field.alias.value if field.alias else top
        if top == "__typename":
            data[key] = "Mutation" if operation.operation.value == "mutation" else "Query"
            continue
        if top == "__type":
            type_name = text_argument(arguments(field, variables), "name")
            data[key] = shape(introspect(type_name, resolvers), _plain(field), variables,
                              fragments)
            continue
        resolver = resolvers.get(top)
        if resolver is None:
            label = (f"the operation {name!r} (field {top!r})" if name
                     else f"the field {top!r}")
            report_once(label, ctx)
            raise Unimplemented(f"Heron does not implement {label} of the W&B API")
        data[key] = shape(resolver(ctx, arguments(field, variables)), _plain(field), variables,
                          fragments)
    return data
