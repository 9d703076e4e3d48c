"""A job told it is about to be preempted: ``preempted.py PROJECT``.

It marks the run preempting (``wandb.mark_preempting()``), gives the client a moment to send
that, and then dies at once, as a preempted job does: no ``finish()``, no exit code.
"""

import os
import signal
import sys
import time

import wandb

run = wandb.init(project=sys.argv[1], config={"lr": 0.01})
wandb.log({"loss": 0.5})
run.mark_preempting()
time.sleep(3)
print("run-id:", run.id, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
