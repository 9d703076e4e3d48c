"""PyTorch Lightning's ``WandbLogger`` as a user runs it: metrics from ``self.log``,
``watch(log="all")``, images, a table and checkpoints as artifacts (``log_model="all"``):
``lightning_run.py PROJECT OUTPUT_DIR``."""

import sys
import time

import lightning as L
import numpy as np
import torch
import wandb
from lightning.pytorch.loggers import WandbLogger
from torch.utils.data import DataLoader, TensorDataset

EPOCHS, BATCHES = 2, 4
"""Eight optimizer steps: four batches of eight samples, twice."""


class Regressor(L.LightningModule):
    def __init__(self, lr: float = 0.05, hidden: int = 16) -> None:
        super().__init__()
        self.save_hyperparameters()  # the logger sends them as the run's config
        self.net = torch.nn.Sequential(torch.nn.Linear(4, hidden), torch.nn.ReLU(),
                                       torch.nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor],
                      batch_idx: int) -> torch.Tensor:
        x, y = batch
        # through forward(): watch() hooks the module's forward to log its parameters
        loss = torch.nn.functional.mse_loss(self(x), y)
        self.log("train/loss", loss)
        return loss

    def on_train_epoch_end(self) -> None:
        # two 24x16 pictures per epoch, as a user logs predictions next to targets
        images = [np.full((16, 24, 3), 40 * (self.current_epoch + i), dtype=np.uint8)
                  for i in range(2)]
        logger = self.logger
        assert isinstance(logger, WandbLogger)
        logger.log_image(key="samples", images=images,
                         caption=[f"epoch {self.current_epoch} #{i}" for i in range(2)])

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


torch.manual_seed(0)
x = torch.randn(8 * BATCHES, 4)
data = DataLoader(TensorDataset(x, x.sum(dim=1, keepdim=True)), batch_size=8)
model = Regressor()
# log_model="all": each checkpoint becomes a W&B artifact as it is saved
logger = WandbLogger(project=sys.argv[1], name="lightning-regressor", save_dir=sys.argv[2],
                     log_model="all")
logger.watch(model, log="all", log_freq=1)
trainer = L.Trainer(max_epochs=EPOCHS, logger=logger, log_every_n_steps=1,
                    default_root_dir=sys.argv[2], enable_progress_bar=False,
                    enable_model_summary=False, accelerator="cpu")
trainer.fit(model, data)
# a table is saved as a run file and as an artifact (the client makes "run-<id>-tbl")
started = time.monotonic()
logger.log_table(key="tbl", columns=["epoch", "name"], data=[[0, "first"], [1, "second"]])
print(f"log_table took: {time.monotonic() - started:.2f}", flush=True)
print("run-id:", logger.experiment.id, flush=True)
started = time.monotonic()
wandb.finish()
print(f"finish took: {time.monotonic() - started:.2f}", flush=True)
