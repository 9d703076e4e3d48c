"""Heron's quickstart: three short training runs logged to the local store.

Run it with ``python examples/quickstart.py``; then ``heron runs ls quickstart`` lists them.
The script is a plain W&B script: only the import line differs.
"""

from __future__ import annotations

import math
import random

import heron as wandb


def train(lr: float, epochs: int = 20) -> None:
    wandb.init(project="quickstart", config={"lr": lr, "epochs": epochs, "batch_size": 32})
    wandb.define_metric("val/loss", summary="min")
    loss = 2.0
    for epoch in range(epochs):
        for _ in range(25):
            loss = loss * (1 - lr) + random.gauss(0, 0.01)
            wandb.log({"train/loss": loss, "train/lr": lr})
        wandb.log({"val/loss": loss * 1.1, "val/acc": 1 - math.exp(-epoch * lr * 10),
                   "epoch": epoch})
    print(f"lr={lr}: final train loss {loss:.4f}")
    wandb.finish()


if __name__ == "__main__":
    for lr in (0.01, 0.03, 0.1):
        train(lr)
    print(f"\nruns are stored in {wandb.Settings().store_dir}; list them with "
          "`.venv/bin/heron runs ls quickstart`")
