"""Sweep agents: ask the controller for runs and execute them, in-process or as subprocesses.

``heron.agent(sweep_id, function=train)`` calls ``train()`` for each run (its ``heron.init()``
picks up the run's parameters); ``heron agent SWEEP_ID`` runs the sweep's ``command`` in a
subprocess per run. Both stop runs the controller says to stop (hyperband, a cancelled sweep)
and give up after repeated failures.
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
from collections.abc import Callable
from typing import Any

from heron.errors import Error
from heron.sdk.settings import resolve
from heron.sweeps.controller import Assignment

POLL_SECONDS = float(os.environ.get("HERON_AGENT_POLL_SECONDS", "2"))
KILL_GRACE_SECONDS = float(os.environ.get("HERON_AGENT_KILL_GRACE", "10"))
EARLY_WINDOW = 60.0
EARLY_FAILURES = 3
FAILURES_WITHOUT_SUCCESS = 5

ENV_SWEEP = "HERON_SWEEP_ID"
ENV_RUN = "HERON_RUN_ID"
ENV_PARAMS = "HERON_SWEEP_PARAMS"
ENV_PROJECT = "HERON_SWEEP_PROJECT"
ENV_ENTITY = "HERON_SWEEP_ENTITY"


class AgentGaveUp(Error):
    """Too many of the agent's runs failed (the failure policy)."""


class StopRun(BaseException):
    """Raised inside a run's thread when the sweep stops it (a BaseException: not swallowed by
    ``except Exception`` in training code)."""


def controller_for(project: str | None = None) -> Any:
    """The server's controller when a host is configured, else the local store's."""
    settings = resolve(None)
    if settings.host:
        from heron.sweeps.remote import RemoteController

        return RemoteController(settings.host, settings.api_key)
    from heron.store import open_store
    from heron.sweeps.controller import SweepController

    return SweepController(open_store(f"sqlite:///{settings.store_dir / 'heron.db'}"))


def run_environment(sweep_id: str, job: Assignment) -> dict[str, str]:
    """What a run's process needs to attach to the sweep (also set in-process)."""
    return {ENV_SWEEP: sweep_id, ENV_RUN: str(job.run_id), ENV_PARAMS: json.dumps(job.params),
            ENV_PROJECT: job.project, ENV_ENTITY: job.entity}


