"""Lightning's ``WandbLogger(log_model=True)``: the best checkpoint becomes a ``model``
artifact when training ends. ``artifact_lightning.py PROJECT OUTPUT_DIR`` prints the run id."""

import json
import sys

import lightning as L
import torch
import wandb
from lightning.pytorch.loggers import WandbLogger
from torch.utils.data import DataLoader, TensorDataset


class Regressor(L.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.net = torch.nn.Linear(4, 1)

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor],
                      batch_idx: int) -> torch.Tensor:
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.log("train/loss", loss)
        return loss

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=0.05)


torch.manual_seed(0)
x = torch.randn(16, 4)
data = DataLoader(TensorDataset(x, x.sum(dim=1, keepdim=True)), batch_size=8)
logger = WandbLogger(project=sys.argv[1], save_dir=sys.argv[2], log_model=True)
trainer = L.Trainer(max_epochs=1, logger=logger, log_every_n_steps=1,
                    default_root_dir=sys.argv[2], enable_progress_bar=False,
                    enable_model_summary=False, accelerator="cpu")
trainer.fit(Regressor(), data)
run_id = logger.experiment.id
wandb.finish()
print(json.dumps({"run": run_id}))
