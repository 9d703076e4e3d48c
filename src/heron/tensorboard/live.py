"""The live TensorBoard sync: events handed over by patched writers reach the run.

The training thread only appends ``(logdir, event)`` to a deque (``offer``); a daemon thread
converts the events (``heron.tensorboard.events``) and logs them into the active run every
``POLL_SECONDS``, and the run's end hook delivers whatever is left before the run's last
flush. Nothing here may raise into the training loop: a failure is reported once and the
sync carries on.

Rows follow W&B's TensorBoard sync: each row carries the events' values and ``global_step``
(``<namespace>/global_step`` too for a namespaced logdir), events of one namespace and one
global step join one row, and every key is defined with ``global_step`` as its x-axis.
"""

from __future__ import annotations

import collections
import os
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any

from heron.tensorboard.events import event_point, namespaced
from heron.term import termwarn

if TYPE_CHECKING:
    from heron.sdk.run import Run

POLL_SECONDS = 0.5
MAX_QUEUED_EVENTS = 200_000
"""Events waiting at most: past this (no run to take them for a long time) the oldest go."""
STEP_KEY = "global_step"


class PendingRow:
    """Values of one namespace at one global step, waiting for the step to move on."""

    def __init__(self, namespace: str, step: int) -> None:
        self.namespace = namespace
        self.step = step
        self.values: dict[str, Any] = {}
        self.since = time.monotonic()


