"""``watch()``: gradient and parameter histograms from PyTorch hooks, W&B's way.

Every ``log_freq`` training forward passes (parameters) or backward passes (each parameter's
gradient), the hooks add ``parameters/<name>`` and ``gradients/<name>`` histograms (64 bins,
computed on the tensor's own device) to the run's open row, as ``log(..., commit=False)``: they
land in the row of the step the training loop commits next. As in W&B, frozen parameters
(``requires_grad=False``) get ``parameters/`` histograms but no ``gradients/`` ones.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from heron.errors import ValueRejected

if TYPE_CHECKING:
    import torch

LOG_CHOICES = ("gradients", "parameters", "all", None)
NUM_BINS = 64


def _base_module(model: Any) -> Any:
    """A ``torch.compile``d module's original module (its parameters carry the real names)."""
    return getattr(model, "_orig_mod", model)


def _histogram(tensor: torch.Tensor) -> Any:
    from heron.media.histogram import histogram_of_tensor

    data = tensor.detach()
    if data.is_sparse:
        data = data.coalesce().values()
    return histogram_of_tensor(data.reshape(-1).float(), num_bins=NUM_BINS)


class Watcher:
    """The hooks ``watch()`` put on one model, so that ``unwatch()`` can remove them.

    ``emit`` is a bound method (the run's ``log_partial``) that adds values to the open row;
    the hooks hold it weakly, so a model outliving its run does not keep the run alive.
    """

    def __init__(self, emit: Callable[[dict[str, Any]], None], model: Any, prefix: str,
                 log: str | None, log_freq: int) -> None:
        self.model = model
        self.prefix = prefix
        self.handles: list[Any] = []
        self._emit_ref = weakref.WeakMethod(emit)
        self._log_freq = log_freq
        base = _base_module(model)
        if log in ("parameters", "all"):
            self._forward_calls = 0
            self.handles.append(base.register_forward_hook(self._on_forward))
        if log in ("gradients", "all"):
            for name, parameter in base.named_parameters():
                if parameter.requires_grad:
                    self.handles.append(self._hook_gradient(parameter, name))

    def _emit(self, values: dict[str, Any]) -> None:
        emit = self._emit_ref()
        if emit is not None:
            emit(values)

    def _on_forward(self, module: Any, _inputs: Any, _output: Any) -> None:
        if not module.training:
            return
        self._forward_calls += 1
        if self._forward_calls % self._log_freq:
            return
        # Every parameter, frozen ones included: W&B logs the weights of a frozen layer too
        # (they are part of the model a user inspects); only its gradients do not exist.
        self._emit({f"parameters/{self.prefix}{name}": _histogram(p)
                    for name, p in module.named_parameters()})

    def _hook_gradient(self, parameter: torch.Tensor, name: str) -> Any:
        """Count backward passes reaching ``parameter``; every ``log_freq``-th, log its grad.

        A post-accumulate hook receives the parameter, not the gradient, so autograd need not
        route every gradient through Python (a plain tensor hook cost ~10 % per step in
        benchmarks/watch_overhead.py); torch < 2.1 falls back to the tensor hook.
        """
        calls = 0
        key = f"gradients/{self.prefix}{name}"

        def log_grad(grad: torch.Tensor | None) -> None:
            nonlocal calls
            calls += 1
            if calls % self._log_freq == 0 and grad is not None:
                self._emit({key: _histogram(grad)})

        post = getattr(parameter, "register_post_accumulate_grad_hook", None)
        if post is not None:
            return post(lambda p: log_grad(p.grad))
        return parameter.register_hook(log_grad)

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()
        self.handles.clear()


def module_tree(model: Any) -> dict[str, Any]:
    """Names, types, parameter shapes and counts of every module: what ``log_graph`` records."""
    nodes = []
    for name, module in _base_module(model).named_modules():
        params = [[p_name, list(p.shape)] for p_name, p in module.named_parameters(recurse=False)]
        nodes.append({
            "name": name or "(root)", "type": type(module).__name__, "params": params,
            "param_count": sum(int(p.numel()) for p in module.parameters(recurse=False)),
        })
    total = sum(int(p.numel()) for p in _base_module(model).parameters())
    return {"_type": "module-tree", "nodes": nodes, "param_count": total}


def check_watch_args(log: str | None, log_freq: int) -> None:
    if log not in LOG_CHOICES:
        raise ValueRejected(f"watch log={log!r} is not one of {list(LOG_CHOICES)}")
    if isinstance(log_freq, bool) or not isinstance(log_freq, int) or log_freq < 1:
        raise ValueRejected(f"watch log_freq={log_freq!r} must be a positive integer")


def is_module(model: Any) -> bool:
    try:
        import torch
    except ImportError:
        return False
    return isinstance(model, torch.nn.Module)
