"""A grid sweep as a W&B user runs one in a script: ``sweep_inprocess.py PROJECT [COUNT]``.

``wandb.sweep(config)`` creates the sweep, ``wandb.agent(sweep_id, function=train)`` runs it in
this process; each run logs ``loss`` computed from its parameters. ``HERON_AS_WANDB=1`` runs
the same script under ``import heron as wandb``. Prints ``sweep-id: ID`` and one
``run: ID PARAMS`` line per run.
"""

import json
import os
import sys

if os.environ.get("HERON_AS_WANDB") == "1":
    import heron as wandb
else:
    import wandb  # type: ignore[no-redef]  # the official client, in its own venv

project = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else None
config = {
    "method": "grid",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {"lr": {"values": [0.1, 0.01]}, "layers": {"values": [1, 2]}},
}


def train() -> None:
    run = wandb.init(config={"layers": 99, "extra": "kept"})
    lr, layers = wandb.config.lr, wandb.config.layers
    for step in range(3):
        wandb.log({"loss": lr * layers / (step + 1)})
    print("run:", run.id, json.dumps({"lr": lr, "layers": layers}), flush=True)


sweep_id = wandb.sweep(config, project=project)
print("sweep-id:", sweep_id, flush=True)
wandb.agent(sweep_id, function=train, count=count)
