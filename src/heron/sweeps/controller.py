"""The sweep controller: the only part of sweeps that touches the store.

"Give me the next run of sweep S" is one store transaction (``Store.sweep_session``): read the
sweep and its runs, ask the pure engine (``next_run``), and record the reservation, so agents
asking at the same moment (on threads, processes, machines or server replicas) never receive the
same point. There is no
controller process: whoever holds the store (an agent, or the server) runs this code. It never
sees a database connection: the session's methods are the store's.

Errors: ``NotFound`` for an unknown sweep or a run that is not the sweep's, ``ValueRejected``
for an unknown action or end state (``SweepConfigError`` for a bad config), ``Conflict`` when
the sweep's state forbids the change.
"""

from __future__ import annotations

import dataclasses
import math
import random
from typing import Any

from heron.errors import Conflict, NotFound, ValueRejected
from heron.sdk.names import new_run_id, new_run_name
from heron.store import Store
from heron.store import sweep_queries as q
from heron.sweeps.early_stop import stop_runs
from heron.sweeps.runs import SweepRun
from heron.sweeps.search import next_run
from heron.sweeps.validation import validate

STATES = ("PENDING", "RUNNING", "PAUSED", "CANCELED", "FINISHED")
ACTIONS = {"pause": "PAUSED", "resume": "RUNNING", "stop": "FINISHED", "cancel": "CANCELED"}
END_STATES = ("finished", "failed", "killed")


