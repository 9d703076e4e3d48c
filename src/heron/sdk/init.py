"""``heron.init()``: start (or resume) a run and make it the module's current run."""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
import warnings
from pathlib import Path
from typing import Any

from heron import records as r
from heron.client import configured_server
from heron.errors import UsageError, ValueRejected
from heron.sdk import assignment as sweep_assignment
from heron.sdk import registry
from heron.sdk.config import as_config_dict, load_config_file, lock_keys
from heron.sdk.metadata import quick_metadata
from heron.sdk.names import new_run_id, new_run_name
from heron.sdk.run import Run
from heron.sdk.settings import RESUME_CHOICES, RunSettings, Settings, resolve
from heron.sdk.setup import base_settings
from heron.sdk.sinks import NullSink, Sink
from heron.sdk.writer_process import ProcessSink, direct_sink
from heron.term import set_silent, termlog, termwarn

REINIT_CHOICES = ("default", "return_previous", "finish_previous", "create_new")
_RUN_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_IGNORED_KWARGS = ("anonymous", "force", "save_code", "tensorboard", "sync_tensorboard",
                   "monitor_gym", "allow_val_change", "resume_from", "fork_from")

_warned_kwargs: set[str] = set()


def init(
    project: str | None = None,
    entity: str | None = None,
    config: Any = None,
    name: str | None = None,
    notes: str | None = None,
    tags: Any = None,
    group: str | None = None,
    job_type: str | None = None,
    id: str | None = None,
    resume: bool | str | None = None,
    mode: str | None = None,
    dir: str | Path | None = None,
    reinit: bool | str | None = None,
    settings: Settings | dict[str, Any] | None = None,
    config_exclude_keys: list[str] | None = None,
    config_include_keys: list[str] | None = None,
    allow_val_change: bool | None = None,
    **kwargs: Any,
) -> Run:
    """Start a run; its values go to the embedded store (or the server when a host is set).

    Example:
        >>> import heron as wandb
        >>> run = wandb.init(project="my_project", name="exp1", config={"lr": 0.001})
        >>> wandb.log({"loss": 0.5})
        >>> wandb.finish()
    """
    for key in kwargs:
        if key not in _warned_kwargs:
            _warned_kwargs.add(key)
            if key not in _IGNORED_KWARGS:
                warnings.warn(f"heron.init: argument {key!r} is not supported and was ignored",
                              stacklevel=2)
    if resume is not None and resume is not True and resume is not False and (
            resume not in RESUME_CHOICES):
        raise ValueRejected(f"resume={resume!r} is not one of True, False, {list(RESUME_CHOICES)}")
    if tags is not None and (isinstance(tags, str) or not hasattr(tags, "__iter__")):
        raise ValueRejected(f"tags={tags!r} must be a list of strings")
    # Each argument beats its HERON_* and WANDB_* variables (docs/environment.md).
    resolved = resolve(base_settings(settings), mode=mode, project=project, entity=entity,
                       run_notes=notes, run_tags=None if tags is None else [str(t) for t in tags],
                       run_group=group, run_job_type=job_type, resume=resume,
                       runs_dir=None if dir is None else str(dir))
    set_silent(resolved.silent)
    previous = _reinit(reinit)
    if previous is not None:
        return previous
    init_config = _filter_config(as_config_dict(config), config_include_keys, config_exclude_keys)
    start_time = time.time()
    project_name = resolved.project or "uncategorized"
    entity_name = resolved.entity or ""
    assigned = sweep_assignment.current(resolved.sweep_id, resolved.run_id)
    sweep_params = assigned.params if assigned is not None else None
    sweep_id = assigned.sweep_id if assigned is not None else resolved.sweep_id
    if assigned is not None:
        # A sweep's run belongs to the sweep's project; init()'s project, entity and id yield.
        project_name = assigned.project or project_name
        entity_name = assigned.entity if assigned.entity is not None else entity_name
        id = assigned.run_id
    base = resolved.runs_base
    if resolved.mode == "disabled":
        start = r.RunStart(name=name or new_run_name(), config=dict(init_config),
                           started_at=start_time)
        run = Run(settings=resolved, sink=NullSink(), project=project_name, entity=entity_name,
                  run_id=id or new_run_id(), name=start.name, run_dir=base, start=start,
                  disabled=True)
        return registry.add(run)

    offline = resolved.mode == "offline"
    sink: Sink = NullSink() if offline else _build_sink(resolved, project_name, entity_name)
    resume_mode = "allow" if resolved.resume is True else (resolved.resume or None)
    run_id: str | None = id or (None if assigned is not None else resolved.run_id)
    if run_id is None and resume_mode in ("allow", "auto"):
        run_id = _read_resume_file(resolved)
    if run_id is not None and not _RUN_ID.match(str(run_id)):
        raise ValueRejected(f"run id {run_id!r} may only hold letters, digits, '_', '-' and '.' "
                            "(at most 64)")
    existing = None
    if run_id is not None:
        try:
            existing = sink.fetch_run(project_name, run_id, entity_name or None)
        except Exception as exc:
            termwarn(f"could not look up run {run_id} ({exc}); starting it as new")
    if resume_mode == "must" and existing is None:
        raise UsageError(f"resume='must' but run {project_name}/{run_id} does not exist")
    if resume_mode == "never" and existing is not None:
        raise UsageError(f"resume='never' but run {project_name}/{run_id} already exists")
    if existing is not None and resume_mode is None and sweep_params is None:
        termlog(f"run {run_id} already exists; continuing it (pass resume='never' to refuse)")
    run_id = run_id or new_run_id()
    if resume_mode in ("allow", "auto"):
        _write_resume_file(resolved, run_id)

    start_config: dict[str, Any] = dict(existing.config) if existing is not None else {}
    defaults = Path("config-defaults.yaml")
    if defaults.is_file():
        for key, value in load_config_file(defaults).items():
            start_config.setdefault(key, value)
    start_config.update(init_config)
    step = 0
    summary: dict[str, Any] = {}
    if existing is not None:
        step = existing.last_step + 1
        summary = dict(existing.summary)
        runtime = summary.get("_runtime")
        if isinstance(runtime, (int, float)):
            start_time -= float(runtime)
    metadata = quick_metadata()
    start = r.RunStart(
        name=name or resolved.run_name or (existing.name if existing else new_run_name()),
        entity=entity_name, config=start_config, tags=list(resolved.run_tags or []),
        notes=resolved.run_notes, group=resolved.run_group, job_type=resolved.run_job_type,
        metadata=metadata,
        started_at=start_time, sweep_id=sweep_id, resumed=existing is not None,
        heartbeat_interval=resolved.heartbeat_seconds,
    )
    stamp = time.strftime("%Y%m%d_%H%M%S", time.localtime(start_time))
    run_dir = base / "runs" / f"{'offline-' if offline else ''}run-{stamp}-{run_id}"
    if offline:
        from heron.sdk.offline import OfflineSink

        sink = OfflineSink(run_dir)
    elif isinstance(sink, ProcessSink):
        sink.bind(run_id, run_dir)
    run = Run(settings=resolved, sink=sink, project=project_name, entity=entity_name,
              run_id=run_id, name=start.name, run_dir=run_dir, start=start, step=step,
              summary=summary, first_seq=existing.last_seq + 1 if existing is not None else 1)
    if sweep_params is not None:
        lock_keys(run.config, sweep_params, "sweep")
    _start_background(run, resolved, sink)
    if not resolved.silent:
        where = f"offline, in {run_dir}" if offline else f"logging to {resolved.store_url()}"
        termlog(f"run {run.name} ({run.id}) in project {project_name}, {where}")
    sync_tensorboard = bool(kwargs.get("sync_tensorboard") or kwargs.get("tensorboard"))
    if sync_tensorboard or "heron.tensorboard" in sys.modules:  # patch() may come before init
        from heron.tensorboard.patching import attach_run

        attach_run(run, sync_tensorboard)
    return registry.add(run)


