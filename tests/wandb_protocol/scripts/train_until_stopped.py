"""Logs until someone stops the run: ``train_until_stopped.py PROJECT``.

Prints ``run-id: ID`` once the run is logging; ``HERON_AS_WANDB=1`` runs it under
``import heron as wandb``.
"""

import os
import sys
import time

if os.environ.get("HERON_AS_WANDB") == "1":
    import heron as wandb
else:
    import wandb

run = wandb.init(project=sys.argv[1])
try:
    for i in range(100_000):
        wandb.log({"i": i})
        if i == 3:
            print("run-id:", run.id, flush=True)
        time.sleep(0.02)
    print("never stopped", flush=True)
finally:
    print("cleanup ran", flush=True)
