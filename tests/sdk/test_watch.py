"""watch(): gradient and parameter histograms from real PyTorch training."""

from __future__ import annotations

from typing import Any

import pytest
import torch

import heron


def mlp() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))


def train(model: torch.nn.Module, steps: int, log: bool = True) -> None:
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.05)
    for _ in range(steps):
        loss = model(torch.randn(16, 4)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if log:
            heron.log({"loss": loss.item()})


def watched_rows(run: heron.Run) -> list[tuple[int, dict[str, Any]]]:
    rows = heron.Api().run(f"{run.project}/{run.id}").scan_history()
    return [(row["_step"], {k: v for k, v in row.items() if "/" in k}) for row in rows
            if any("/" in k for k in row)]


def test_histograms_land_on_the_steps_wandb_uses() -> None:
    run = heron.init(project="watch")
    model = mlp()
    heron.watch(model, log="all", log_freq=5)
    train(model, 15)
    heron.finish()
    rows = watched_rows(run)
    assert [step for step, _ in rows] == [4, 9, 14]
    keys = set(rows[0][1])
    assert keys == {f"{kind}/{name}" for kind in ("gradients", "parameters")
                    for name in ("0.weight", "0.bias", "2.weight", "2.bias")}
    hist = rows[0][1]["parameters/0.weight"]
    assert hist["_type"] == "histogram" and len(hist["values"]) == 64
    assert sum(hist["values"]) == 32 and len(hist["bins"]) == 65


def test_parameter_histogram_matches_the_weights() -> None:
    run = heron.init(project="watch")
    model = mlp()
    heron.watch(model, log="parameters", log_freq=1)
    train(model, 1, log=False)
    weights = model[0].weight.detach().clone()
    heron.log({"loss": 0.0})
    heron.finish()
    _, row = watched_rows(run)[0]
    assert set(row) == {"parameters/0.weight", "parameters/0.bias", "parameters/2.weight",
                        "parameters/2.bias"}
    hist = row["parameters/0.weight"]
    # The forward pass saw the weights before the optimiser step changed them; the range is close.
    assert hist["bins"][0] == pytest.approx(float(weights.min()), abs=0.1)
    assert hist["bins"][-1] == pytest.approx(float(weights.max()), abs=0.1)


def test_log_none_frozen_and_unused_parameters() -> None:
    run = heron.init(project="watch")
    class WithUnused(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = mlp()
            self.unused = torch.nn.Linear(2, 2)  # never called: its parameters get no gradient

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.net(x)  # type: ignore[no-any-return]

    model = WithUnused()
    model.net[0].weight.requires_grad_(False)
    heron.watch(model, log="gradients", log_freq=1)
    train(model, 2)
    heron.finish()
    keys = set().union(*(set(row) for _, row in watched_rows(run)))
    assert "gradients/net.0.weight" not in keys and "gradients/net.0.bias" in keys
    assert not any(k.startswith("gradients/unused") for k in keys)
    assert not any(k.startswith("parameters/") for k in keys)

    other = heron.init(project="watch")
    heron.watch(mlp(), log=None)
    heron.finish()
    assert watched_rows(other) == []


def test_frozen_layer_logs_parameters_but_no_gradients() -> None:
    # W&B 0.31 on the same script: parameters/0.weight at every logged step, no gradients/0.*.
    run = heron.init(project="watch")
    model = mlp()
    model[0].requires_grad_(False)
    frozen = model[0].weight.detach().clone()
    heron.watch(model, log="all", log_freq=2)
    train(model, 4)
    heron.finish()
    rows = watched_rows(run)
    assert [step for step, _ in rows] == [1, 3]
    for _, row in rows:
        assert {"parameters/0.weight", "parameters/0.bias"} <= set(row)
        assert "gradients/0.weight" not in row and "gradients/0.bias" not in row
        assert {"gradients/2.weight", "gradients/2.bias"} <= set(row)
        hist = row["parameters/0.weight"]
        # The frozen weights never change: every logged histogram spans exactly their range.
        assert sum(hist["values"]) == frozen.numel()
        assert hist["bins"][0] == pytest.approx(float(frozen.min()))
        assert hist["bins"][-1] == pytest.approx(float(frozen.max()))


def test_several_models_are_kept_apart_and_unwatch_removes_hooks() -> None:
    run = heron.init(project="watch")
    first, second = mlp(), mlp()
    heron.watch([first, second], log="gradients", log_freq=1)
    train(first, 1)
    train(second, 1)
    heron.unwatch(first)
    train(first, 1)
    heron.unwatch()
    train(second, 1)
    heron.finish()
    rows = watched_rows(run)
    assert [sorted({k.split("/")[1].split(".")[0] for k in row}) for _, row in rows] == [
        ["0", "2"], ["graph_10", "graph_12"]]


def test_non_finite_gradients_are_counted_not_binned() -> None:
    run = heron.init(project="watch")
    layer = torch.nn.Linear(3, 1)
    heron.watch(layer, log="gradients", log_freq=1)
    out = layer(torch.tensor([[1.0, float("inf"), 2.0]])).sum()
    out.backward()
    heron.log({"x": 1})
    heron.finish()
    hist = watched_rows(run)[0][1]["gradients/weight"]
    assert hist["nonfinite"] == 1 and sum(hist["values"]) == 2


def test_compiled_model_and_log_graph() -> None:
    run = heron.init(project="watch")
    model = mlp()
    compiled = torch.compile(model, backend="eager")
    heron.watch(compiled, log="all", log_freq=2, log_graph=True)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    for _ in range(2):
        loss = compiled(torch.randn(4, 4)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        heron.log({"loss": loss.item()})
    heron.finish()
    rows = watched_rows(run)
    assert [step for step, _ in rows] == [1]
    assert "gradients/0.weight" in rows[0][1] and "parameters/2.bias" in rows[0][1]
    tree = heron.Api().run(f"watch/{run.id}").summary["graph_0"]
    assert tree["param_count"] == 4 * 8 + 8 + 8 + 1
    assert [n["type"] for n in tree["nodes"]] == ["Sequential", "Linear", "ReLU", "Linear"]


def test_bad_arguments_are_named() -> None:
    heron.init(project="watch")
    with pytest.raises(ValueError, match="'everything'"):
        heron.watch(mlp(), log="everything")
    with pytest.raises(ValueError, match="log_freq=0"):
        heron.watch(mlp(), log_freq=0)
    with pytest.raises(ValueError, match="list"):
        heron.watch([[1, 2]])
