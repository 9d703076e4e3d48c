"""TensorBoard into Heron runs: ``heron.tensorboard.patch()`` and ``init(sync_tensorboard=True)``.

Scalars, histograms and images written by ``torch.utils.tensorboard.SummaryWriter``,
tensorboardX (and libraries built on them, such as Stable-Baselines3) reach the active run
while it trains, at their global steps. See docs/tensorboard-and-imports.md.
"""

from heron.tensorboard.patching import patch, unpatch

__all__ = ["patch", "unpatch"]
