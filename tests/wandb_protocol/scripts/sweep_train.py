"""A sweep's program as W&B users write one: ``sweep_train.py --lr=LR --layers=N [--steps=S]``.

The agent passes the run's parameters as arguments; the script logs ``loss`` for ``steps``
steps, sleeping ``--pause`` seconds after each. A run with ``lr`` of 1 or more is a bad one:
its loss grows, and it goes on for ten times the steps (so an early-termination test has the
time to stop it midway). ``HERON_AS_WANDB=1``
runs it under ``import heron as wandb``. Prints ``args: ...`` and ``run: ID CONFIG``.
"""

import argparse
import json
import os
import sys
import time

if os.environ.get("HERON_AS_WANDB") == "1":
    import heron as wandb
else:
    import wandb  # type: ignore[no-redef]  # the official client, in its own venv

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, required=True)
parser.add_argument("--layers", type=int, default=1)
parser.add_argument("--steps", type=int, default=3)
parser.add_argument("--pause", type=float, default=0.0)
args = parser.parse_args()
print("args:", json.dumps(sys.argv[1:]), flush=True)
run = wandb.init()
print("run:", run.id, json.dumps({k: v for k, v in dict(run.config).items() if k != "_wandb"}),
      flush=True)
bad = args.lr >= 1
for step in range(args.steps * 10 if bad else args.steps):
    wandb.log({"loss": (step + 1) * args.lr if bad else args.lr * args.layers / (step + 1)})
    time.sleep(args.pause)
wandb.finish()
