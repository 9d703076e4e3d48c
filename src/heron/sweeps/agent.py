"""Sweep agents: ask the controller for runs and execute them, in-process or as subprocesses.

``heron.agent(sweep_id, function=train)`` calls ``train()`` for each run (its ``heron.init()``
picks up the run's parameters from a context variable, so agents in several threads can share a
process); ``heron agent SWEEP_ID`` runs the sweep's ``command`` in a subprocess per run, with
the parameters in environment variables. Both stop runs the controller says to stop
(hyperband, a cancelled sweep) and give up after repeated failures.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from heron.client import configured_server
from heron.errors import Error
from heron.sdk import registry
from heron.sdk.assignment import SweepAssignment, assigned
from heron.sdk.settings import resolve
from heron.sweeps.controller import Assignment
from heron.term import termerror, termlog, termwarn

POLL_SECONDS = float(os.environ.get("HERON_AGENT_POLL_SECONDS", "2"))
KILL_GRACE_SECONDS = float(os.environ.get("HERON_AGENT_KILL_GRACE", "10"))
EARLY_WINDOW = 60.0
EARLY_FAILURES = 3
FAILURES_WITHOUT_SUCCESS = 5


class AgentGaveUp(Error):
    """Too many of the agent's runs failed (the failure policy)."""


class StopRun(BaseException):
    """Raised inside a run's thread when the sweep stops it (a BaseException: not swallowed by
    ``except Exception`` in training code)."""


class AgentInterrupted(BaseException):
    """The agent itself was told to stop (SIGTERM): it stops its run, then exits."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"agent received signal {signum}")
        self.signum = signum


def stop_on_sigterm() -> None:
    """Make SIGTERM to the agent stop its current run before the agent exits (SLURM, systemd
    and ``kill`` send it); without this the run's process would be left running, orphaned."""
    def handler(signum: int, frame: Any) -> None:
        raise AgentInterrupted(signum)

    signal.signal(signal.SIGTERM, handler)


def controller_for(project: str | None = None) -> Any:
    """The server's controller when a host is configured, else the local store's."""
    settings = resolve(None)
    server = configured_server(settings)
    if server is not None:
        from heron.sweeps.remote import RemoteController

        return RemoteController(*server)
    from heron.store import open_store
    from heron.sweeps.controller import SweepController

    return SweepController(open_store(f"sqlite:///{settings.store_dir / 'heron.db'}"))


def sweep_assignment(sweep_id: str, job: Assignment) -> SweepAssignment:
    """The reserved run ``job`` as what ``init()`` reads."""
    return SweepAssignment(sweep_id=sweep_id, run_id=str(job.run_id),
                           params=dict(job.params or {}), project=job.project,
                           entity=job.entity)


def run_environment(sweep_id: str, job: Assignment) -> dict[str, str]:
    """What a run's process needs to attach to the sweep (command agents)."""
    return sweep_assignment(sweep_id, job).to_environ()


class FailurePolicy:
    """Give up after 3 failures in the agent's first 60 s, or 5 failures and no success.

    ``FailurePolicy.from_env()`` reads overrides: ``HERON_AGENT_FLAPPING_FAILURES`` and
    ``HERON_AGENT_FLAPPING_SECONDS`` (the first rule), ``HERON_AGENT_DISABLE_FLAPPING`` (drops
    it), ``HERON_AGENT_MAX_INITIAL_FAILURES`` (the second); W&B's ``WANDB_AGENT_*`` names too.
    """

    def __init__(self, early_failures: int = EARLY_FAILURES, window: float = EARLY_WINDOW,
                 without_success: int = FAILURES_WITHOUT_SUCCESS) -> None:
        self.started = time.monotonic()
        self.early_failures = early_failures
        self.window = window
        self.without_success = without_success
        self.failures: list[float] = []
        self.successes = 0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> FailurePolicy:
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            return env.get(f"HERON_{name}", env.get(f"WANDB_{name}"))

        def number(name: str, default: float) -> float:
            raw = get(name)
            try:
                return float(raw) if raw not in (None, "") else default
            except ValueError:
                raise Error(f"{name}={raw!r} must be a number") from None

        early = int(number("AGENT_FLAPPING_FAILURES", EARLY_FAILURES))
        if (get("AGENT_DISABLE_FLAPPING") or "").lower() in ("1", "true", "yes"):
            early = 0
        return cls(early_failures=early,
                   window=number("AGENT_FLAPPING_SECONDS", EARLY_WINDOW),
                   without_success=int(number("AGENT_MAX_INITIAL_FAILURES",
                                              FAILURES_WITHOUT_SUCCESS)))

    def record(self, ok: bool) -> str | None:
        """Record a run's outcome; a reason to give up, or None."""
        if ok:
            self.successes += 1
            return None
        now = time.monotonic()
        self.failures.append(now)
        early = [t for t in self.failures if t - self.started <= self.window]
        if self.early_failures > 0 and len(early) >= self.early_failures:
            return f"{len(early)} runs failed in the agent's first {self.window:.0f} s"
        if (self.without_success > 0 and self.successes == 0
                and len(self.failures) >= self.without_success):
            return f"{len(self.failures)} runs failed and none succeeded"
        return None


