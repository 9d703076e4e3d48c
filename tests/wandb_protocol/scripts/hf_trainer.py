"""Hugging Face's ``Trainer(report_to="wandb")`` as a user runs it, on a tiny BERT made from a
config (nothing downloaded): ``hf_trainer.py OUTPUT_DIR``; the project is ``WANDB_PROJECT``.

The script never calls ``wandb.finish()``: as in most user scripts, the client's exit hook ends
the run."""

import sys

import torch
import wandb
from transformers import (
    BertConfig,
    BertForSequenceClassification,
    Trainer,
    TrainingArguments,
)

STEPS = 10
torch.manual_seed(0)


class Pairs(torch.utils.data.Dataset):
    """Token ids whose label is whether the first token is even: something to learn."""

    def __init__(self, n: int) -> None:
        self.ids = torch.randint(1, 100, (n, 12))
        self.labels = (self.ids[:, 0] % 2 == 0).long()

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"input_ids": self.ids[i], "attention_mask": torch.ones(12, dtype=torch.long),
                "labels": self.labels[i]}


config = BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                    intermediate_size=64, max_position_embeddings=32, num_labels=2)
args = TrainingArguments(
    output_dir=sys.argv[1], report_to="wandb", run_name="tiny-bert", logging_steps=1,
    max_steps=STEPS, per_device_train_batch_size=8, learning_rate=3e-4, save_strategy="no",
    use_cpu=True, disable_tqdm=True, dataloader_num_workers=0, seed=0,
)
trainer = Trainer(model=BertForSequenceClassification(config), args=args,
                  train_dataset=Pairs(64))
trainer.train()
assert wandb.run is not None
print("run-id:", wandb.run.id, flush=True)
