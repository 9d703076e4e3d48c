"""One ``Settings`` object: defaults, then environment variables, then explicit arguments.

Every knob Heron reads lives here and is read once per ``init()``. Environment variables use the
``HERON_`` prefix; the ``WANDB_`` equivalents are honoured where users already set them.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, Literal

from heron.errors import UsageError

StepPolicy = Literal["warn-drop", "keep", "raise"]
MODES = ("online", "offline", "disabled")
STEP_POLICIES = ("warn-drop", "keep", "raise")
WRITERS = ("process", "thread")


@dataclasses.dataclass
class Settings:
    """Run settings. Pass to ``init(settings=...)`` or set the matching environment variables.

    A field left as None takes its value from the environment, else its default (``DEFAULTS``);
    a field you set wins over the environment, even when it equals the default.

    Example:
        >>> heron.init(settings=heron.Settings(step_policy="keep", system_sample_seconds=0))
    """

    mode: str | None = None
    project: str | None = None
    entity: str | None = None
    root_dir: str | None = None
    """Where the embedded store lives (``HERON_DIR``, default ``~/.heron``)."""
    host: str | None = None
    api_key: str | None = None
    step_policy: str | None = None
    """What a log() to a lower step does: "warn-drop" (W&B's), "keep" or "raise"."""
    flush_interval: float | None = None
    queue_size: int | None = None
    heartbeat_seconds: float | None = None
    system_sample_seconds: float | None = None
    """Seconds between system metric samples; 0 turns the sampler off."""
    console: str | None = None
    """"wrap" tees stdout/stderr into the run's console log; "off" leaves them alone."""
    silent: bool | None = None
    finish_timeout: float | None = None
    """Seconds finish() keeps retrying an unreachable store before spooling to disk."""
    spool_max_mb: float | None = None
    """Disk the run folder's spool may use while the store is unreachable (default 1024)."""
    writer: str | None = None
    """Where store writes happen: "process" (a helper process, the default, as W&B does) or
    "thread" (a thread of the training process)."""
    run_id: str | None = None
    run_name: str | None = None
    sweep_id: str | None = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.step_policy is not None and self.step_policy not in STEP_POLICIES:
            raise UsageError(
                f"settings.step_policy={self.step_policy!r} is not one of {list(STEP_POLICIES)}"
            )
        if self.console is not None and self.console not in ("wrap", "off", "auto", "redirect"):
            raise UsageError(f"settings.console={self.console!r} is not one of ['wrap', 'off']")
        if self.writer is not None and self.writer not in WRITERS:
            raise UsageError(f"settings.writer={self.writer!r} is not one of {list(WRITERS)}")

    @property
    def store_dir(self) -> Path:
        return Path(self.root_dir).expanduser() if self.root_dir else default_root()


@dataclasses.dataclass
class RunSettings:
    """``Settings`` after ``resolve()``: every field has its value."""

    mode: str
    step_policy: str
    flush_interval: float
    queue_size: int
    heartbeat_seconds: float
    system_sample_seconds: float
    console: str
    silent: bool
    finish_timeout: float
    spool_max_mb: float
    writer: str = "process"
    project: str | None = None
    entity: str | None = None
    root_dir: str | None = None
    host: str | None = None
    api_key: str | None = None
    run_id: str | None = None
    run_name: str | None = None
    sweep_id: str | None = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def store_dir(self) -> Path:
        return Path(self.root_dir).expanduser() if self.root_dir else default_root()

    def store_url(self) -> str:
        """Where this run's records go: offline, a server URL, or the local SQLite store."""
        if self.mode == "offline":
            return "offline"
        if self.host:
            return self.host
        return f"sqlite:///{self.store_dir / 'heron.db'}"


DEFAULTS: dict[str, Any] = {
    "mode": "online", "step_policy": "warn-drop", "flush_interval": 0.25,
    "queue_size": 50_000, "heartbeat_seconds": 30.0, "system_sample_seconds": 10.0,
    "console": "wrap", "silent": False, "finish_timeout": 30.0,
    "spool_max_mb": 1024.0, "writer": "process",
}

_ENV: dict[str, tuple[str, ...]] = {
    "mode": ("HERON_MODE", "WANDB_MODE"),
    "project": ("HERON_PROJECT", "WANDB_PROJECT"),
    "entity": ("HERON_ENTITY", "WANDB_ENTITY"),
    "root_dir": ("HERON_DIR",),
    "host": ("HERON_HOST",),
    "api_key": ("HERON_API_KEY",),
    "run_id": ("HERON_RUN_ID", "WANDB_RUN_ID"),
    "run_name": ("HERON_NAME", "WANDB_NAME"),
    "sweep_id": ("HERON_SWEEP_ID", "WANDB_SWEEP_ID"),
    "step_policy": ("HERON_STEP_POLICY",),
    "console": ("HERON_CONSOLE", "WANDB_CONSOLE"),
    "silent": ("HERON_SILENT", "WANDB_SILENT"),
    "heartbeat_seconds": ("HERON_HEARTBEAT_SECONDS",),
    "system_sample_seconds": ("HERON_SYSTEM_SAMPLE_SECONDS",),
    "flush_interval": ("HERON_FLUSH_INTERVAL",),
    "finish_timeout": ("HERON_FINISH_TIMEOUT",),
    "spool_max_mb": ("HERON_SPOOL_MAX_MB",),
    "writer": ("HERON_WRITER",),
}
_FLOATS = ("heartbeat_seconds", "system_sample_seconds", "flush_interval", "finish_timeout",
           "spool_max_mb")


def _env(*names: str) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def default_root() -> Path:
    """``HERON_DIR`` or ``~/.heron``: where the embedded store and run folders live."""
    return Path(_env("HERON_DIR") or "~/.heron").expanduser()


def _from_env() -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field, names in _ENV.items():
        raw = _env(*names)
        if raw is None:
            continue
        if field in _FLOATS:
            try:
                values[field] = float(raw)
            except ValueError:
                raise UsageError(f"{names[0]}={raw!r} is not a number") from None
        elif field == "silent":
            values[field] = raw.lower() in ("1", "true", "yes")
        else:
            values[field] = raw
    if values.get("mode") == "dryrun":  # W&B's old spelling of offline
        values["mode"] = "offline"
    return values


def resolve(explicit: Settings | dict[str, Any] | None, **init_args: Any) -> RunSettings:
    """Merge defaults < environment < ``settings`` < ``init()`` arguments into one ``Settings``."""
    if isinstance(explicit, dict):
        known = {f.name for f in dataclasses.fields(Settings)}
        extra = {k: v for k, v in explicit.items() if k not in known}
        explicit = Settings(**{k: v for k, v in explicit.items() if k in known}, extra=extra)
    merged: dict[str, Any] = {**DEFAULTS, **_from_env()}
    if explicit is not None:
        for field in dataclasses.fields(Settings):
            value = getattr(explicit, field.name)
            if value is not None and field.name != "extra":
                merged[field.name] = value
        merged["extra"] = dict(explicit.extra)
    for key, value in init_args.items():
        if value is not None:
            merged[key] = value
    if merged.get("host") is None or merged.get("api_key") is None:
        from heron.sdk.credentials import read_credentials

        saved = read_credentials()
        merged["host"] = merged.get("host") or saved.get("host")
        merged["api_key"] = merged.get("api_key") or saved.get("api_key")
    if merged["mode"] not in MODES:
        raise UsageError(f"mode={merged['mode']!r} is not one of {list(MODES)}")
    Settings(step_policy=merged["step_policy"], console=merged["console"],
             writer=merged["writer"])  # validates them
    return RunSettings(**merged)