class FailurePolicy:
    """Give up after 3 failures in the agent's first 60 s, or 5 failures and no success."""

    def __init__(self, early_failures: int = EARLY_FAILURES, window: float = EARLY_WINDOW,
                 without_success: int = FAILURES_WITHOUT_SUCCESS) -> None:
        self.started = time.monotonic()
        self.early_failures = early_failures
        self.window = window
        self.without_success = without_success
        self.failures: list[float] = []
        self.successes = 0

    def record(self, ok: bool) -> str | None:
        """Record a run's outcome; a reason to give up, or None."""
        if ok:
            self.successes += 1
            return None
        now = time.monotonic()
        self.failures.append(now)
        early = [t for t in self.failures if t - self.started <= self.window]
        if len(early) >= self.early_failures:
            return f"{len(early)} runs failed in the agent's first {self.window:.0f} s"
        if self.successes == 0 and len(self.failures) >= self.without_success:
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
        self.policy = policy or FailurePolicy()
        self.name = f"{socket.gethostname()}-{os.getpid()}-{id(self) % 10000}"
        self.executed = 0

    def run(self) -> int:
        while self.count is None or self.executed < self.count:
            job = self.controller.next_run(self.sweep_id, agent=self.name)
            if job.run_id is None:
                if job.state == "PAUSED":
                    time.sleep(POLL_SECONDS)
                    continue
                _say(f"sweep {self.sweep_id} is {job.state.lower()}; agent stops")
                break
            _say(f"agent starting run {job.run_id} with {json.dumps(job.params)}")
            ok = self._execute(job)
            self.executed += 1
            reason = self.policy.record(ok)
            if reason is not None:
                raise AgentGaveUp(f"heron agent gives up: {reason}")
        return self.executed

    def _execute(self, job: Assignment) -> bool:
        if self.function is not None:
            return self._in_process(job)
        return self._subprocess(job)

    def _stop_wanted(self, run_id: str) -> bool:
        try:
            _, stop = self.controller.runs_to_stop(self.sweep_id, [run_id])
        except Exception as exc:  # a controller hiccup must not kill a healthy run
            _say(f"could not ask the controller about run {run_id}: {exc}")
            return False
        return run_id in stop

    # -- in-process -----------------------------------------------------------------------
    def _in_process(self, job: Assignment) -> bool:
        assert self.function is not None and job.run_id is not None
        env = run_environment(self.sweep_id, job)
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        outcome: dict[str, Any] = {}

        def target() -> None:
            try:
                assert self.function is not None
                self.function()
                outcome["ok"] = True
            except StopRun:
                outcome["stopped"] = True
            except BaseException as exc:  # the run failed; the agent goes on
                import traceback

                outcome["error"] = "".join(traceback.format_exception(exc))
                print(outcome["error"], file=sys.stderr)

        thread = threading.Thread(target=target, name=f"heron-run-{job.run_id}")
        try:
            thread.start()
            while thread.is_alive():
                thread.join(POLL_SECONDS)
                if thread.is_alive() and self._stop_wanted(job.run_id):
                    _say(f"stopping run {job.run_id}")
                    _raise_in(thread, StopRun)
                    thread.join(KILL_GRACE_SECONDS)
                    outcome["stopped"] = True
                    break
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        self._end_run(job.run_id, outcome)
        return bool(outcome.get("ok") or outcome.get("stopped"))

    def _end_run(self, run_id: str, outcome: dict[str, Any]) -> None:
        """Finish the run the function left open, with the state its outcome says."""
        from heron.sdk import init as init_module

        for run in list(init_module._runs):
            if run.id != run_id:
                continue
            if outcome.get("stopped"):
                run._end(128 + signal.SIGTERM, "killed", None, quiet=True)
            elif "error" in outcome:
                run._end(1, "failed", outcome["error"], quiet=True)
            else:
                run.finish(quiet=True)

    # -- subprocess -----------------------------------------------------------------------
    def _subprocess(self, job: Assignment) -> bool:
        from heron.sweeps.command import expand_command, format_args

        assert job.run_id is not None and job.params is not None
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            handle.write(format_args(job.params, "args_json")[0])
            json_file = handle.name
        try:
            argv = expand_command(job.command, job.params, job.program, json_file=json_file,
                                  environ=os.environ, interpreter=sys.executable)
            env = {**os.environ, **run_environment(self.sweep_id, job)}
            child = subprocess.Popen(argv, env=env)
            stopped = False
            while True:
                try:
                    code = child.wait(timeout=POLL_SECONDS)
                    break
                except subprocess.TimeoutExpired:
                    pass
                if not stopped and self._stop_wanted(job.run_id):
                    stopped = True
                    _say(f"stopping run {job.run_id} (SIGTERM)")
                    child.send_signal(signal.SIGTERM)
                    try:
                        code = child.wait(timeout=KILL_GRACE_SECONDS)
                    except subprocess.TimeoutExpired:
                        _say(f"run {job.run_id} did not stop; SIGKILL")
                        child.kill()
                        code = child.wait()
                    break
        finally:
            os.unlink(json_file)
        if code != 0 and not stopped:
            _say(f"run {job.run_id} exited with code {code}")
        return code == 0 or stopped


def _raise_in(thread: threading.Thread, exc: type[BaseException]) -> None:
    """Raise ``exc`` asynchronously in ``thread`` (checked between bytecodes)."""
    if thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident),
                                                   ctypes.py_object(exc))


def _say(message: str) -> None:
    print(f"heron: {message}", file=sys.stderr, flush=True)


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
    return Agent(sweep_id, function=function, count=count).run()


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
