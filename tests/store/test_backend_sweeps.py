"""Sweep reservations on both backends: agents asking at the same moment, each through its own
store (as server replicas would), never get the same grid point."""

from __future__ import annotations

import itertools
import threading

from heron.sweeps.controller import SweepController

from .conftest import OpenStore

AGENTS = 4


def test_parallel_agents_share_out_a_grid_without_duplicates(open_again: OpenStore) -> None:
    config = {"method": "grid", "metric": {"name": "loss", "goal": "minimize"},
              "parameters": {"lr": {"values": [0.1, 0.01, 0.001]}, "layers": {"values": [1, 2, 3]},
                             "opt": {"values": ["adam", "sgd"]}}}
    sweep_id = SweepController(open_again()).create(config, "proj")
    controllers = [SweepController(open_again()) for _ in range(AGENTS)]
    barrier = threading.Barrier(AGENTS)
    handed: list[tuple[object, ...]] = []
    errors: list[BaseException] = []

    def agent(i: int) -> None:
        barrier.wait()
        try:
            while True:
                got = controllers[i].next_run(sweep_id, agent=f"agent-{i}")
                if got.run_id is None:
                    return
                assert got.params is not None
                handed.append((got.params["lr"], got.params["layers"], got.params["opt"]))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=agent, args=(i,)) for i in range(AGENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert not errors, errors
    grid = set(itertools.product([0.1, 0.01, 0.001], [1, 2, 3], ["adam", "sgd"]))
    assert len(handed) == len(grid)
    assert set(handed) == grid
    store = controllers[0].store
    assert len(store.list_runs("proj", sweep_id=sweep_id)) == len(grid)
    assert controllers[0].get(sweep_id).state == "FINISHED"
