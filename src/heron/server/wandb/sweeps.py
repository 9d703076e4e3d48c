"""Sweeps through the W&B protocol: UpsertSweep, CreateAgent, agent heartbeats and
SweepWithRuns, driven by Heron's own sweep controller."""

from __future__ import annotations

from heron.server.wandb.graphql import Resolver

RESOLVERS: dict[str, Resolver] = {}
