"""One run as a W&B user writes it: ``log_run.py PROJECT STEPS [EXIT_CODE]``.

``HERON_AS_WANDB=1`` runs it under ``import heron as wandb`` (the drop-in bar); otherwise the
official client logs it.
"""

import os
import sys
import time

if os.environ.get("HERON_AS_WANDB") == "1":
    import heron as wandb
else:
    import wandb

project, steps = sys.argv[1], int(sys.argv[2])
exit_code = int(sys.argv[3]) if len(sys.argv) > 3 else 0
run = wandb.init(project=project, config={"lr": 0.01, "layers": [64, 32], "opt": {"name": "adam"}},
                 tags=["a", "b"], notes="some notes", group="g1")
print("hello from the script")
for i in range(steps):
    wandb.log({"loss": 1.0 / (i + 1), "acc": i / steps, "epoch": i // 100})
    if i % 100 == 99:
        time.sleep(1.1)  # a few file_stream posts, not one
run.summary["best"] = 0.99
wandb.config.update({"extra": 5})
print("done", file=sys.stderr)
print("run-id:", run.id)
wandb.finish(exit_code=exit_code)
sys.exit(exit_code)
