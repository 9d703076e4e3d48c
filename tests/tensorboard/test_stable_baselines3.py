"""W&B's Stable-Baselines3 recipe through Heron: ``init(sync_tensorboard=True)`` and
``PPO(..., tensorboard_log=...)``; SB3's own TensorBoard logging reaches the run."""

from __future__ import annotations

from pathlib import Path

import pytest

import heron

pytest.importorskip("stable_baselines3")
pytest.importorskip("tensorboard")


@pytest.mark.slow
def test_ppo_on_cartpole_logs_rollout_reward(tmp_path: Path) -> None:
    import torch
    from stable_baselines3 import PPO

    torch.set_num_threads(1)
    config = {"policy_type": "MlpPolicy", "total_timesteps": 2048, "env_id": "CartPole-v1"}
    run = heron.init(project="sb3", config=config, sync_tensorboard=True)
    model = PPO(config["policy_type"], config["env_id"], verbose=0, seed=0, device="cpu",
                tensorboard_log=str(tmp_path / "runs" / run.id))
    model.learn(total_timesteps=config["total_timesteps"])
    run.finish()

    stored = heron.Api().run(f"sb3/{run.id}")
    rows = list(stored.scan_history())
    rewards = [r for r in rows if "rollout/ep_rew_mean" in r]
    assert rewards, f"no rollout/ep_rew_mean in {rows}"
    # SB3 logs at its timestep count: one rollout of n_steps=2048 steps.
    assert rewards[-1]["global_step"] == 2048
    assert 8 <= rewards[-1]["rollout/ep_rew_mean"] <= 500  # CartPole's episode lengths
    assert stored.summary["rollout/ep_rew_mean"] == rewards[-1]["rollout/ep_rew_mean"]
    assert stored.config["env_id"] == "CartPole-v1"
