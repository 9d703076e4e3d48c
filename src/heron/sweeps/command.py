"""The agent's command line: argument formats and macro expansion (``${program}``, ``${args}``...).

Whole-element macros expand to zero or more elements, as in W&B's agent; ``${envvar:NAME}`` is
replaced inside any element (by ``NAME`` itself when the variable is unset, as W&B does); Heron
also replaces ``${name}`` inside an element with the value of the parameter ``name``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

DEFAULT_COMMAND = ("${env}", "${interpreter}", "${program}", "${args}")
ARG_STYLES = ("args", "args_no_hyphens", "args_no_equals", "args_no_boolean_flags", "args_json")

_ENVVAR = re.compile(r"\$\{envvar:([A-Za-z_][A-Za-z0-9_]*)\}")
_WHOLE = re.compile(r"^\$\{([^{}]+)\}$")
_INNER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}")


def format_args(params: Mapping[str, Any], style: str = "args") -> list[str]:
    """Command-line arguments for the run's parameters (top-level names, values as Python str).

    ``args``: ``--name=value``; ``args_no_hyphens``: ``name=value``; ``args_no_equals``:
    ``--name value`` (two elements); ``args_no_boolean_flags``: True gives ``--name``, False
    nothing, other values ``--name=value``; ``args_json``: one element, the JSON of ``params``.
    """
    if style == "args_json":
        return [json.dumps(dict(params))]
    out: list[str] = []
    for name, value in params.items():
        if style == "args":
            out.append(f"--{name}={value}")
        elif style == "args_no_hyphens":
            out.append(f"{name}={value}")
        elif style == "args_no_equals":
            out.extend([f"--{name}", str(value)])
        elif style == "args_no_boolean_flags":
            if isinstance(value, bool):
                if value:
                    out.append(f"--{name}")
            else:
                out.append(f"--{name}={value}")
        else:
            raise ValueError(f"argument style {style!r} is not one of {list(ARG_STYLES)}")
    return out


def _param_values(params: Mapping[str, Any]) -> dict[str, Any]:
    """Values by name, nested ones also by dotted name (``opt.lr``)."""
    out: dict[str, Any] = {}

    def walk(prefix: str, node: Mapping[str, Any]) -> None:
        for key, value in node.items():
            name = f"{prefix}{key}"
            out.setdefault(name, value)
            if isinstance(value, Mapping):
                walk(f"{name}.", value)

    walk("", params)
    return out


def expand_command(
    command: Sequence[Any] | None,
    params: Mapping[str, Any],
    program: str | None,
    *,
    json_file: str | None = None,
    environ: Mapping[str, str] | None = None,
    interpreter: str = "python",
    env: str | None = "/usr/bin/env",
) -> list[str]:
    """The argv for one run: ``command`` (default ``${env} ${interpreter} ${program} ${args}``)
    with every macro expanded.

    ``params`` are the run's parameter values (nested dicts for nested parameters);
    ``json_file`` is where the caller wrote ``format_args(params, "args_json")[0]`` for
    ``${args_json_file}``; ``environ`` serves ``${envvar:NAME}`` (nothing is read from the
    process); ``env=None`` drops ``${env}`` (Windows has no ``/usr/bin/env``). A whole-element
    macro that is neither known nor a parameter name expands to nothing, as in W&B.
    """
    environ = environ or {}
    values = _param_values(params)
    macros: dict[str, list[str]] = {
        "env": [] if env is None else [env],
        "interpreter": [interpreter],
        "args": format_args(params, "args"),
        "args_no_hyphens": format_args(params, "args_no_hyphens"),
        "args_no_equals": format_args(params, "args_no_equals"),
        "args_no_boolean_flags": format_args(params, "args_no_boolean_flags"),
        "args_json": format_args(params, "args_json"),
    }
    out: list[str] = []
    for element in DEFAULT_COMMAND if command is None else command:
        text = _ENVVAR.sub(lambda m: environ.get(m.group(1), m.group(1)), str(element))
        whole = _WHOLE.match(text)
        if whole:
            name = whole.group(1)
            if name == "program":
                if program is None:
                    raise ValueError("${program} is in the command but the sweep has no program")
                out.append(program)
            elif name == "args_json_file":
                if json_file is None:
                    raise ValueError(
                        "${args_json_file} is in the command but no json_file was given"
                    )
                out.append(json_file)
            elif name in macros:
                out.extend(macros[name])
            elif name in values:
                out.append(str(values[name]))
            continue
        out.append(
            _INNER.sub(
                lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text
            )
        )
    return out
