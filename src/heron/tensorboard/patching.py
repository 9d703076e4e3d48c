"""``patch()``/``unpatch()``: hook the event file writers of PyTorch and tensorboardX.

The one method every event passes through is the writer's ``EventFileWriter.add_event``
(PyTorch's ``SummaryWriter`` uses tensorboard's, tensorboardX its own). Patching it on the
class catches writers made before and after ``patch()`` alike, and hands each event to the
live sync on the training thread at the cost of one deque append; the event is then written
to its file exactly as before.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import threading
from collections.abc import Callable
from typing import Any

from heron.errors import UsageError
from heron.tensorboard.live import TensorBoardSync

WRITER_CLASSES = {
    "pytorch": ("tensorboard.summary.writer.event_file_writer", "EventFileWriter"),
    "tensorboard_x": ("tensorboardX.event_file_writer", "EventFileWriter"),
}
"""Which writer class each ``patch()`` flag hooks: module and class name."""

_lock = threading.Lock()
_originals: dict[str, tuple[type, Callable[..., Any]]] = {}
_sync: TensorBoardSync | None = None


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module.split(".")[0]) is not None
    except (ImportError, ValueError):
        return False


def patch(save: bool = True, tensorboard_x: bool | None = None, pytorch: bool | None = None,
          root_logdir: str | None = None) -> None:
    """Send what TensorBoard writers log into the active run, live, at its global steps.

    The arguments are W&B's, in W&B's order.

    ``pytorch`` (``torch.utils.tensorboard`` and everything built on it, such as
    Stable-Baselines3) and ``tensorboard_x``: None patches the writer when its package is
    installed, True requires it. ``root_logdir``: keys of a writer in a subfolder of it are
    prefixed with that subfolder (``train/loss``); by default the first logdir is the root.
    ``save`` is accepted for W&B compatibility: event files are not copied into the run.

    Example:
        >>> import heron as wandb
        >>> wandb.tensorboard.patch(root_logdir="runs")
        >>> wandb.init(project="demo")
        >>> SummaryWriter("runs").add_scalar("loss", 0.5, global_step=10)
    """
    global _sync
    wanted = {"pytorch": pytorch, "tensorboard_x": tensorboard_x}
    with _lock:
        if _originals:
            raise UsageError("heron.tensorboard.patch() was already called; call "
                             "heron.tensorboard.unpatch() first to patch again")
        chosen = []
        for flag, (module, _cls) in WRITER_CLASSES.items():
            if wanted[flag] is False:
                continue
            if _installed(module):
                chosen.append(flag)
            elif wanted[flag]:
                raise UsageError(f"heron.tensorboard.patch({flag}=True) needs "
                                 f"{module.split('.')[0]}, which is not installed")
        if not chosen:
            raise UsageError("heron.tensorboard.patch() found no TensorBoard writer to patch: "
                             "install tensorboard (for torch.utils.tensorboard) or tensorboardX")
        sync = TensorBoardSync(root_logdir)
        failures = []
        for flag in chosen:
            try:
                _hook(flag, sync)
            except (ImportError, AttributeError) as exc:  # a writer unlike the one we know
                failures.append(f"{flag}: {type(exc).__name__}: {exc}")
        if not _originals or any(wanted[f.split(":")[0]] for f in failures):
            _restore()
            sync.stop()
            raise UsageError(f"heron.tensorboard.patch() could not patch {'; '.join(failures)}")
        if failures:
            from heron.term import termwarn

            termwarn(f"heron.tensorboard.patch(): left out {'; '.join(failures)}")
        _sync = sync


def _hook(flag: str, sync: TensorBoardSync) -> None:
    module_name, class_name = WRITER_CLASSES[flag]
    writer_class = getattr(importlib.import_module(module_name), class_name)
    original = writer_class.add_event

    @functools.wraps(original)
    def add_event(self: Any, event: Any) -> Any:
        try:
            sync.offer(self.get_logdir(), event)
        except Exception:
            pass  # the sync never costs the user their event file, nor their training
        return original(self, event)

    writer_class.add_event = add_event
    _originals[flag] = (writer_class, original)


def unpatch() -> None:
    """Restore the writers and deliver the events still queued to the active run.

    Example:
        >>> heron.tensorboard.unpatch()
    """
    global _sync
    with _lock:
        _restore()
        sync, _sync = _sync, None
    if sync is not None:
        sync.stop()


def _restore() -> None:
    for writer_class, original in _originals.values():
        writer_class.add_event = original  # type: ignore[attr-defined]
    _originals.clear()


def attach_run(run: Any, sync_tensorboard: bool) -> None:
    """A new run takes the TensorBoard events from now on, and everything still queued
    when it ends: when ``patch()`` was called, or ``init(sync_tensorboard=True)`` (which
    patches the installed writers first). Never raises: a run without TensorBoard logs the
    rest."""
    from heron.term import termwarn

    try:
        if _sync is None and sync_tensorboard:
            patch()
        if _sync is not None and not run.disabled:
            _sync.adopt(run)
    except Exception as exc:
        termwarn(f"sync_tensorboard=True: {exc}")
