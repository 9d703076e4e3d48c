"""A progress bar redrawn in place with ``\\r``, as tqdm draws one: ``progress_bar.py PROJECT``.

The bar's line changes over several file_stream posts, so the client sends it again at its
old offset each time; the line after it is ordinary.
"""

import sys
import time

import wandb

run = wandb.init(project=sys.argv[1])
print("before the bar")
for i in range(1, 11):
    sys.stdout.write(f"\rtraining: {i * 10}% |{'#' * i}{' ' * (10 - i)}|")
    sys.stdout.flush()
    wandb.log({"i": i})
    time.sleep(0.35)
sys.stdout.write("\n")
print("after the bar")
print("run-id:", run.id)
wandb.finish()
