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


@dataclasses.dataclass
class Settings:
    """Run settings. Pass to ``init(settings=...)`` or set the matching environment variables.

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
    step_policy: str = "warn-drop"
    flush_interval: float = 0.25
    queue_size: int = 200_000
    heartbeat_seconds: float = 30.0
    system_sample_seconds: float = 10.0
    """Seconds between system metric samples; 0 turns the sampler off."""
    console: str = "wrap"
    """"wrap" tees stdout/stderr into the run's console log; "off" leaves them alone."""
    silent: bool = False
    run_id: str | None = None
    run_name: str | None = None
    sweep_id: str | None = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.step_policy not in STEP_POLICIES:
            raise UsageError(
                f"settings.step_policy={self.step_policy!r} is not one of {list(STEP_POLICIES)}"
            )
        if self.console not in ("wrap", "off", "auto", "redirect"):
            raise UsageError(f"settings.console={self.console!r} is not one of ['wrap', 'off']")

    @property
    def store_dir(self) -> Path:
        return Path(self.root_dir).expanduser() if self.root_dir else default_root()

    def store_url(self) -> str:
        """The store this run writes to: a server URL when a host is set, else the local SQLite."""
        if self.mode == "offline":
            return "offline"
        if self.host:
            return self.host
        return f"sqlite:///{self.store_dir / 'heron.db'}"


def _env(*names: str) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def default_root() -> Path:
    """``HERON_DIR`` or ``~/.heron``: where the embedded store and run folders live."""
    return Path(_env("HERON_DIR") or "~/.heron").expanduser()


def _float_env(value: str | None, name: str, default: float) -> float:
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        raise UsageError(f"{name}={value!r} is not a number") from None


def resolve(explicit: Settings | dict[str, Any] | None, **init_args: Any) -> Settings:
    """Merge defaults < environment < ``settings`` < ``init()`` arguments into one ``Settings``."""
    if isinstance(explicit, dict):
        known = {f.name for f in dataclasses.fields(Settings)}
        extra = {k: v for k, v in explicit.items() if k not in known}
        explicit = Settings(**{k: v for k, v in explicit.items() if k in known}, extra=extra)
    base = Settings(
        mode=_env("HERON_MODE", "WANDB_MODE"),
        project=_env("HERON_PROJECT", "WANDB_PROJECT"),
        entity=_env("HERON_ENTITY", "WANDB_ENTITY"),
        root_dir=_env("HERON_DIR"),
        host=_env("HERON_HOST"),
        api_key=_env("HERON_API_KEY"),
        run_id=_env("HERON_RUN_ID", "WANDB_RUN_ID"),
        run_name=_env("HERON_NAME", "WANDB_NAME"),
        sweep_id=_env("HERON_SWEEP_ID", "WANDB_SWEEP_ID"),
        step_policy=_env("HERON_STEP_POLICY") or "warn-drop",
        console=_env("HERON_CONSOLE", "WANDB_CONSOLE") or "wrap",
        silent=(_env("HERON_SILENT", "WANDB_SILENT") or "").lower() in ("1", "true", "yes"),
        heartbeat_seconds=_float_env(
            _env("HERON_HEARTBEAT_SECONDS"), "HERON_HEARTBEAT_SECONDS", 30.0
        ),
        system_sample_seconds=_float_env(
            _env("HERON_SYSTEM_SAMPLE_SECONDS"), "HERON_SYSTEM_SAMPLE_SECONDS", 10.0
        ),
        flush_interval=_float_env(_env("HERON_FLUSH_INTERVAL"), "HERON_FLUSH_INTERVAL", 0.25),
    )
    if base.host is None or base.api_key is None:
        from heron.sdk.credentials import read_credentials

        saved = read_credentials()
        base.host = base.host or saved.get("host")
        base.api_key = base.api_key or saved.get("api_key")
    if base.mode == "dryrun":  # W&B's old spelling of offline
        base.mode = "offline"
    defaults = Settings()
    if explicit is not None:
        for field in dataclasses.fields(Settings):
            value = getattr(explicit, field.name)
            if value != getattr(defaults, field.name):
                setattr(base, field.name, value)
    for key, value in init_args.items():
        if value is not None:
            setattr(base, key, value)
    if base.mode is None:
        base.mode = "online"
    if base.mode not in MODES:
        raise UsageError(f"mode={base.mode!r} is not one of {list(MODES)}")
    base.__post_init__()
    return base