class TensorBoardSync:
    """Moves TensorBoard events from the writers' threads into the active run.

    Thread-safety: ``offer`` may be called from any thread at any time; ``drain_into`` is
    serialised with the background thread by ``_drain_lock``.
    """

    def __init__(self, root_logdir: str | None = None) -> None:
        self.root_logdir = os.path.abspath(root_logdir) if root_logdir else None
        self._root_given = self.root_logdir is not None
        self._events: collections.deque[tuple[str, Any]] = collections.deque()
        self._drain_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = False
        self._pending: PendingRow | None = None
        self._defined: weakref.WeakKeyDictionary[Run, set[str]] = weakref.WeakKeyDictionary()
        # Runs whose end hook is in place, and those that ended (never logged into again).
        self._hooked: weakref.WeakSet[Run] = weakref.WeakSet()
        self._ended: weakref.WeakSet[Run] = weakref.WeakSet()
        self._warned: set[str] = set()
        self._thread = threading.Thread(target=self._loop, name="heron-tensorboard",
                                        daemon=True)
        self._thread.start()

    # -- the writers' side: must never block or raise -----------------------------------
    def offer(self, logdir: Any, event: Any) -> None:
        """Queue one event that a writer for ``logdir`` is writing (called on its thread)."""
        if len(self._events) >= MAX_QUEUED_EVENTS:
            self._events.popleft()
            self._warn_once("full", f"more than {MAX_QUEUED_EVENTS} TensorBoard events are "
                            "waiting for a run (call heron.init()); the oldest are dropped")
        self._events.append((str(logdir), event))

    # -- the run's side -----------------------------------------------------------------
    def adopt(self, run: Run) -> None:
        """Deliver to ``run`` from now on, and everything still queued when it ends."""
        if run not in self._hooked:
            self._hooked.add(run)
            run.add_end_hook(lambda: self._run_ended(run))

    def stop(self) -> None:
        """Deliver what is queued and stop the background thread (``unpatch``)."""
        self._stopped = True
        self._wake.set()
        self._thread.join(timeout=10)
        from heron.sdk import registry

        run = registry.active()
        if run is not None:
            self.drain_into(run, final=True)

    def _run_ended(self, run: Run) -> None:
        self.drain_into(run, final=True)
        self._ended.add(run)
        if not self._root_given:  # the next run's first logdir is its root
            self.root_logdir = None

    def _loop(self) -> None:
        from heron.sdk import registry

        while not self._stopped:
            self._wake.wait(POLL_SECONDS)
            try:
                run = registry.active()
                if run is not None and run not in self._ended and not run.disabled:
                    self.adopt(run)
                    self.drain_into(run, final=False)
            except Exception as exc:  # a bug here must not end the sync, nor the training
                self._warn_once(f"loop:{type(exc).__name__}",
                                f"TensorBoard sync: {type(exc).__name__}: {exc}")

    def drain_into(self, run: Run, final: bool) -> None:
        """Log the queued events into ``run``; ``final`` also commits the row still open."""
        with self._drain_lock:
            if run in self._ended:
                return
            while self._events:
                logdir, event = self._events.popleft()
                namespace = self._namespace(logdir)
                try:
                    point = event_point(event, namespace)
                except Exception as exc:  # one odd event is skipped, not the rest
                    self._warn_once(f"event:{type(exc).__name__}", "TensorBoard sync skipped "
                                    f"an event it cannot read ({type(exc).__name__}: {exc})")
                    continue
                if point is not None:
                    self._add(run, namespace, point.step, point.values)
            pending = self._pending
            if pending is not None and (final or time.monotonic() - pending.since > 1.0):
                self._commit(run, pending)
                self._pending = None

    def _add(self, run: Run, namespace: str, step: int, values: dict[str, Any]) -> None:
        pending = self._pending
        if pending is not None and (pending.namespace, pending.step) != (namespace, step):
            self._commit(run, pending)
            pending = None
        if pending is None:
            pending = self._pending = PendingRow(namespace, step)
        pending.values.update(values)

    def _commit(self, run: Run, pending: PendingRow) -> None:
        row = dict(pending.values)
        step_keys = {STEP_KEY}
        if pending.namespace:
            step_keys.add(namespaced(STEP_KEY, pending.namespace))
        for key in step_keys:
            row[key] = pending.step
        self._define(run, row, namespaced(STEP_KEY, pending.namespace))
        log_on_behalf(run, row)

    def _define(self, run: Run, row: dict[str, Any], step_metric: str) -> None:
        """Charts of TensorBoard keys use the global step as their x-axis, as in W&B."""
        defined = self._defined.setdefault(run, set())
        for key in row:
            if key in defined or key == STEP_KEY or key.endswith("/" + STEP_KEY):
                continue
            defined.add(key)
            define_on_behalf(run, key, step_metric)

    def _namespace(self, logdir: str) -> str:
        """The writer's logdir relative to the root logdir ("" for the root itself; its
        last part for a logdir outside the root).

        Without a ``root_logdir`` the first logdir of each run is the root, as in W&B."""
        path = os.path.abspath(logdir)
        if self.root_logdir is None:
            self.root_logdir = path
        relative = os.path.relpath(path, self.root_logdir)
        if relative == "." or relative.startswith(".."):
            return "" if relative == "." else os.path.basename(path)
        return relative.replace(os.sep, "/")

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            try:
                termwarn(message)
            except Exception:
                pass


# -- writing into a run that may already be ending ------------------------------------------
# A run's end hooks run once it refuses ``log()`` and ``define_metric()`` (it is finished),
# yet the last TensorBoard events belong in it: the run's own end flush commits its open row
# through the same step tracker just after the hooks, so these two go the same way.


def log_on_behalf(run: Run, values: dict[str, Any]) -> None:
    """Commit ``values`` as one row of ``run`` (the next ``_step``), finished or not."""
    run.log_while_ending(values)


def define_on_behalf(run: Run, key: str, step_metric: str) -> None:
    """Plot ``key`` against ``step_metric``, unless the user defined ``key`` already."""
    from heron import records as r
    from heron.sdk.summary import MetricDef

    with run._lock:  # the training thread's log() reads the definitions under this lock
        if key in run.summary.definitions():
            return
        run.summary.define(MetricDef(name=key, step_metric=step_metric))
        definitions = run.summary.definitions()
    run.emit(r.MetricsSet(metrics=definitions))