class Agent:
    """One agent's loop; ``run()`` returns the number of runs it executed."""

    def __init__(self, sweep_id: str, function: Callable[[], Any] | None = None,
                 count: int | None = None, controller: Any = None,
                 policy: FailurePolicy | None = None) -> None:
        self.sweep_id = sweep_id
        self.function = function
        self.count = count
        self.controller = controller or controller_for()
        self.policy = policy or FailurePolicy.from_env()
        self.name = f"{socket.gethostname()}-{os.getpid()}-{id(self) % 10000}"
        self.executed = 0
        self.poll_seconds = float(os.environ.get("HERON_AGENT_POLL_SECONDS", POLL_SECONDS))
        self.kill_grace = float(os.environ.get("HERON_AGENT_KILL_GRACE", KILL_GRACE_SECONDS))

    def run(self) -> int:
        paused = False
        while self.count is None or self.executed < self.count:
            job = self.controller.next_run(self.sweep_id, agent=self.name)
            if job.run_id is None:
                if job.state == "PAUSED":
                    if not paused:
                        _say(f"sweep {self.sweep_id} is paused; waiting for it to resume")
                    paused = True
                    time.sleep(self.poll_seconds)
                    continue
                _say(f"sweep {self.sweep_id} is {job.state.lower()}; agent stops")
                break
            paused = False
            _say(f"agent starting run {job.run_id} with {json.dumps(job.params)}")
            ok = self._execute(job)
            self.executed += 1
            reason = self.policy.record(ok)
            if reason is not None:
                raise AgentGaveUp(f"heron: agent gives up on sweep {self.sweep_id}: {reason} "
                                  "(the failure policy; each run's output is above)")
        return self.executed

    def _execute(self, job: Assignment) -> bool:
        if self.function is not None:
            return self._in_process(job)
        return self._subprocess(job)

    def _record_end(self, run_id: str, state: str, exit_code: int | None) -> None:
        """Tell the controller how the run ended; a run that recorded its own end keeps it."""
        try:
            self.controller.end_run(self.sweep_id, run_id, state, exit_code)
        except Exception as exc:  # the run's own record (or crash detection) will have to do
            termwarn(f"could not record the end of run {run_id}: {exc}")

    def _stop_wanted(self, run_id: str) -> bool:
        try:
            _, stop = self.controller.runs_to_stop(self.sweep_id, [run_id])
        except Exception as exc:  # a controller hiccup must not kill a healthy run
            termwarn(f"could not ask the controller about run {run_id}: {exc}")
            return False
        return run_id in stop

    # -- in-process -----------------------------------------------------------------------
    def _in_process(self, job: Assignment) -> bool:
        assert self.function is not None and job.run_id is not None
        reserved = sweep_assignment(self.sweep_id, job)
        outcome: dict[str, Any] = {}

        def target() -> None:
            try:
                assert self.function is not None
                # Set in the run's own thread (a new thread starts with an empty context):
                # this thread's init() sees it; other agents' threads see their own.
                with assigned(reserved):
                    self.function()
                outcome["ok"] = True
            except StopRun:
                outcome["stopped"] = True
            except BaseException as exc:  # the run failed; the agent goes on
                import traceback

                outcome["error"] = "".join(traceback.format_exception(exc))
                termerror(f"run {job.run_id} failed:\n{outcome['error'].rstrip()}")

        # A daemon thread: one that ignores StopRun must not keep the process alive at exit.
        thread = threading.Thread(target=target, name=f"heron-run-{job.run_id}", daemon=True)
        try:
            thread.start()
            while thread.is_alive():
                thread.join(self.poll_seconds)
                if thread.is_alive() and self._stop_wanted(job.run_id):
                    _say(f"stopping run {job.run_id}")
                    self._stop_thread(thread, outcome)
                    break
        except BaseException:  # Ctrl-C or SIGTERM to the agent: stop the run, then go
            self._stop_thread(thread, outcome)
            self._end_run(job.run_id, outcome)
            raise
        self._end_run(job.run_id, outcome)
        return bool(outcome.get("ok") or outcome.get("stopped"))

    def _stop_thread(self, thread: threading.Thread, outcome: dict[str, Any]) -> None:
        _raise_in(thread, StopRun)
        thread.join(self.kill_grace)
        if thread.is_alive():
            termwarn(f"{thread.name} did not stop within {self.kill_grace:g} s; left running")
        outcome["stopped"] = True

    def _end_run(self, run_id: str, outcome: dict[str, Any]) -> None:
        """Finish the run the function left open, with the state its outcome says."""
        for run in registry.find(run_id):
            if outcome.get("stopped"):
                run.end_as(128 + signal.SIGTERM, "killed", quiet=True)
            elif "error" in outcome:
                run.end_as(1, "failed", outcome["error"], quiet=True)
            else:
                run.finish(quiet=True)
        # A function that never called init() leaves its reservation pending.
        if outcome.get("stopped"):
            self._record_end(run_id, "killed", 128 + signal.SIGTERM)
        elif "error" in outcome:
            self._record_end(run_id, "failed", 1)
        else:
            self._record_end(run_id, "finished", 0)

    # -- subprocess -----------------------------------------------------------------------
    def _subprocess(self, job: Assignment) -> bool:
        from heron.sweeps.command import expand_command, format_args

        assert job.run_id is not None and job.params is not None
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            handle.write(format_args(job.params, "args_json")[0])
            json_file = handle.name
        try:
            try:
                argv = expand_command(job.command, job.params, job.program, json_file=json_file,
                                      environ=os.environ, interpreter=sys.executable)
                env = {**os.environ, **run_environment(self.sweep_id, job)}
                child = subprocess.Popen(argv, env=env)
            except (OSError, ValueError) as exc:  # no such program, a macro that cannot expand
                termwarn(f"run {job.run_id} could not start: {exc}")
                self._record_end(job.run_id, "failed", None)
                return False
            stopped = False
            try:
                while True:
                    try:
                        code = child.wait(timeout=self.poll_seconds)
                        break
                    except subprocess.TimeoutExpired:
                        pass
                    if self._stop_wanted(job.run_id):
                        stopped = True
                        _say(f"stopping run {job.run_id} (SIGTERM)")
                        code = self._stop_child(job.run_id, child)
                        break
            except BaseException:  # Ctrl-C or SIGTERM to the agent: stop the run, then go
                self._record_end(job.run_id, "killed", self._stop_child(job.run_id, child))
                raise
        finally:
            os.unlink(json_file)
        if stopped:
            self._record_end(job.run_id, "killed", code)
        else:
            if code != 0:
                _say(f"run {job.run_id} exited with code {code}")
            self._record_end(job.run_id, "finished" if code == 0 else "failed", code)
        return code == 0 or stopped

    def _stop_child(self, run_id: str, child: subprocess.Popen[bytes]) -> int:
        """SIGTERM, then SIGKILL after the grace period; the exit status."""
        if child.poll() is not None:
            return child.returncode
        child.send_signal(signal.SIGTERM)
        try:
            return child.wait(timeout=self.kill_grace)
        except subprocess.TimeoutExpired:
            termwarn(f"run {run_id} did not stop within {self.kill_grace:g} s; SIGKILL")
            child.kill()
            return child.wait()


