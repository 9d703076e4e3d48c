"""``heron.setup()`` and ``heron.teardown()``: W&B's explicit start and end of the SDK's
background work in a process (both optional: ``init()`` starts what it needs, and the exit
hooks end it)."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

from heron.sdk import registry
from heron.sdk.settings import RunSettings, Settings, resolve
from heron.term import set_silent, termwarn


@dataclasses.dataclass
class Setup:
    """What ``heron.setup()`` returns (W&B's settings holder): ``settings`` are the resolved
    settings later runs start from; ``explicit`` are the ones passed to ``setup()``."""

    settings: RunSettings
    explicit: Settings | None = None


_lock = threading.Lock()
_current: Setup | None = None


def _as_settings(value: Settings | dict[str, Any] | None) -> Settings | None:
    if value is None or isinstance(value, Settings):
        return value
    known = {f.name for f in dataclasses.fields(Settings)}
    return Settings(**{k: v for k, v in value.items() if k in known},
                    extra={k: v for k, v in value.items() if k not in known})


def setup(settings: Settings | dict[str, Any] | None = None) -> Setup:
    """Read the settings once and start the writer process, so the first ``init()`` does not
    wait for it; ``settings`` become the base of every later ``init()``'s. Safe to call
    again (the newest settings apply) and never needed.

    Example:
        >>> heron.setup(heron.Settings(project="demo", silent=True))
        >>> run = heron.init()          # project "demo", quiet
    """
    global _current
    explicit = _as_settings(settings)
    with _lock:
        if explicit is None and _current is not None:
            explicit = _current.explicit
        resolved = resolve(explicit)
        _current = Setup(settings=resolved, explicit=explicit)
    set_silent(resolved.silent)
    if resolved.mode == "online" and resolved.writer == "process":
        from heron.sdk.writer_process import start_writer_process

        try:
            start_writer_process()
        except OSError as exc:  # init() falls back to writing from this process
            termwarn(f"setup: could not start the writer process ({exc})")
    return _current


def base_settings(settings: Settings | dict[str, Any] | None) -> Settings | dict[str, Any] | None:
    """``init()``'s settings over ``setup()``'s: each field ``settings`` sets wins."""
    base = _current.explicit if _current is not None else None
    given = _as_settings(settings)
    if base is None or given is None:
        return given if given is not None else base
    merged = {f.name: getattr(base, f.name) for f in dataclasses.fields(Settings)}
    for field in dataclasses.fields(Settings):
        value = getattr(given, field.name)
        if value is not None and field.name != "extra":
            merged[field.name] = value
    merged["extra"] = {**base.extra, **given.extra}
    return Settings(**merged)


def teardown(exit_code: int | None = None) -> None:
    """Finish every run still in progress (failed when ``exit_code`` is not 0) and stop the
    writer process once they are written; the next ``init()`` starts afresh.

    Example:
        >>> heron.teardown()
    """
    global _current
    registry.end_all(exit_code or 0, None, None)
    from heron.sdk.writer_process import stop_writer_process

    stop_writer_process()
    with _lock:
        _current = None
    set_silent(None)
