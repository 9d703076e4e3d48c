"""watch() overhead: a small CNN on random CPU data, time per training step.

Usage: python benchmarks/watch_overhead.py [--steps N]

Baselines in the same run: the same loop with log() but no watch. Target: under 5 % overhead
with watch(log="all", log_freq=100).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

from _common import row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["HERON_DIR"] = tempfile.mkdtemp()
    os.environ["HERON_SILENT"] = "1"
    import torch

    import heron

    torch.set_num_threads(1)

    def make() -> torch.nn.Module:
        torch.manual_seed(0)
        return torch.nn.Sequential(
            torch.nn.Conv2d(3, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Flatten(), torch.nn.Linear(32 * 8 * 8, 128), torch.nn.ReLU(),
            torch.nn.Linear(128, 10))

    data = [(torch.randn(32, 3, 32, 32), torch.randint(0, 10, (32,))) for _ in range(20)]

    def measure(watch: dict[str, object] | None) -> float:
        model = make()
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        heron.init(project="bench-watch", settings=heron.Settings(system_sample_seconds=0,
                                                                   console="off"))
        if watch is not None:
            heron.watch(model, **watch)  # type: ignore[arg-type]
        start = time.perf_counter()
        for step in range(args.steps):
            x, y = data[step % len(data)]
            loss = torch.nn.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            heron.log({"loss": loss.item()})
        elapsed = time.perf_counter() - start
        heron.finish()
        return elapsed / args.steps

    cases = {"no watch (baseline)": None,
             'watch(log="all", log_freq=100)': {"log": "all", "log_freq": 100},
             'watch(log="all", log_freq=1)': {"log": "all", "log_freq": 1}}
    measure(None)  # warm-up: first-call costs (allocator, kernels) are not watch's
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeat):  # interleaved, so machine noise hits every case alike
        for name, cfg in cases.items():
            times[name].append(measure(cfg))
    results = {name: statistics.median(values) for name, values in times.items()}
    base = results["no watch (baseline)"]
    print(f"watch() overhead: small CNN, batch 32, {args.steps} steps, median of {args.repeat}")
    print(f"  {'':<44} {'value':>12} {'unit':<6} {'vs none':>9}  target")
    for name, value in results.items():
        target = "< 1.05x" if "100" in name else ""
        print(row(name, value * 1e3, "ms", base * 1e3, target))


if __name__ == "__main__":
    main()
