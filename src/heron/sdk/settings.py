"""One ``Settings`` object: defaults, then environment variables, then explicit arguments.

Every knob Heron reads lives here and is read once per ``init()``. ``ENVIRONMENT`` is the one
table of variables: each setting has a ``HERON_`` name and, where W&B has one, the ``WANDB_``
name, read only when the ``HERON_`` one is unset (docs/environment.md). Precedence, highest
first: an explicit ``init()`` argument or ``Settings`` field, ``HERON_*``, ``heron login``
(host and key only), ``WANDB_*``, the default.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from heron.errors import UsageError
from heron.term import termlog, termwarn

StepPolicy = Literal["warn-drop", "keep", "raise"]
MODES = ("online", "offline", "disabled")
MODE_ALIASES = {"dryrun": "offline", "run": "online"}
"""W&B's older spellings of the modes."""
CONSOLES = ("wrap", "off")
CONSOLE_ALIASES = {"auto": "wrap", "redirect": "wrap", "wrap_raw": "wrap", "wrap_emu": "wrap"}
"""W&B's capture methods: Heron has one (a tee of stdout and stderr), so each means "wrap"."""
RESUME_CHOICES = ("allow", "must", "never", "auto")
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
    run_notes: str | None = None
    run_tags: list[str] | None = None
    run_group: str | None = None
    run_job_type: str | None = None
    resume: bool | str | None = None
    runs_dir: str | None = None
    """The folder run folders are made in (``init(dir=)``, ``WANDB_DIR``; default: the store's
    folder). Unlike ``root_dir`` it never moves the store."""
    sweep_id: str | None = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.step_policy is not None and self.step_policy not in STEP_POLICIES:
            raise UsageError(
                f"settings.step_policy={self.step_policy!r} is not one of {list(STEP_POLICIES)}"
            )
        if self.console is not None and self.console not in (*CONSOLES, *CONSOLE_ALIASES):
            raise UsageError(f"settings.console={self.console!r} is not one of "
                             f"{[*CONSOLES, *CONSOLE_ALIASES]}")
        if self.resume not in (None, True, False, *RESUME_CHOICES):
            raise UsageError(f"settings.resume={self.resume!r} is not one of True, False, "
                             f"{list(RESUME_CHOICES)}")
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
    run_notes: str | None = None
    run_tags: list[str] | None = None
    run_group: str | None = None
    run_job_type: str | None = None
    resume: bool | str | None = None
    runs_dir: str | None = None
    sweep_id: str | None = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def store_dir(self) -> Path:
        return Path(self.root_dir).expanduser() if self.root_dir else default_root()

    @property
    def runs_base(self) -> Path:
        """Where this run's folder is made: ``runs_dir`` if set, else the store's folder."""
        return Path(self.runs_dir).expanduser() if self.runs_dir else self.store_dir

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

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _text(raw: str) -> str:
    return raw


