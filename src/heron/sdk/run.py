"""``Run``: one experiment's handle: ``log``, ``config``, ``summary``, ``finish`` and friends."""

from __future__ import annotations

import hashlib
import re
import shutil
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from heron import records as r
from heron.errors import UsageError, ValueRejected
from heron.limits import MAX_ROW_KEYS
from heron.plot import custom_chart
from heron.plot.in_log import take_charts
from heron.sdk import lifecycle, registry
from heron.sdk.config import Config
from heron.sdk.history import StepTracker
from heron.sdk.settings import RunSettings
from heron.sdk.sinks import Sink
from heron.sdk.summary import MetricDef, Summary, parse_goal, parse_summary
from heron.sdk.values import fit_record, normalise_row, trim_row
from heron.sdk.writer import Writer
from heron.term import outside_heron, termlog, termwarn

if TYPE_CHECKING:
    from heron.artifacts.artifact import Artifact
    from heron.sdk.run_info import RunStatus

ALERT_LEVELS = ("INFO", "WARN", "ERROR")


class Run:
    """A run in progress. ``heron.init()`` returns one; it also works as a context manager.

    After ``finish()`` the run is read-only: every call that would record something (``log``,
    ``define_metric``, ``save``, ``alert``, ``watch``, config changes, summary writes, setting
    ``name``, ``tags`` or ``notes``) is ignored, with one warning per run; ``finish`` and
    ``unwatch`` are no-ops; reads keep working. Methods documented as internal (``emit``,
    ``add_end_hook``, ``end_as``, ``log_partial``) are for Heron's own modules.

    Example:
        >>> with heron.init(project="demo", config={"lr": 0.01}) as run:
        ...     for step in range(3):
        ...         run.log({"loss": 1 / (step + 1)})
    """

    def __init__(
        self,
        *,
        settings: RunSettings,
        sink: Sink,
        project: str,
        entity: str,
        run_id: str,
        name: str,
        run_dir: Path,
        start: r.RunStart,
        step: int = 0,
        summary: Mapping[str, Any] | None = None,
        disabled: bool = False,
        first_seq: int = 1,
    ) -> None:
        self.settings = settings
        self.id = run_id
        self.project = project
        self.entity = entity
        self._name = name
        self._start = start
        self.start_time = start.started_at
        self.resumed = start.resumed
        self.sweep_id = start.sweep_id
        self.disabled = disabled
        self.offline = settings.mode == "offline"
        self._dir = run_dir
        self._sink = sink
        self._lock = threading.RLock()
        self._finished = False
        self._end_state: tuple[str, int, str | None] | None = None
        self._alerts: dict[str, float] = {}
        self._warned_finished = False
        self._writer_closed = False
        self._watchers: list[Any] = []
        self._watch_count = 0
        self._hooks: list[Any] = []
        self.summary = Summary(summary, accepts=lambda: self._accepts("summary write"))
        self.config = Config(on_change=None if disabled else self._config_changed,
                             initial=start.config, accepts=lambda: self._accepts("config change"))
        self._tracker = StepTracker(start.started_at, step=step, policy=settings.step_policy)
        self._writer: Writer | None = None
        if not disabled:
            run_dir.mkdir(parents=True, exist_ok=True)
            self._writer = Writer(
                sink, project, run_id, entity,
                flush_interval=settings.flush_interval, max_queue=settings.queue_size,
                heartbeat_seconds=settings.heartbeat_seconds, run_dir=run_dir,
                summary=self.summary.take_snapshot, prepare=self._collect_metadata,
                first_seq=first_seq, spool_max_bytes=int(settings.spool_max_mb * 2**20),
            )
            self._writer.put(fit_record(start))
            lifecycle.install()

    # -- identity -------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        if not self._accepts("setting name"):
            return
        self._name = str(value)
        self._start.name = self._name
        self._put(r.RunPatch(name=self._name))

    display_name = name

    @property
    def dir(self) -> str:
        """A folder for files that belong to the run (``heron.save`` copies into it)."""
        return str(self._dir / "files")

    @property
    def path(self) -> str:
        """W&B's ``entity/project/run_id`` (``project/run_id`` when there is no entity); what
        ``heron.Api().run(path)`` takes.

        Example:
            >>> heron.init(project="demo", entity="team", id="abc123").path
            'team/demo/abc123'
        """
        return "/".join(p for p in (self.entity, self.project, self.id) if p)

    @property
    def url(self) -> str | None:
        """The run's page in the dashboard: on the server it logs to, or, for a run in the
        embedded store, on ``heron ui`` at its default address (the link works while
        ``heron ui`` runs there). None for an offline or disabled run, as W&B's.

        Example:
            >>> run.url
            'http://tracker:8080/#/p/demo/r/abc123'
        """
        from heron.client import configured_server
        from heron.sdk.run_info import UI_URL, run_url

        if self.disabled or self.offline:
            return None
        server = configured_server(self.settings)
        return run_url(server[0] if server is not None else UI_URL, self.project, self.id)

    @property
    def step(self) -> int:
        return self._tracker.step

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(self._start.tags)

    @tags.setter
    def tags(self, value: Any) -> None:
        if not self._accepts("setting tags"):
            return
        self._start.tags = [str(t) for t in value]
        self._put(r.RunPatch(tags=list(self._start.tags)))

    @property
    def notes(self) -> str | None:
        return self._start.notes

    @notes.setter
    def notes(self, value: str | None) -> None:
        if not self._accepts("setting notes"):
            return
        self._start.notes = value
        self._put(r.RunPatch(notes=value))

    @property
    def group(self) -> str | None:
        return self._start.group

    @property
    def job_type(self) -> str | None:
        return self._start.job_type

    @property
    def finished(self) -> bool:
        return self._finished

    @property
    def end_state(self) -> str | None:
        """How the run ended ("finished", "failed", "killed"), or None while it runs."""
        return self._end_state[0] if self._end_state is not None else None

    def __repr__(self) -> str:
        return f"<heron.Run {self.path} name={self._name!r}>"

    # -- logging --------------------------------------------------------------------------
    def log(self, data: Mapping[str, Any], step: int | None = None, commit: bool | None = None,
            sync: bool | None = None) -> None:
        """Log a row of values. See docs/logging.md for the step and commit rules.

        Example:
            >>> run.log({"loss": 0.5, "acc": 0.8})
            >>> run.log({"val": {"loss": 0.4}}, step=10)   # stored as "val.loss"
        """
        if not self._accepts("log()") or self.disabled:
            return
        if type(data) is not dict and not isinstance(data, Mapping):
            raise ValueRejected(f"log() takes a dict of values, not {type(data).__name__}")
        if step is not None:
            step = _as_step(step)
        if custom_chart.made:  # heron.plot: the table goes in the row, the chart in config
            data = take_charts(data, self.config)
        row, has_media = normalise_row(data)
        if has_media and self._writer is not None:
            self._writer.scan_media = True
        with self._lock:
            for committed_step, committed in self._tracker.log(row, step, commit):
                self._commit(committed_step, committed)

    def log_partial(self, values: dict[str, Any]) -> None:
        """Internal (``watch`` hooks): add values to the open row without committing it;
        silently nothing once the run is finished (hooks may fire after it)."""
        if self.disabled or self._finished:
            return
        if self._writer is not None:
            self._writer.scan_media = True
        with self._lock:
            for committed_step, committed in self._tracker.log(values, None, False):
                self._commit(committed_step, committed)

    def log_while_ending(self, values: dict[str, Any]) -> None:
        """Internal (end hooks: TensorBoard's last events): commit ``values`` as the next row
        although the run already refuses ``log()``; nothing once its writer is closed."""
        if self.disabled or self._writer is None or self._writer_closed:
            return
        row, has_media = normalise_row(values)
        if has_media:
            self._writer.scan_media = True
        with self._lock:
            for committed_step, committed in self._tracker.log(row, None, True):
                self._commit(committed_step, committed)

    def watch(self, models: Any, criterion: Any = None, log: str | None = "gradients",
              log_freq: int = 1000, idx: int | None = None, log_graph: bool = False) -> None:
        """Log gradient and/or parameter histograms of PyTorch models every ``log_freq`` steps.

        Example:
            >>> run.watch(model, log="all", log_freq=100)
        """
        if not self._accepts("watch()"):
            return
        from heron.sdk.watch import Watcher, check_watch_args, is_module, module_tree

        check_watch_args(log, log_freq)
        model_list = list(models) if isinstance(models, (list, tuple)) else [models]
        for model in model_list:
            if not is_module(model):
                raise ValueRejected(f"watch() takes torch.nn.Module objects, not "
                                    f"{type(model).__name__}")
        if self.disabled:
            return
        start = self._watch_count if idx is None else idx
        for offset, model in enumerate(model_list):
            number = start + offset
            prefix = f"graph_{number}" if number > 0 else ""
            self._watchers.append(Watcher(self.log_partial, model, prefix, log, log_freq))
            if log_graph:
                self.summary[f"graph_{number}"] = module_tree(model)
        self._watch_count = max(self._watch_count, start + len(model_list))

    def unwatch(self, models: Any = None) -> None:
        """Remove the hooks ``watch`` installed (on ``models``, or on every watched model)."""
        targets = None
        if models is not None:
            targets = list(models) if isinstance(models, (list, tuple)) else [models]
        kept = []
        for watcher in self._watchers:
            if targets is None or any(watcher.model is m for m in targets):
                watcher.remove()
            else:
                kept.append(watcher)
        self._watchers = kept

    def _commit(self, step: int, row: dict[str, Any]) -> None:
        summary = self.summary
        summary.sync_step_metrics(row)
        if len(row) > MAX_ROW_KEYS:  # several log(commit=False) calls filled one row
            row = trim_row(row)
        summary.absorb(row)
        assert self._writer is not None
        self._writer.put(r.HistoryRow(step, row))

    def define_metric(
        self, name: str, step_metric: str | None = None, step_sync: bool | None = None,
        hidden: bool | None = None, summary: str | None = None, goal: str | None = None,
        overwrite: bool | None = None, **kwargs: Any,
    ) -> MetricDef:
        """Say how a metric (or a glob such as ``"val/*"``) is summarised and plotted.

        Example:
            >>> run.define_metric("val_loss", summary="min", goal="minimize")
            >>> run.define_metric("val/*", step_metric="epoch")
        """
        if not self._accepts("define_metric()"):
            return MetricDef(name=str(name))
        if not isinstance(name, str) or not name:
            raise ValueRejected(f"define_metric name={name!r} must be a non-empty string")
        definition = MetricDef(
            name=name, step_metric=step_metric, step_sync=True if step_sync is None else step_sync,
            hidden=bool(hidden), summary=parse_summary(summary), goal=parse_goal(goal),
        )
        self.summary.define(definition)
        self._put(r.MetricsSet(metrics=self.summary.definitions()))
        return definition

    # -- files and alerts -----------------------------------------------------------------
    def save(self, glob_str: str | Path, base_path: str | Path | None = None,
             policy: str = "live") -> list[str]:
        """Attach files matching ``glob_str`` to the run (copied into ``run.dir`` and the store).

        Example:
            >>> run.save("checkpoints/*.pt")
        """
        if not self._accepts("save()"):
            return []
        if policy not in ("live", "now", "end"):
            raise ValueRejected(f"save policy={policy!r} is not one of ['live', 'now', 'end']")
        pattern = Path(glob_str)
        base = Path(base_path) if base_path is not None else pattern.parent
        root = Path("/") if pattern.is_absolute() else Path(".")
        matches = sorted(p for p in root.glob(str(pattern).lstrip("/")) if p.is_file())
        saved: list[str] = []
        for source in matches:
            try:
                name = source.resolve().relative_to(base.resolve()).as_posix()
            except ValueError:
                name = source.name
            if self.disabled:
                saved.append(name)
                continue
            target = Path(self.dir) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.resolve() != target.resolve():
                shutil.copyfile(source, target)
            data = target.read_bytes()
            assert self._writer is not None
            # Into the run folder now; the writer delivers it with the record that names it.
            # The stored copy's suffix keeps only what a media path may hold (docs/server.md,
            # "Limits"), or the store would refuse the record; the name keeps the real one.
            suffix = re.sub(r"[^A-Za-z0-9._-]", "", Path(name).suffix)[:16]
            stored = self._writer.media.put(data, suffix)
            self._put(r.FileSaved(name=name, path=stored, size=len(data),
                                  sha256=hashlib.sha256(data).hexdigest()))
            saved.append(str(target))
        return saved

    # -- artifacts ------------------------------------------------------------------------
    def log_artifact(self, artifact_or_path: Any, name: str | None = None,
                     type: str | None = None, aliases: list[str] | None = None,
                     tags: list[str] | None = None) -> Any:
        """Log an artifact (or a file or folder path) as the next version of its name; the
        ``latest`` alias and ``aliases`` move to it. Logging the same content again gives the
        version that holds it. Returns the artifact; ``artifact.wait()`` for its version.

        Example:
            >>> art = heron.Artifact("mnist", type="dataset"); art.add_dir("data/")
            >>> run.log_artifact(art, aliases=["best"]).wait().version
            'v0'
        """
        from heron.sdk import artifacts

        if not self._accepts("log_artifact()"):
            raise UsageError("the run has finished: log the artifact from a running run")
        return artifacts.log_artifact(self, artifact_or_path, name, type, aliases, tags)

    def use_artifact(self, artifact_or_name: Any, type: str | None = None,
                     aliases: list[str] | None = None) -> Any:
        """The stored artifact ``"name"``, ``"name:alias"``, ``"name:v3"`` or
        ``"project/name:alias"`` (default alias ``latest``), recorded as an input of this run.

        Example:
            >>> path = run.use_artifact("mnist:best").download()
        """
        from heron.sdk import artifacts

        return artifacts.use_artifact(self, artifact_or_name, type, aliases)

    def log_model(self, path: str | Path, name: str | None = None,
                  aliases: list[str] | None = None) -> Any:
        """Log a model file or folder as an artifact of type ``model``."""
        from heron.sdk import artifacts

        return artifacts.log_model(self, path, name, aliases)

    def use_model(self, name: str) -> str:
        """Use a ``model`` artifact and download it; the path of its files."""
        from heron.sdk import artifacts

        return artifacts.use_model(self, name)

    def log_code(self, root: str | Path | None = ".", name: str | None = None,
                 include_fn: Callable[..., bool] | None = None,
                 exclude_fn: Callable[..., bool] | None = None) -> Artifact | None:
        """Save the source files under ``root`` as an artifact of type ``code``; the logged
        artifact, or None when no file matched (with a warning).

        As W&B's: ``include_fn(path, root)`` picks files (default: ``.py`` files),
        ``exclude_fn(path, root)`` drops some (default: files in hidden folders such as
        ``.venv`` and ``.git``, and in ``wandb``, ``node_modules``, ``site-packages``);
        ``name`` defaults to ``source-<project>-<script path>``.

        Example:
            >>> run.log_code(".", include_fn=lambda path, root: path.endswith((".py", ".yaml")))
        """
        from heron.sdk import code

        if not self._accepts("log_code()"):
            return None
        return code.log_code(self, root, name, include_fn, exclude_fn)

    def _media_root(self) -> Path | None:
        """Where the writer takes media files from (None for a disabled run)."""
        return None if self._writer is None else Path(self._writer.media.root)

    def _flush_writer(self, timeout: float) -> bool:
        return True if self._writer is None else self._writer.flush(timeout)

    def alert(self, title: str, text: str, level: str | None = None,
              wait_duration: float | None = None) -> None:
        """Record an alert on the run (shown on stderr and in the dashboard).

        Alerts with the same title within ``wait_duration`` seconds (default 60) are dropped.
        """
        if not self._accepts("alert()"):
            return
        level_name = str(getattr(level, "value", level) or "INFO").upper()
        if level_name not in ALERT_LEVELS:
            raise ValueRejected(f"alert level={level!r} is not one of {list(ALERT_LEVELS)}")
        wait = 60.0 if wait_duration is None else float(
            getattr(wait_duration, "total_seconds", lambda: wait_duration)())
        now = time.time()
        if now - self._alerts.get(title, -1e18) < wait:
            return
        self._alerts[title] = now
        termwarn(f"alert [{level_name}] {title}: {text}")
        self._put(r.Alert(title=str(title), text=str(text), level=level_name, timestamp=now))

    # -- state ----------------------------------------------------------------------------
    def mark_preempting(self) -> None:
        """Mark the run as about to be preempted (a scheduler's warning before it stops the
        job): its metadata gets ``preempting: true``. If its heartbeats then stop it reads as
        crashed with that mark, which is W&B's "preempted"; resuming it clears the mark."""
        from heron.sdk.run_info import PREEMPTING

        if not self._accepts("mark_preempting()") or self.disabled:
            return
        self._start.metadata[PREEMPTING] = True
        self._put(r.RunPatch(metadata=dict(self._start.metadata)))

    def status(self) -> RunStatus:
        """Whether what the run logged so far is written (``heron.sdk.run_info.RunStatus``).

        Example:
            >>> run.log({"loss": 0.1}); run.status().synced   # just logged: likely not yet
            False
        """
        from heron.sdk.run_info import RunStatus

        if self._writer is None:
            return RunStatus(synced=True, pending_records=0, spooled_files=0,
                             destination=self._sink.url)
        pending, spooled = self._writer.backlog()
        synced = pending == 0 and spooled == 0 and (
            self._writer_closed or self._writer.flush(timeout=0))
        return RunStatus(synced=synced, pending_records=pending, spooled_files=spooled,
                         destination=self.settings.store_url())

    # -- ending ---------------------------------------------------------------------------
    def finish(self, exit_code: int | None = None, quiet: bool | None = None) -> None:
        """End the run: flush every logged value and mark it finished (or failed)."""
        state = "finished" if not exit_code else "failed"
        self._end(exit_code or 0, state, None, quiet=bool(quiet))

    def end_as(self, exit_code: int, state: str | None = None, traceback: str | None = None,
               quiet: bool = False) -> None:
        """Internal (exit hooks, sweep agents): end the run with this exit code and state
        ("finished", "failed", "killed"; None: finished for 0, else failed) and traceback."""
        if state is None:
            state = "finished" if exit_code == 0 else "failed"
        self._end(exit_code, state, traceback, quiet=quiet)

    def _end(self, exit_code: int, state: str, tb: str | None, quiet: bool) -> None:
        with self._lock:
            if self._finished:
                return
            self._finished = True
            self._end_state = (state, exit_code, tb)
        self.unwatch()
        if self.disabled or self._writer is None:
            self._release()
            return
        for hook in self._hooks:
            try:
                hook()
            except Exception:
                pass
        with self._lock:
            for step, row in self._tracker.flush():
                self._commit(step, row)
        self._writer.put(fit_record(r.RunEnd(state=state, exit_code=exit_code,
                                             ended_at=time.time(), traceback=tb)))
        landed = self._writer.close(timeout=self.settings.finish_timeout)
        self._writer_closed = True
        self._release()
        if not (quiet or self.settings.silent):
            where = "" if landed else " (some records were spooled, see above)"
            termlog(f"run {self._name} ({self.id}) {state}{where}; "
                    f"{self._tracker.step} steps in {self.settings.store_url()}")

    def _release(self) -> None:
        registry.remove(self)

    def __enter__(self) -> Run:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        if kind is None:
            self.finish()
        elif issubclass(kind, SystemExit):
            code = lifecycle.exit_status(getattr(value, "code", None))
            self._end(code, "finished" if code == 0 else "failed", None, quiet=False)
        else:
            text = "".join(traceback.format_exception(kind, value, tb))
            killed = issubclass(kind, KeyboardInterrupt)
            self._end(255 if killed else 1, "killed" if killed else "failed", text, quiet=False)

    # -- internals ------------------------------------------------------------------------
    def _accepts(self, what: str) -> bool:
        """The after-finish guard, the one place that decides: True while the run is live;
        once it is finished the call (``what``) is to be ignored, with one warning per run
        (none for a disabled run). Never raises; what was logged before stays."""
        if not self._finished:
            return True
        with self._lock:
            warn = not (self._warned_finished or self.disabled)
            self._warned_finished = True
        if warn:
            warnings.warn(f"heron: run {self.id} is finished; {what} ignored (and any later "
                          "call that would change the run)", stacklevel=outside_heron())
        return False

    def emit(self, record: r.Record) -> None:
        """Internal (console capture, system sampler): hand a record to the writer. Not
        gated on ``finished``: end hooks (console flush, last samples) still write."""
        self._put(record)

    def add_end_hook(self, hook: Any) -> None:
        """Internal: call ``hook()`` when the run ends, before its last records are flushed."""
        self._hooks.append(hook)

    def _put(self, record: r.Record) -> None:
        # Not gated on _finished: end hooks (console flush, last samples) still write.
        if self._writer is not None and not self._writer_closed:
            self._writer.put(fit_record(record))  # within the store's limits, or it refuses

    def _config_changed(self, config: dict[str, Any]) -> None:
        self._put(r.ConfigSet(config=config))

    def _collect_metadata(self) -> None:
        from heron.sdk.metadata import git_metadata

        self._start.metadata.update(git_metadata(self._start.metadata.get("cwd")))


def _as_step(step: Any) -> int:
    try:
        value = int(step)
    except (TypeError, ValueError):
        raise ValueRejected(f"log() step={step!r} is not an integer") from None
    if value != step or value < 0:
        raise ValueRejected(f"log() step={step!r} must be a non-negative integer")
    return value

