"""Sweep reservations on both backends: agents asking at the same moment, each through its own
store (as server replicas would), never get the same grid point."""

from __future__ import annotations

import itertools

from heron.sweeps.controller import SweepController

from ._support import together
from .conftest import OpenStore

AGENTS = 4


def test_parallel_agents_share_out_a_grid_without_duplicates(open_again: OpenStore) -> None:
    config = {"method": "grid", "metric": {"name": "loss", "goal": "minimize"},
              "parameters": {"lr": {"values": [0.1, 0.01, 0.001]}, "layers": {"values": [1, 2, 3]},
                             "opt": {"values": ["adam", "sgd"]}}}
    sweep_id = SweepController(open_again()).create(config, "proj")
    controllers = [SweepController(open_again()) for _ in range(AGENTS)]
    handed: list[tuple[object, ...]] = []

    def agent(i: int) -> None:
        while True:
            got = controllers[i].next_run(sweep_id, agent=f"agent-{i}")
            if got.run_id is None:
                return
            assert got.params is not None
            handed.append((got.params["lr"], got.params["layers"], got.params["opt"]))

    together(AGENTS, agent)
    grid = set(itertools.product([0.1, 0.01, 0.001], [1, 2, 3], ["adam", "sgd"]))
    assert len(handed) == len(grid)
    assert set(handed) == grid
    store = controllers[0].store
    assert len(store.list_runs("proj", sweep_id=sweep_id)) == len(grid)
    assert controllers[0].get(sweep_id).state == "FINISHED"