def _filter_config(config: dict[str, Any], include: list[str] | None,
                   exclude: list[str] | None) -> dict[str, Any]:
    if include and exclude:
        raise UsageError("pass config_include_keys or config_exclude_keys, not both")
    if include:
        return {k: v for k, v in config.items() if k in include}
    if exclude:
        return {k: v for k, v in config.items() if k not in exclude}
    return config


def _build_sink(settings: RunSettings, project: str, entity: str) -> Sink:
    """The sink for an online run: the server when a host is set, else the local store;
    written from a helper process unless ``settings.writer`` is "thread"."""
    server = configured_server(settings)
    target, api_key = server if server is not None else (settings.store_url(), None)
    if settings.writer == "thread":
        return direct_sink(target, api_key)
    return ProcessSink(target, api_key, {
        "project": project, "entity": entity, "flush_interval": settings.flush_interval,
        "finish_timeout": settings.finish_timeout, "silent": settings.silent,
        "spool_max_bytes": int(settings.spool_max_mb * 2**20),
    })


def _start_background(run: Run, settings: RunSettings, sink: Sink) -> None:
    if settings.console == "wrap":
        from heron.sdk.console import ConsoleCapture

        capture = ConsoleCapture(
            lambda stream, ts, text: run.emit(r.ConsoleLine(stream=stream, timestamp=ts, text=text))
        )
        capture.start()
        run.add_end_hook(capture.stop)
    if settings.system_sample_seconds > 0:
        from heron.sdk.system import SystemSampler

        sampler = SystemSampler(
            settings.system_sample_seconds,
            lambda index, row: run.emit(r.SystemSample(index=index, row=row)),
            run.start_time,
        )
        sampler.start()
        run.add_end_hook(sampler.stop)
    if not run.offline and run.sweep_id is None:  # a sweep's agent stops its own runs
        from heron.sdk.stop_watch import StopWatch, interrupt_script

        watch = StopWatch(lambda: sink.fetch_run(run.project, run.id, run.entity or None),
                          interrupt_script(run.name))
        watch.start()
        run.add_end_hook(watch.stop)
    run.add_end_hook(lambda: _clear_resume_file(settings, run))