@dataclasses.dataclass
class Assignment:
    """What an agent receives: run this run with these parameters (or, with ``run_id`` None,
    nothing now; ``state`` says why: PAUSED means ask again later)."""

    state: str
    run_id: str | None = None
    params: dict[str, Any] | None = None
    project: str = ""
    entity: str = ""
    program: str | None = None
    command: list[Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def engine_runs(infos: list[q.SweepRunInfo], metric: str | None) -> list[SweepRun]:
    runs = []
    for info in infos:
        history = [{metric: v} for v in info.metric if math.isfinite(v)] if metric else []
        runs.append(SweepRun(id=info.run_id, config=info.params, state=info.state,
                             history=history, summary=info.summary))
    return runs


class SweepController:
    """Sweeps over one store.

    Example:
        >>> controller = SweepController(open_store("~/.heron"))
        >>> sweep_id = controller.create({"method": "grid", "parameters": {...}}, "proj")
        >>> controller.next_run(sweep_id, agent="host-1")
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def create(self, config: dict[str, Any], project: str, entity: str = "",
               prior_runs: list[str] | None = None) -> str:
        """Validate ``config`` (every violation reported at once) and store a new sweep."""
        cfg = validate(config)
        sweep_id = new_run_id()
        with self.store.sweep_session() as session:
            session.create_sweep(sweep_id, project, entity, dict(cfg.raw), cfg.name)
            for run_id in prior_runs or []:
                info = session.get_run(project, run_id)
                if info is None:
                    raise NotFound(f"prior run {run_id!r} is not in project {project!r}")
                session.attach(sweep_id, info.pk, _params_of(cfg.raw, info.config))
        return sweep_id

    def get(self, sweep_id: str) -> q.SweepInfo:
        with self.store.sweep_session(write=False) as session:
            sweep = session.get_sweep(sweep_id)
        if sweep is None:
            raise NotFound(f"no sweep {sweep_id!r}")
        return sweep

    def next_run(self, sweep_id: str, agent: str | None = None,
                 rng: random.Random | None = None) -> Assignment:
        """Reserve the next run of the sweep for ``agent`` (one transaction)."""
        with self.store.sweep_session() as session:
            sweep = session.get_sweep(sweep_id, lock=True)
            if sweep is None:
                raise NotFound(f"no sweep {sweep_id!r}")
            if sweep.state in ("PAUSED", "CANCELED", "FINISHED"):
                return Assignment(state=sweep.state)
            cfg = validate(sweep.config)
            metric = cfg.metric.name if cfg.metric else None
            # Logged values matter to bayes, metric.target and run_cap (a killed run with
            # values counts); grid and random without them never look: skip reading history.
            wanted = metric if cfg.method == "bayes" or cfg.run_cap is not None or (
                cfg.metric is not None and cfg.metric.target is not None) else None
            runs = engine_runs(session.sweep_runs(sweep_id, wanted), metric)
            params = next_run(cfg, runs, rng=rng)
            if params is None:
                session.set_state(sweep_id, "FINISHED")
                return Assignment(state="FINISHED")
            run_id = new_run_id()
            session.reserve(sweep, run_id, new_run_name(), params, agent)
            if sweep.state == "PENDING":
                session.set_state(sweep_id, "RUNNING")
            return Assignment(state="RUNNING", run_id=run_id, params=params,
                              project=sweep.project, entity=sweep.entity,
                              program=sweep.config.get("program"),
                              command=sweep.config.get("command"))

    def runs_to_stop(self, sweep_id: str, run_ids: list[str]) -> tuple[str, list[str]]:
        """The sweep's state and which of ``run_ids`` must stop now (hyperband, or cancel).

        Agents call this every few seconds per run: without hyperband and unless the sweep is
        cancelled, it is a read that takes no write lock."""
        with self.store.sweep_session(write=False) as session:
            sweep = session.get_sweep(sweep_id)
            if sweep is None:
                raise NotFound(f"no sweep {sweep_id!r}")
            if sweep.state != "CANCELED" and "early_terminate" not in sweep.config:
                return sweep.state, session.stop_requested(sweep_id, run_ids)
        with self.store.sweep_session() as session:
            sweep = session.get_sweep(sweep_id, lock=True)
            if sweep is None:
                raise NotFound(f"no sweep {sweep_id!r}")
            cfg = validate(sweep.config)
            metric = cfg.metric.name if cfg.metric else None
            infos = session.sweep_runs(sweep_id, metric)
            decided: set[str] = set()
            if sweep.state == "CANCELED":
                decided = {i.run_id for i in infos if i.state in ("running", "pending")}
            elif cfg.early_terminate is not None:
                decided = set(stop_runs(cfg, engine_runs(infos, metric)))
            decided |= {i.run_id for i in infos if i.stop_requested}
            session.request_stop(sweep_id, [i.run_pk for i in infos if i.run_id in decided
                                            and not i.stop_requested])
            decided.update(session.stop_requested(sweep_id, run_ids))  # asked for by a user
            return sweep.state, [r for r in run_ids if r in decided]

    def end_run(self, sweep_id: str, run_id: str, state: str,
                exit_code: int | None = None) -> str:
        """Record how a run the agent executed ended (``finished``, ``failed`` or ``killed``),
        for runs that could not say so themselves: a program that never called ``init()``, or
        one killed by SIGKILL. A run that recorded its own end keeps it. Returns the run's state.
        """
        if state not in END_STATES:
            raise ValueRejected(f"run state {state!r} is not one of {list(END_STATES)}")
        with self.store.sweep_session() as session:
            if session.get_sweep(sweep_id) is None:
                raise NotFound(f"no sweep {sweep_id!r}")
            final = session.end_reservation(sweep_id, run_id, state, exit_code)
        if final is None:
            raise NotFound(f"run {run_id!r} is not a run of sweep {sweep_id}")
        return final

    def set_state(self, sweep_id: str, action: str) -> str:
        """pause | resume | stop (no new runs, running ones finish) | cancel (kill them too)."""
        if action not in ACTIONS:
            raise ValueRejected(f"sweep action {action!r} is not one of {list(ACTIONS)}")
        with self.store.sweep_session() as session:
            sweep = session.get_sweep(sweep_id, lock=True)
            if sweep is None:
                raise NotFound(f"no sweep {sweep_id!r}")
            if sweep.state in ("CANCELED", "FINISHED") and action in ("pause", "resume"):
                raise Conflict(f"sweep {sweep_id} is {sweep.state}; it cannot {action}")
            state = ACTIONS[action]
            session.set_state(sweep_id, state)
            return state

    def describe(self, sweep_id: str) -> dict[str, Any]:
        """The sweep, its runs and their metric, for ``heron sweep`` and the dashboard."""
        with self.store.sweep_session(write=False) as session:
            sweep = session.get_sweep(sweep_id)
            if sweep is None:
                raise NotFound(f"no sweep {sweep_id!r}")
            cfg = validate(sweep.config)
            metric = cfg.metric.name if cfg.metric else None
            infos = session.sweep_runs(sweep_id, metric)
        from heron.sweeps.runs import run_value

        runs = []
        for info, run in zip(infos, engine_runs(infos, metric)):
            value = run_value(cfg, run) if metric else None
            runs.append({"id": info.run_id, "name": info.name, "state": info.state,
                         "params": info.params, "value": value, "agent": info.agent,
                         "created_at": info.created_at})
        return {"id": sweep.id, "project": sweep.project, "entity": sweep.entity,
                "name": sweep.name, "state": sweep.state, "config": sweep.config,
                "metric": dataclasses.asdict(cfg.metric) if cfg.metric else None,
                "run_cap": cfg.run_cap, "created_at": sweep.created_at, "runs": runs}

    def list(self, project: str | None = None) -> list[q.SweepInfo]:
        with self.store.sweep_session(write=False) as session:
            return session.list_sweeps(project)


def _params_of(config: dict[str, Any], run_config: dict[str, Any]) -> dict[str, Any]:
    """A prior run's values of the sweep's parameters (nested parameters stay nested)."""
    def pick(spec: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, param in spec.items():
            if name not in values:
                continue
            if isinstance(param, dict) and "parameters" in param and isinstance(values[name], dict):
                out[name] = pick(param["parameters"], values[name])
            else:
                out[name] = values[name]
        return out

    return pick(config.get("parameters", {}), run_config)