def _number(raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise UsageError("is not a number") from None


def _flag(raw: str) -> bool:
    value = raw.strip().lower()
    if value not in (*_TRUE, *_FALSE):
        raise UsageError(f"is not one of {[*_TRUE, *_FALSE]}")
    return value in _TRUE


def _choice(choices: tuple[str, ...], aliases: dict[str, str]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        value = aliases.get(value, value)
        if value not in choices:
            raise UsageError(f"is not one of {[*choices, *aliases]}")
        return value
    return parse


def _tags(raw: str) -> list[str]:
    return [tag.strip() for tag in raw.split(",") if tag.strip()]


def _resume(raw: str) -> bool | str:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if value not in RESUME_CHOICES:
        raise UsageError(f"is not one of {[*RESUME_CHOICES, 'true', 'false']}")
    return value


@dataclasses.dataclass(frozen=True)
class EnvVar:
    """One row of ``ENVIRONMENT``: the setting, its Heron and W&B variable names, and how the
    text of either becomes the setting's value (raising ``UsageError`` saying what is wrong)."""

    field: str
    heron: str | None
    wandb: str | None = None
    parse: Callable[[str], Any] = _text


ENVIRONMENT: tuple[EnvVar, ...] = (
    EnvVar("mode", "HERON_MODE", "WANDB_MODE", _choice(MODES, MODE_ALIASES)),
    EnvVar("project", "HERON_PROJECT", "WANDB_PROJECT"),
    EnvVar("entity", "HERON_ENTITY", "WANDB_ENTITY"),
    EnvVar("run_name", "HERON_NAME", "WANDB_NAME"),
    EnvVar("run_notes", "HERON_NOTES", "WANDB_NOTES"),
    EnvVar("run_tags", "HERON_TAGS", "WANDB_TAGS", _tags),
    EnvVar("run_group", "HERON_RUN_GROUP", "WANDB_RUN_GROUP"),
    EnvVar("run_job_type", "HERON_JOB_TYPE", "WANDB_JOB_TYPE"),
    EnvVar("run_id", "HERON_RUN_ID", "WANDB_RUN_ID"),
    EnvVar("resume", "HERON_RESUME", "WANDB_RESUME", _resume),
    EnvVar("sweep_id", "HERON_SWEEP_ID", "WANDB_SWEEP_ID"),
    EnvVar("root_dir", "HERON_DIR"),
    EnvVar("runs_dir", None, "WANDB_DIR"),
    EnvVar("host", "HERON_HOST"),  # WANDB_BASE_URL: only a Heron server (credentials.py)
    EnvVar("api_key", "HERON_API_KEY"),
    EnvVar("console", "HERON_CONSOLE", "WANDB_CONSOLE", _choice(CONSOLES, CONSOLE_ALIASES)),
    EnvVar("silent", "HERON_SILENT", "WANDB_SILENT", _flag),
    EnvVar("step_policy", "HERON_STEP_POLICY", None, _choice(STEP_POLICIES, {})),
    EnvVar("writer", "HERON_WRITER", None, _choice(WRITERS, {})),
    EnvVar("heartbeat_seconds", "HERON_HEARTBEAT_SECONDS", None, _number),
    EnvVar("system_sample_seconds", "HERON_SYSTEM_SAMPLE_SECONDS", None, _number),
    EnvVar("flush_interval", "HERON_FLUSH_INTERVAL", None, _number),
    EnvVar("finish_timeout", "HERON_FINISH_TIMEOUT", None, _number),
    EnvVar("spool_max_mb", "HERON_SPOOL_MAX_MB", None, _number),
)
"""Every environment variable Heron reads for a run, one row per setting."""


def default_root() -> Path:
    """``HERON_DIR`` or ``~/.heron``: where the embedded store and run folders live."""
    return Path(os.environ.get("HERON_DIR") or "~/.heron").expanduser()


def env_flag(field: str) -> bool | None:
    """The environment's value of a yes/no setting (``"silent"``), or None when unset or
    unreadable; for code that runs before ``init()`` (``heron.term``)."""
    var = next(v for v in ENVIRONMENT if v.field == field)
    try:
        found = _read(var, notices=False)
    except UsageError:
        return None
    return None if found is None else bool(found[0])


def _read(var: EnvVar, notices: bool) -> tuple[Any, str] | None:
    """``(value, variable name)`` for one row, or None when neither variable is set.

    A bad ``HERON_*`` value raises ``UsageError``; a ``WANDB_*`` value Heron cannot use (set
    for W&B, perhaps a value only W&B knows) is ignored, with a warning once when ``notices``.
    """
    for name in (var.heron, var.wandb):
        raw = os.environ.get(name) if name else None
        if not raw or name is None:
            continue
        try:
            return var.parse(raw), name
        except UsageError as exc:
            if name == var.heron:
                raise UsageError(f"{name}={raw!r} {exc}") from None
            if notices:
                termwarn(f"{name}={raw!r} {exc}; ignored", once=f"env-bad:{name}")
    return None


def _from_env(notices: bool = False) -> dict[str, tuple[Any, str]]:
    """Each setting the environment sets: ``(value, variable name)``."""
    values: dict[str, tuple[Any, str]] = {}
    for var in ENVIRONMENT:
        found = _read(var, notices)
        if found is not None:
            values[var.field] = found
    return values


def _say_wandb_used(sources: dict[str, str]) -> None:
    """One line per ``WANDB_*`` variable whose value a run uses (once per process)."""
    for var in ENVIRONMENT:
        name = sources.get(var.field)
        if name is not None and name.startswith("WANDB_"):
            instead = f" ({var.heron} takes precedence)" if var.heron else ""
            shown = "(set)" if var.field == "api_key" else repr(os.environ.get(name))
            termlog(f"using W&B's {name}={shown}{instead}", once=f"env-used:{name}")


def resolve(explicit: Settings | dict[str, Any] | None, **init_args: Any) -> RunSettings:
    """Merge defaults < ``WANDB_*`` < ``heron login`` < ``HERON_*`` < ``settings`` <
    ``init()`` arguments into one ``RunSettings``.

    Example:
        >>> resolve(None, project="demo").project
        'demo'
    """
    if isinstance(explicit, dict):
        known = {f.name for f in dataclasses.fields(Settings)}
        extra = {k: v for k, v in explicit.items() if k not in known}
        explicit = Settings(**{k: v for k, v in explicit.items() if k in known}, extra=extra)
    from_env = _from_env(notices=True)
    merged: dict[str, Any] = {**DEFAULTS, **{k: v for k, (v, _) in from_env.items()}}
    sources = {k: name for k, (_, name) in from_env.items()}
    chosen: dict[str, Any] = {}
    if explicit is not None:
        for field in dataclasses.fields(Settings):
            value = getattr(explicit, field.name)
            if value is not None and field.name != "extra":
                chosen[field.name] = value
        merged["extra"] = dict(explicit.extra)
    chosen.update({key: value for key, value in init_args.items() if value is not None})
    merged.update(chosen)
    for key in chosen:
        sources.pop(key, None)
    if merged["mode"] not in MODES:
        merged["mode"] = MODE_ALIASES.get(str(merged["mode"]), merged["mode"])
    if merged["mode"] not in MODES:
        raise UsageError(f"mode={merged['mode']!r} is not one of {list(MODES)} "
                         f"(or W&B's {list(MODE_ALIASES)})")
    _fill_server(merged, sources)
    Settings(step_policy=merged["step_policy"], console=merged["console"],
             writer=merged["writer"], resume=merged.get("resume"))  # validates them
    merged["console"] = CONSOLE_ALIASES.get(merged["console"], merged["console"])
    _say_wandb_used(sources)
    return RunSettings(**merged)


def _fill_server(merged: dict[str, Any], sources: dict[str, str]) -> None:
    """Host and API key not given: from ``heron login``, else ``WANDB_BASE_URL`` and
    ``WANDB_API_KEY`` when (and only when) that URL is a Heron server."""
    if merged.get("host") is not None and merged.get("api_key") is not None:
        return
    from heron.sdk.credentials import read_credentials, wandb_server

    saved = read_credentials()
    merged["host"] = merged.get("host") or saved.get("host")
    merged["api_key"] = merged.get("api_key") or saved.get("api_key")
    # Offline and disabled runs never touch the network, not even to check a URL.
    if merged["host"] is None and merged["mode"] == "online":
        found = wandb_server()
        if found is not None:
            merged["host"], key = found
            sources["host"] = "WANDB_BASE_URL"
            if merged["api_key"] is None and key is not None:
                merged["api_key"] = key
                sources["api_key"] = "WANDB_API_KEY"
