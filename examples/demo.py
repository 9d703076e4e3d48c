"""Heron's demo: a small PyTorch classifier of handwritten digits, trained with ``watch()``,
with its predictions logged as captioned images, then tuned by a bayes sweep that two agents
run at once. It is a plain W&B script: only the import line differs.

Run it with ``python examples/demo.py`` (about a minute on two cores; the digits are the 8x8
ones that ship with scikit-learn, so nothing is downloaded), then open the dashboard with
``heron ui``: the project ``demo`` holds the runs, their gradient histograms, the image
panels and, under Sweeps, the sweep.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn

import heron as wandb

PROJECT = "demo"
SWEEP = {
    "method": "bayes",
    "metric": {"name": "val/acc", "goal": "maximize"},
    "run_cap": 6,  # six trials in all, then the sweep is finished and its agents stop
    "parameters": {
        "lr": {"distribution": "log_uniform_values", "min": 1e-3, "max": 0.1},
        "hidden": {"values": [16, 32, 64]},
        "epochs": {"value": 8},
    },
}


def digits() -> tuple[torch.Tensor, ...]:
    """The 1,797 digits as 64 floats in [0, 1], split 80/20 the same way every time."""
    images, labels = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(labels))
    x = torch.tensor(images[order] / 16.0, dtype=torch.float32)
    y = torch.tensor(labels[order])
    cut = int(len(y) * 0.8)
    return x[:cut], y[:cut], x[cut:], y[cut:]


def train(config: dict[str, float] | None = None) -> None:
    """One run: a two-layer network, gradients and weights watched, predictions as images."""
    with wandb.init(project=PROJECT, config=config) as run:
        cfg = run.config
        torch.manual_seed(0)
        x, y, x_val, y_val = digits()
        model = nn.Sequential(nn.Linear(64, int(cfg.hidden)), nn.ReLU(),
                              nn.Linear(int(cfg.hidden), 10))
        wandb.watch(model, log="all", log_freq=20)
        optimizer = torch.optim.Adam(model.parameters(), lr=float(cfg.lr))
        loss_fn = nn.CrossEntropyLoss()
        for epoch in range(int(cfg.epochs)):
            for batch in torch.randperm(len(y)).split(64):
                loss = loss_fn(model(x[batch]), y[batch])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                wandb.log({"train/loss": loss.item(), "epoch": epoch})
            with torch.no_grad():
                logits = model(x_val)
                predicted = logits.argmax(1)
                wandb.log({"val/loss": loss_fn(logits, y_val).item(),
                           "val/acc": (predicted == y_val).float().mean().item(),
                           "epoch": epoch})
        shown = [wandb.Image((x_val[i].reshape(8, 8) * 255).byte().numpy(),
                             caption=f"predicted {predicted[i].item()}, is {y_val[i].item()}")
                 for i in range(12)]
        wandb.log({"predictions": shown})


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--agent":
        wandb.agent(sys.argv[2], function=train)
        return
    train({"lr": 0.01, "hidden": 32, "epochs": 8})
    sweep_id = wandb.sweep(SWEEP, project=PROJECT)
    # Two agents at once, as on two machines: each asks the sweep for its next trial.
    agents = [subprocess.Popen([sys.executable, __file__, "--agent", sweep_id])
              for _ in range(2)]
    failed = [a.args for a in agents if a.wait() != 0]
    if failed:
        raise SystemExit(f"an agent failed: {failed}")
    print(f"\nthe runs and sweep {sweep_id} are in {wandb.Settings().store_dir}; open them "
          "with `.venv/bin/heron ui`")


if __name__ == "__main__":
    main()