def _resume_file(settings: RunSettings) -> Path:
    program = str(Path(sys.argv[0]).resolve()) if sys.argv and sys.argv[0] else "interactive"
    digest = hashlib.sha1(program.encode()).hexdigest()[:16]
    return settings.store_dir / "resume" / f"{digest}.json"


def _read_resume_file(settings: RunSettings) -> str | None:
    try:
        return str(json.loads(_resume_file(settings).read_text())["run_id"])
    except (OSError, ValueError, KeyError):
        return None


def _write_resume_file(settings: RunSettings, run_id: str) -> None:
    path = _resume_file(settings)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"run_id": run_id}))
    except OSError:
        pass


def _clear_resume_file(settings: RunSettings, run: Run) -> None:
    # Only a clean finish forgets the id: a crashed run is resumed by the next resume=True.
    if run.end_state in (None, "finished"):
        path = _resume_file(settings)
        if _read_resume_file(settings) == run.id:
            path.unlink(missing_ok=True)


def _reinit(reinit: bool | str | None) -> Run | None:
    """Apply ``reinit`` to a run already in progress; return it when it should be reused."""
    if reinit is True:
        reinit = "finish_previous"
    elif reinit is None or reinit is False:
        reinit = "default"
    if reinit not in REINIT_CHOICES:
        raise ValueRejected(f"reinit={reinit!r} is not one of {list(REINIT_CHOICES)}")
    current = registry.active()
    if current is None or current.finished:
        return None
    if reinit in ("default", "return_previous"):
        warnings.warn("heron.init() called while a run is active; returning that run "
                      "(pass reinit='finish_previous' or 'create_new' to start another)",
                      stacklevel=3)
        return current
    if reinit == "finish_previous":
        for run in registry.live_runs():
            run.finish()
    return None