def _raise_in(thread: threading.Thread, exc: type[BaseException]) -> None:
    """Raise ``exc`` asynchronously in ``thread`` (checked between bytecodes)."""
    if thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident),
                                                   ctypes.py_object(exc))


def _say(message: str) -> None:
    """An informational agent line (silenced by HERON_SILENT, like every termlog)."""
    termlog(message)


def agent(sweep_id: str, function: Callable[[], Any] | None = None, entity: str | None = None,
          project: str | None = None, count: int | None = None) -> int:
    """Run ``function`` (or the sweep's command) for each run the sweep hands out.

    Example:
        >>> def train():
        ...     heron.init()
        ...     lr = heron.config.lr
        ...     ...
        >>> heron.agent(sweep_id, function=train, count=4)
    """
    if count is not None and (isinstance(count, bool) or not isinstance(count, int)
                              or count < 1):
        raise Error(f"agent count={count!r} must be a positive integer")
    # SIGTERM to a script running an agent stops the current run (state killed) before the
    # script ends with AgentInterrupted, instead of leaving the run to be declared crashed.
    handle = (threading.current_thread() is threading.main_thread()
              and signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None))
    if handle:
        stop_on_sigterm()
    try:
        return Agent(sweep_id, function=function, count=count).run()
    finally:
        if handle:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


def sweep(sweep: dict[str, Any] | Any, entity: str | None = None, project: str | None = None,
          prior_runs: list[str] | None = None) -> str:
    """Create a sweep and return its id.

    Example:
        >>> config = {"method": "grid", "parameters": {"lr": {"values": [0.1, 0.01]}}}
        >>> sweep_id = heron.sweep(config, project="my_project")
    """
    config = dict(sweep) if not callable(sweep) else sweep()
    settings = resolve(None, project=project or config.get("project"),
                       entity=entity or config.get("entity"))
    sweep_id = controller_for().create(config, settings.project or "uncategorized",
                                       settings.entity or "", prior_runs)
    if not settings.silent:
        _say(f"created sweep {sweep_id} in project {settings.project or 'uncategorized'}")
    return str(sweep_id)
