"""A background sampler of system metrics, logged under ``system/...`` on their own axis."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class SystemSampler:
    """Samples CPU, memory, disk, network (and NVIDIA GPUs when present) every ``interval`` s."""

    def __init__(self, interval: float, emit: Callable[[int, dict[str, Any]], None],
                 start_time: float) -> None:
        self.interval = interval
        self._emit = emit
        self._start_time = start_time
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="heron-system", daemon=True)
        self._index = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        try:
            import psutil
        except ImportError:
            return
        process = psutil.Process()
        process.cpu_percent(None)
        psutil.cpu_percent(None)
        disk0 = psutil.disk_io_counters()
        net0 = psutil.net_io_counters()
        gpus = _nvml_handles()
        while not self._stop.wait(self.interval):
            try:
                row = sample(psutil, process, disk0, net0, gpus)
            except Exception:
                continue
            now = time.time()
            row["_timestamp"] = now
            row["_runtime"] = now - self._start_time
            self._emit(self._index, row)
            self._index += 1


def sample(psutil: Any, process: Any, disk0: Any, net0: Any, gpus: list[Any]) -> dict[str, Any]:
    memory = psutil.virtual_memory()
    with process.oneshot():
        rss = process.memory_info().rss
        threads = process.num_threads()
        proc_cpu = process.cpu_percent(None)
    row: dict[str, Any] = {
        "system/cpu": psutil.cpu_percent(None),
        "system/proc.cpu.percent": proc_cpu,
        "system/proc.cpu.threads": threads,
        "system/memory": memory.percent,
        "system/proc.memory.rssMB": rss / 2**20,
        "system/proc.memory.percent": 100.0 * rss / memory.total,
        "system/proc.memory.availableMB": memory.available / 2**20,
    }
    try:
        row["system/disk"] = psutil.disk_usage("/").percent
    except OSError:
        pass
    disk = psutil.disk_io_counters()
    if disk is not None and disk0 is not None:
        row["system/disk.in"] = (disk.read_bytes - disk0.read_bytes) / 2**20
        row["system/disk.out"] = (disk.write_bytes - disk0.write_bytes) / 2**20
    net = psutil.net_io_counters()
    if net is not None and net0 is not None:
        row["system/network.sent"] = net.bytes_sent - net0.bytes_sent
        row["system/network.recv"] = net.bytes_recv - net0.bytes_recv
    for i, handle in enumerate(gpus):
        row.update(_gpu_sample(i, handle))
    return row


def _nvml_handles() -> list[Any]:
    try:
        import pynvml

        pynvml.nvmlInit()
        return [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(pynvml.nvmlDeviceGetCount())]
    except Exception:
        return []


def _gpu_sample(index: int, handle: Any) -> dict[str, Any]:
    import pynvml

    util = pynvml.nvmlDeviceGetUtilizationRates(handle)
    memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
    prefix = f"system/gpu.{index}."
    return {
        prefix + "gpu": util.gpu,
        prefix + "memory": util.memory,
        prefix + "memoryAllocated": 100.0 * memory.used / memory.total,
        prefix + "temp": pynvml.nvmlDeviceGetTemperature(handle, pynvml.NVML_TEMPERATURE_GPU),
    }
