"""Artifacts: log, re-log, change one file of and download a folder of files, on the embedded
store and through a real ``heron server``.

Usage: python benchmarks/artifacts.py [--size-mb N] [--files N] [--quick] [--no-server] [--s3]
       [--wandb] [--wandb-python PATH]

A folder of ``--files`` files holding ``--size-mb`` MB in all (default 1,024 MB in 1,000
files; MB here is 2**20 bytes; every file has its own content) is logged as an artifact by a
fresh process (``Artifact.add_dir`` + ``run.log_artifact`` + ``wait()``, timed until the
version is in the store), then, each from a new run of that process: logged again unchanged,
logged again with one file changed, and version v0 downloaded into an empty folder
(``use_artifact`` + ``download``). First on the embedded store (SQLite in a temporary
HERON_DIR), then through a ``heron server`` on 127.0.0.1 (files go through its media upload;
its own SQLite store and media folder in the same temporary folder). The client reaches the
server through a TCP relay in this process that counts the bytes each way (what was uploaded
and downloaded); the relay sets TCP_NODELAY as both ends do. With ``--s3``, a third target: a
server whose media live in a bucket of moto's S3 server on 127.0.0.1 (``--media s3://...``),
behind a second counting relay, so the bytes the client sends straight to the bucket
(presigned PUTs) and reads from it (redirected downloads) are counted too. moto is a Python
test double, far slower than S3 or MinIO, and keeps no checksums: the server reads every
uploaded object back once to check it. Its figures measure the protocol (what is sent, and
that memory stays flat), not the speed a real bucket gives. With ``--wandb``, the official
``wandb`` client (0.31, from the tests' cached venv or ``--wandb-python``) then logs the same
folder to each server (``wandb.Artifact.add_dir`` + ``log_artifact`` + ``wait()``, with a
fresh cache so it sends every file): its time, and the bytes it sent to the server and
straight to the bucket; the version is checked like Heron's (every entry's SHA-256, every file
stored).

Baselines in the same run, on the same files: hashing every file with ``hashlib.sha256`` in
1 MiB reads (what ``sha256sum`` does) and ``shutil.copytree`` of the folder; the ratios say how
close Heron is to the disk (all of it is in the page cache: the machine has far more memory
than the data, so "the disk" here is the kernel's copy of it).

Nothing is printed for a target until it is checked: the version's entries equal the files
(paths, sizes, SHA-256 hashed by the baseline); the re-log gives the same version and adds no
file to the store's media folder (files and bytes counted before and after); the changed file
makes the next version, whose entries differ in that file only, and is the only new file in the
media folder; the downloaded files are byte for byte the originals (hashed again).

Peak RSS (``VmHWM`` from /proc, reset per phase through ``/proc/PID/clear_refs``; Linux only)
of the logging process, of its writer process and of the server, for the folder above against
a folder of the same size in files 100 times larger (10 by default), each logged and then
downloaded by a fresh process.
Every temporary folder is removed at the end.

Targets (issue 12): hashing (``add_dir``) >= 400 MB/s; re-logging unchanged < 3 s with 0 bytes
uploaded or stored; a changed file stores only that file; peak RSS flat with file size.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import psutil
from _common import WANDB_ENV, came_up, row, wandb_python

MIB = 1 << 20
CHUNK = MIB
POOL = 4 * MIB
"""Random bytes the files are cut from (each file starts with its own header)."""
PROJECT = "bench-artifacts"
BUCKET = "heron-bench"
MARK = "@@bench "
"""Prefix of the child's protocol lines on stdout (anything else there is ignored)."""
HERON_ENV = ("HERON_HOST", "HERON_API_KEY", "HERON_DIR", "HERON_MODE", "WANDB_MODE")

Listing = dict[str, int]
"""A media folder's files: relative path -> size."""
Hashes = dict[str, tuple[int, str]]
"""A folder's files: relative POSIX path -> (size, SHA-256)."""


# -- the files ---------------------------------------------------------------------------------
def make_files(folder: Path, count: int, each: int, seed: int) -> None:
    """``count`` files of ``each`` bytes under ``folder`` (100 per subfolder), all different."""
    pool = memoryview(os.urandom(POOL))
    for i in range(count):
        path = folder / f"part-{i // 100:03d}" / f"file-{i:05d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        header = f"heron artifact benchmark {seed} {i}\n".encode()[:each]
        offset, left = (i * 104_729) % POOL, each - len(header)
        with path.open("wb") as f:
            f.write(header)
            while left > 0:
                n = min(left, POOL - offset, CHUNK)
                f.write(pool[offset:offset + n])
                left -= n
                offset = (offset + n) % POOL


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def hash_tree(folder: Path) -> Hashes:
    """Every file under ``folder``: the baseline, ``sha256sum`` in Python (1 MiB reads)."""
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, sha256_file(p))
            for p in sorted(folder.rglob("*")) if p.is_file()}


def listing(media: Path | Bucket) -> Listing:
    """The files under a store's media folder (or bucket) and their sizes."""
    if isinstance(media, Bucket):
        return media.listing()
    if not media.is_dir():
        return {}
    return {p.relative_to(media).as_posix(): p.stat().st_size
            for p in media.rglob("*") if p.is_file()}


# -- processes ---------------------------------------------------------------------------------
def peak_rss_mb(pid: int) -> float:
    """``VmHWM`` of a process: its peak resident memory since start or the last reset."""
    with contextlib.suppress(OSError):  # a helper that has just exited
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def reset_peak(pid: int) -> None:
    """Start ``VmHWM`` again from the current RSS (``clear_refs``, Linux 4.0+)."""
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def chars_written(pid: int) -> int:
    """Bytes the process passed to write()/send() so far (``wchar``: files and sockets)."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/io").read_text().splitlines():
            if line.startswith("wchar:"):
                return int(line.split()[1])
    return 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Bucket:
    """A bucket of moto's S3 server on 127.0.0.1, behind a ``CountingProxy``: ``env`` points
    boto3 (a heron server's) at the relay, so presigned URLs do too."""

    def __init__(self, root: Path) -> None:
        port = free_port()
        self.log = (root / "moto.log").open("w")
        self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                      "-p", str(port)], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        endpoint = f"http://127.0.0.1:{port}"
        if not came_up(endpoint + "/moto-api/", self.proc):
            self.stop()
            raise SystemExit("moto's S3 server did not start (pip install 'moto[server]')")
        self.proxy = CountingProxy(port)
        self.env = {"AWS_ENDPOINT_URL": self.proxy.url, "AWS_ACCESS_KEY_ID": "bench",
                    "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1"}
        import boto3

        self.client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                                   aws_access_key_id="bench", aws_secret_access_key="bench")
        self.client.create_bucket(Bucket=BUCKET)
        self.url = f"s3://{BUCKET}/heron"

    def listing(self) -> Listing:
        found: Listing = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(
                Bucket=BUCKET, Prefix="heron/media/"):
            for item in page.get("Contents", []):
                found[item["Key"][len("heron/media/"):]] = int(item["Size"])
        return found

    def stop(self) -> None:
        with contextlib.suppress(AttributeError):
            self.proxy.close()
        self.proc.terminate()
        self.proc.wait(timeout=15)
        self.log.close()


class Server:
    """A ``heron server`` on a SQLite store under ``root``, with a key for user ``bench``;
    media in ``root/media`` or in ``bucket``."""

    def __init__(self, root: Path, env: dict[str, str], bucket: Bucket | None = None) -> None:
        root.mkdir(parents=True)
        self.media: Path | Bucket = bucket if bucket is not None else root / "media"
        env = {**env, **(bucket.env if bucket is not None else {})}
        db = f"sqlite:///{root / 'heron.db'}"
        cli = [sys.executable, "-m", "heron.cli", "server", "--db", db]
        made = subprocess.run([*cli, "keys", "create", "--user", "bench"], env=env,
                              capture_output=True, text=True, check=False)
        self.key = made.stdout.strip()
        if made.returncode != 0 or not self.key.startswith("hk-"):
            raise SystemExit(f"heron server keys create failed:\n{made.stderr}")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = root / "server.log"
        with self.log.open("w") as log:
            media = bucket.url if bucket is not None else str(self.media)
            self.proc = subprocess.Popen([*cli, "--media", media, "--port",
                                          str(self.port)], env=env, stdout=log,
                                         stderr=subprocess.STDOUT)
        if not came_up(self.url + "/api/v1/health", self.proc):
            self.stop()
            raise SystemExit(f"heron server did not start:\n{self.log.read_text()}")

    def pids(self) -> list[int]:
        proc = psutil.Process(self.proc.pid)
        return [proc.pid, *(c.pid for c in proc.children(recursive=True))]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class CountingProxy:
    """A TCP relay on 127.0.0.1 in front of the server that counts the bytes each way."""

    def __init__(self, port: int) -> None:
        self.upstream = ("127.0.0.1", port)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.sent = 0
        """Bytes from the client to the server (uploads, requests)."""
        self.received = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def counts(self) -> tuple[int, int]:
        with self._lock:
            return self.sent, self.received

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            for sock in (client, upstream):  # as the client and server do: no Nagle delays
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            done = threading.Semaphore(0)
            for src, dst, up in ((client, upstream, True), (upstream, client, False)):
                threading.Thread(target=self._pump, args=(src, dst, up, done),
                                 daemon=True).start()
            threading.Thread(target=self._close, args=(client, upstream, done),
                             daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, up: bool,
              done: threading.Semaphore) -> None:
        buffer = bytearray(CHUNK)
        view = memoryview(buffer)
        try:
            while n := src.recv_into(buffer):
                dst.sendall(view[:n])
                with self._lock:
                    if up:
                        self.sent += n
                    else:
                        self.received += n
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)
            done.release()

    @staticmethod
    def _close(a: socket.socket, b: socket.socket, done: threading.Semaphore) -> None:
        done.acquire()
        done.acquire()
        a.close()
        b.close()

    def close(self) -> None:
        self.sock.close()


# -- the logging process -----------------------------------------------------------------------
def emit(message: dict[str, Any]) -> None:
    print(MARK + json.dumps(message), flush=True)


def child_main(spec: dict[str, Any]) -> None:
    """Run in a fresh interpreter: one phase per step, each from a new run, each started when
    the parent writes a line (so it can count the media folder and the proxy in between)."""
    import heron

    me = psutil.Process()
    data = Path(spec["data"])
    for step in spec["steps"]:
        emit({"begin": step["label"]})
        if not sys.stdin.readline():
            return  # the parent stopped (a check failed)
        settings = heron.Settings(system_sample_seconds=0, console="off", silent=True,
                                  host=step.get("host"), api_key=spec.get("api_key"))
        run = heron.init(project=PROJECT, settings=settings)
        helpers = [c.pid for c in me.children(recursive=True)]
        for pid in (me.pid, *helpers):
            reset_peak(pid)
        written = {pid: chars_written(pid) for pid in (me.pid, *helpers)}
        result: dict[str, Any] = {"label": step["label"]}
        t0 = time.perf_counter()
        if step["kind"] == "log":
            art = heron.Artifact(spec["name"], type="dataset")
            art.add_dir(data)
            t1 = time.perf_counter()
            run.log_artifact(art)
            t2 = time.perf_counter()
            art.wait(timeout=1800)
            t3 = time.perf_counter()
            result.update(add_dir=t1 - t0, log_call=t2 - t1, wait=t3 - t2, total=t3 - t0,
                          version=art.version, digest=art.digest,
                          entries=[[e.path, e.size, e.digest] for e in art.files()])
        else:
            used = run.use_artifact(f"{spec['name']}:v0")
            used.download(root=step["root"])
            result.update(total=time.perf_counter() - t0)
        helpers = [c.pid for c in me.children(recursive=True)]
        result["rss_logging"] = peak_rss_mb(me.pid)
        result["rss_writer"] = max((peak_rss_mb(pid) for pid in helpers), default=0.0)
        result["written_logging"] = chars_written(me.pid) - written[me.pid]
        result["written_writer"] = sum(chars_written(pid) - written.get(pid, 0)
                                       for pid in helpers)
        heron.finish()
        result["finish"] = time.perf_counter() - t0 - result["total"]
        result["writer_after"] = sum(psutil.Process(pid).memory_info().rss for pid in helpers
                                     if psutil.pid_exists(pid)) / MIB
        emit(result)


@dataclass
class Child:
    """The logging process, driven step by step over its stdin/stdout."""

    spec: dict[str, Any]
    env: dict[str, str]
    errors: Path
    proc: subprocess.Popen[str] = field(init=False)
    _stderr: IO[str] = field(init=False)

    def __post_init__(self) -> None:
        self._stderr = self.errors.open("w")
        self.proc = subprocess.Popen([sys.executable, __file__, "--child", json.dumps(self.spec)],
                                     env=self.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, text=True)

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith(MARK):
                message: dict[str, Any] = json.loads(line[len(MARK):])
                return message
        self.proc.wait()
        self._stderr.close()
        raise SystemExit(f"the logging process failed (exit {self.proc.returncode}):\n"
                         f"{self.errors.read_text()[-4000:]}")

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()

    def close(self, check: bool = True) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._stderr.close()
        if check and self.proc.returncode != 0:
            raise SystemExit(f"the logging process failed (exit {self.proc.returncode}):\n"
                             f"{self.errors.read_text()[-4000:]}")


# -- one target: the embedded store or a server ------------------------------------------------
@dataclass
class Target:
    label: str
    media: Path | Bucket
    """The store's media folder (or bucket)."""
    client_dir: Path
    host: str | None = None
    api_key: str | None = None
    proxy: CountingProxy | None = None
    server: Server | None = None


@dataclass
class Change:
    """One file of the folder, changed for one step and put back after it."""

    path: Path
    rel: str
    original: bytes = b""
    sha256: str = ""

    def apply(self) -> None:
        self.original = self.path.read_bytes()
        changed = bytearray(self.original)
        changed[100:108] = bytes(b ^ 0xFF for b in changed[100:108])
        self.path.write_bytes(changed)
        self.sha256 = hashlib.sha256(changed).hexdigest()

    def undo(self) -> None:
        if self.original:
            self.path.write_bytes(self.original)


def child_env(client_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in HERON_ENV}
    return {**env, "HERON_DIR": str(client_dir), "HERON_SILENT": "1"}


def run_steps(target: Target, data: Path, name: str, steps: list[dict[str, Any]],
              change: Change | None, errors: Path) -> list[dict[str, Any]]:
    """Each step's result, with the media folder's files before and after it, the bytes the
    client sent through the proxy and the server's peak RSS."""
    spec = {"data": str(data), "name": name, "api_key": target.api_key, "steps": steps}
    child = Child(spec, child_env(target.client_dir), errors)
    results = []
    try:
        for step in steps:
            if child.read().get("begin") != step["label"]:
                raise SystemExit(f"the logging process is out of step at {step['label']}")
            before = listing(target.media)
            sent0, received0 = traffic(target)
            server_pids = target.server.pids() if target.server else []
            for pid in server_pids:
                reset_peak(pid)
            try:
                if step.get("change") and change is not None:
                    change.apply()
                child.go()
                result = child.read()
            finally:
                if step.get("change") and change is not None:
                    change.undo()
            sent1, received1 = traffic(target)
            result.update(before=before, after=listing(target.media),
                          sent=sent1 - sent0, received=received1 - received0,
                          rss_server=max((peak_rss_mb(p) for p in server_pids), default=0.0))
            results.append(result)
    except BaseException:
        child.close(check=False)
        raise
    child.close()
    return results


def traffic(target: Target) -> tuple[int, int]:
    """Bytes the client (and, for a bucket, the server) sent and received so far, through
    the server's relay and the bucket's."""
    sent, received = target.proxy.counts() if target.proxy else (0, 0)
    if isinstance(target.media, Bucket):
        to_bucket, from_bucket = target.media.proxy.counts()
        sent, received = sent + to_bucket, received + from_bucket
    return sent, received


def new_files(result: dict[str, Any]) -> Listing:
    return {p: s for p, s in result["after"].items() if p not in result["before"]}


def media_name(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256}"


def check_entries(label: str, result: dict[str, Any], expected: Hashes) -> None:
    got = {path: (size, digest) for path, size, digest in result["entries"]}
    if got != expected:
        wrong = sorted(set(got.items()) ^ set(expected.items()))[:3]
        raise SystemExit(f"{label}: the version's entries differ from the files, e.g. {wrong}")


def check_new_media(label: str, result: dict[str, Any], expected: Hashes) -> None:
    """The step stored exactly the contents in ``expected`` (and changed no stored file)."""
    added = new_files(result)
    want = {media_name(sha): size for size, sha in expected.values()}
    if added != want:
        raise SystemExit(f"{label}: {len(added)} new files ({sum(added.values()):,} bytes) in "
                         f"the media folder, expected {len(want)} ({sum(want.values()):,})")
    if any(result["after"][p] != s for p, s in result["before"].items()):
        raise SystemExit(f"{label}: a stored media file changed size")


def check_download(label: str, folder: Path, expected: Hashes) -> None:
    got = hash_tree(folder)
    if got != expected:
        raise SystemExit(f"{label}: the download differs from the files logged "
                         f"({len(set(got.items()) ^ set(expected.items()))} differences)")
    shutil.rmtree(folder)


def measure_target(target: Target, data: Path, expected: Hashes, change: Change,
                   work: Path) -> dict[str, dict[str, Any]]:
    """log, re-log, change one file, download v0; every result checked."""
    download_to = work / f"download-{target.label}"
    steps: list[dict[str, Any]] = [
        {"label": "log", "kind": "log", "host": target.host},
        {"label": "relog", "kind": "log", "host": target.host},
        {"label": "change", "kind": "log", "host": target.host, "change": True},
        {"label": "download", "kind": "download", "host": target.host,
         "root": str(download_to)}]
    results = {r["label"]: r for r in run_steps(target, data, "data", steps, change,
                                                work / f"{target.label}.stderr")}
    log, relog, changed = (results[k] for k in ("log", "relog", "change"))
    where = target.label
    check_entries(f"{where} log", log, expected)
    check_new_media(f"{where} log", log, expected)
    if (relog["version"], relog["digest"]) != (log["version"], log["digest"]):
        raise SystemExit(f"{where}: re-logging gave {relog['version']}, not {log['version']}")
    check_entries(f"{where} re-log", relog, expected)
    if relog["after"] != relog["before"]:
        raise SystemExit(f"{where}: re-logging changed the media folder "
                         f"({len(new_files(relog))} new files)")
    with_change = {**expected, change.rel: (expected[change.rel][0], change.sha256)}
    if changed["version"] != f"v{int(log['version'][1:]) + 1}":
        raise SystemExit(f"{where}: the changed folder was stored as {changed['version']}")
    check_entries(f"{where} changed file", changed, with_change)
    check_new_media(f"{where} changed file", changed, {change.rel: with_change[change.rel]})
    check_download(f"{where} download", download_to, expected)
    return results


def measure_big(target: Target, data: Path, expected: Hashes,
                work: Path) -> dict[str, dict[str, Any]]:
    """A fresh process logs ``data`` (few large files) and downloads it again, for the peak
    RSS of each; both checked like the main run's."""
    download_to = work / f"download-{target.label}-big"
    steps: list[dict[str, Any]] = [
        {"label": "log", "kind": "log", "host": target.host},
        {"label": "download", "kind": "download", "host": target.host,
         "root": str(download_to)}]
    results = {r["label"]: r for r in run_steps(target, data, "big", steps, None,
                                                work / f"{target.label}-big.stderr")}
    check_entries(f"{target.label} large files", results["log"], expected)
    check_new_media(f"{target.label} large files", results["log"], expected)
    check_download(f"{target.label} large files", download_to, expected)
    return results


WANDB_LOG = """
import json, sys, time
import wandb
project, folder = sys.argv[1:3]
run = wandb.init(project=project)
t0 = time.perf_counter()
art = wandb.Artifact("wandb-data", type="dataset")
art.add_dir(folder)
t1 = time.perf_counter()
run.log_artifact(art)
art.wait()
t2 = time.perf_counter()
run.finish()
print(json.dumps({"add_dir": t1 - t0, "log": t2 - t1}))
"""
"""The official client's log of the folder: ``python -c WANDB_LOG PROJECT FOLDER``."""


def measure_wandb(target: Target, python: Path, data: Path, expected: Hashes,
                  work: Path) -> dict[str, Any]:
    """The official client logs ``data`` to the target's server; checked like Heron's log."""
    assert target.server is not None and target.proxy is not None
    folder = work / f"wandb-{target.label}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "HERON_"))}
    env.update(WANDB_ENV, WANDB_BASE_URL=target.proxy.url, WANDB_API_KEY=target.server.key,
               WANDB_DIR=str(folder), WANDB_CONFIG_DIR=str(folder / "config"),
               WANDB_CACHE_DIR=str(folder / "cache"), WANDB_DATA_DIR=str(folder / "data"))
    folder.mkdir()
    to_server = target.proxy.counts()[0]
    to_bucket = target.media.proxy.counts()[0] if isinstance(target.media, Bucket) else 0
    done = subprocess.run([str(python), "-c", WANDB_LOG, PROJECT, str(data)], env=env,
                          capture_output=True, text=True, check=False, timeout=3600)
    if done.returncode != 0:
        raise SystemExit(f"the official client failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result.update(sent=target.proxy.counts()[0] - to_server,
                  to_bucket=(target.media.proxy.counts()[0] if isinstance(target.media, Bucket)
                             else 0) - to_bucket)
    import heron

    api = heron.Api({"base_url": target.server.url}, api_key=target.server.key)
    version = api.artifact(f"{PROJECT}/wandb-data:latest")
    result["entries"] = [[e.path, e.size, e.digest] for e in version.files()]
    check_entries(f"{target.label} official client", result, expected)
    shutil.rmtree(folder)
    return result


def print_wandb(res: dict[str, Any], total: int, heron_log: float) -> None:
    print(" the official wandb client logs the same folder to this server: every check passed")
    print(row("log: Artifact + add_dir + log_artifact + wait()", res["add_dir"] + res["log"],
              "s", heron_log, "(ratio: vs Heron's first log)"))
    print(row("  add_dir (hash + copy into its cache)", mb(total) / res["add_dir"], "MB/s"))
    print(row("  sent to the server", mb(res["sent"]), "MB", None,
              "~0 with a bucket" if res["to_bucket"] else f"{mb(total):.0f} MB"))
    if res["to_bucket"]:
        print(row("  sent straight to the bucket", mb(res["to_bucket"]), "MB", None,
                  f"{mb(total):.0f} MB"))
    print(row("  entries, each SHA-256 checked", len(res["entries"]), "files"))


# -- printing ------------------------------------------------------------------------------------
def mb(nbytes: float) -> float:
    return nbytes / MIB


def print_target(title: str, res: dict[str, dict[str, Any]], total: int, base_hash: float,
                 base_copy: float, through_server: bool) -> None:
    log, relog, changed, down = (res[k] for k in ("log", "relog", "change", "download"))
    size, one = mb(total), mb(total) / len(log["entries"])
    print(f" {title}: every check passed")
    print(row("log: Artifact + add_dir + log_artifact + wait()", log["total"], "s", base_copy,
              "(ratio: vs copytree)"))
    print(row("  add_dir (hash + copy into staging)", size / log["add_dir"], "MB/s",
              size / base_hash, ">= 400 MB/s (ratio: vs hashlib)"))
    print(row("  log_artifact() call", log["log_call"] * 1e3, "ms"))
    print(row("  wait(): stored (first run starts the writer)", log["wait"], "s"))
    if through_server:
        print(row("  uploaded to the server", mb(log["sent"]), "MB", None, f"{size:.0f} MB"))
    print(row("  stored in the media folder (checked)", mb(sum(new_files(log).values())), "MB"))
    print(row("re-log unchanged: the same version (checked)", relog["total"], "s",
              log["total"], "< 3 s (ratio: vs first log)"))
    print(row("  add_dir of it", relog["add_dir"], "s"))
    print(row("  written by the logging process (wchar)", mb(relog["written_logging"]), "MB",
              None, "a staging copy, then dropped"))
    if through_server:
        print(row("  uploaded to the server", mb(relog["sent"]), "MB", None, "0 MB"))
    print(row("  files added to the media folder (checked)", len(new_files(relog)), "files",
              None, "0"))
    print(row("one changed file: a new version", changed["total"], "s", log["total"],
              "(ratio: vs first log)"))
    if through_server:
        print(row("  uploaded to the server", mb(changed["sent"]), "MB", None,
                  f"{one:.2f} MB (one file)"))
    print(row("  files added to the media folder (checked)", len(new_files(changed)), "files",
              None, "1: the changed one"))
    print(row("download v0 into an empty folder (checked)", size / down["total"], "MB/s",
              size / base_copy, f"{down['total']:.2f} s (ratio: vs copytree)"))
    if through_server:
        print(row("  received from the server", mb(down["received"]), "MB", None,
                  f"{size:.0f} MB"))
    server = " / server" if through_server else ""
    for name, step, writer in (("log", log, True), ("re-log", relog, True),
                               ("changed file", changed, True), ("download", down, False)):
        figures = [step["rss_logging"]] + ([step["rss_writer"]] if writer else []) + (
            [step["rss_server"]] if through_server else [])
        who = "logging" + (" / writer" if writer else "") + server
        after = f"; writer RSS after the run {step['writer_after']:.0f} MB" if writer else ""
        print(f"  peak RSS during {name} ({who}): "
              + " / ".join(f"{v:.0f}" for v in figures) + f" MB{after}")


def print_rss(title: str, small: dict[str, dict[str, Any]], big: dict[str, dict[str, Any]],
              small_desc: str, big_desc: str, through_server: bool) -> None:
    print(f" peak RSS, {title}: {big_desc} (value) against {small_desc} (baseline), "
          "each logged then downloaded by a fresh process")
    procs = [("logging process", "rss_logging"), ("writer process", "rss_writer")]
    if through_server:
        procs.append(("server", "rss_server"))
    for step in ("log", "download"):
        for label, key in procs:
            if step == "download" and key == "rss_writer":
                continue  # the writer has nothing to do in a download
            grow = big[step][key] - small[step][key]
            verdict = "flat" if grow < 32 else "GROWS with file size"
            print(row(f"  {step}: {label}", big[step][key], "MB", small[step][key],
                      f"{verdict} ({grow:+.0f} MB)"))


# -- main ----------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=None, help="MB in all (default 1024)")
    parser.add_argument("--files", type=int, default=None, help="how many files (default 1000)")
    parser.add_argument("--quick", action="store_true", help="64 MB in 64 files")
    parser.add_argument("--no-server", action="store_true", help="the embedded store only")
    parser.add_argument("--s3", action="store_true",
                        help="also a server whose media live in moto's S3 server")
    parser.add_argument("--wandb", action="store_true",
                        help="also the official wandb client logging the folder to each server")
    parser.add_argument("--wandb-python", help="python of a venv with wandb installed "
                        "(default: the tests' cached venv)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(json.loads(args.child))
        return
    size_mb = args.size_mb or (64 if args.quick else 1024)
    count = args.files or (64 if args.quick else 1000)
    each = size_mb * MIB // count
    if count < 2 or each < 200:
        raise SystemExit("--files must be at least 2, and each file at least 200 bytes")
    big_count = max(2, count // 100)
    official = wandb_python(args.wandb_python) if args.wandb else None
    work = Path(tempfile.mkdtemp(prefix="heron-bench-artifacts-"))
    started = time.perf_counter()
    servers: list[Server] = []
    proxies: list[CountingProxy] = []
    bucket: Bucket | None = None
    try:
        data = work / "data"
        make_files(data, count, each, seed=1)
        total = count * each
        t0 = time.perf_counter()
        expected = hash_tree(data)
        base_hash = time.perf_counter() - t0
        t0 = time.perf_counter()
        shutil.copytree(data, work / "copy")
        base_copy = time.perf_counter() - t0
        shutil.rmtree(work / "copy")
        change_rel = sorted(expected)[count // 2]
        change = Change(data / change_rel, change_rel)
        small_desc = f"{count:,} x {mb(each):.1f} MB"

        print(f"artifacts: {count:,} files, {mb(total):,.0f} MB in all ({mb(each):.2f} MB "
              f"each; MB = 2**20 bytes), all in the page cache; load average "
              f"{os.getloadavg()[0]:.1f}")
        print(f"  {'':<44} {'value':>12} {'unit':<6} {'ratio':>9}  target")
        print(row("hashlib.sha256, 1 MiB reads (baseline)", mb(total) / base_hash, "MB/s",
                  None, f"{base_hash:.2f} s"))
        print(row("shutil.copytree (baseline)", mb(total) / base_copy, "MB/s", None,
                  f"{base_copy:.2f} s"))

        local = Target("embedded", media=work / "local" / "media", client_dir=work / "local")
        results = measure_target(local, data, expected, change, work)
        print_target("embedded store (SQLite in a temporary HERON_DIR)", results, total,
                     base_hash, base_copy, through_server=False)
        shutil.rmtree(local.client_dir)
        big = work / "big"
        make_files(big, big_count, size_mb * MIB // big_count, seed=2)
        big_local = Target("embedded", media=work / "local-big" / "media",
                           client_dir=work / "local-big")
        big_results = measure_big(big_local, big, hash_tree(big), work)
        shutil.rmtree(big_local.client_dir)
        shutil.rmtree(big)
        print_rss("embedded store", results, big_results, small_desc,
                  f"{big_count} x {size_mb / big_count:.1f} MB", through_server=False)

        remotes: list[tuple[str, Bucket | None]] = []
        if not args.no_server:
            remotes.append(("its own SQLite store and media folder", None))
        if args.s3:
            bucket = Bucket(work)
            remotes.append(("its media in moto's S3 server (bytes straight to the bucket)",
                            bucket))
        for n, (what, media) in enumerate(remotes):
            server = Server(work / f"server{n}", child_env(work / "server-env"), media)
            proxy = CountingProxy(server.port)
            servers.append(server)
            proxies.append(proxy)
            stored = (server.media if isinstance(server.media, Bucket)
                      else server.media / "media")
            remote = Target(f"server{n}", media=stored, client_dir=work / f"client{n}",
                            host=proxy.url,
                            api_key=server.key, proxy=proxy, server=server)
            results = measure_target(remote, data, expected, change, work)
            print_target(f"through heron server on 127.0.0.1 (via the counting relay), {what}",
                         results, total, base_hash, base_copy, through_server=True)
            if official is not None:
                print_wandb(measure_wandb(remote, official, data, expected, work), total,
                            results["log"]["total"])
            shutil.rmtree(remote.client_dir)
            make_files(big, big_count, size_mb * MIB // big_count, seed=3 + n)
            big_remote = Target(f"server{n}", media=remote.media,
                                client_dir=work / f"client{n}-big", host=proxy.url,
                                api_key=server.key, proxy=proxy, server=server)
            big_results = measure_big(big_remote, big, hash_tree(big), work)
            shutil.rmtree(big)
            print_rss(f"through the server, {what}", results, big_results, small_desc,
                      f"{big_count} x {size_mb / big_count:.1f} MB", through_server=True)
        shutil.rmtree(data, ignore_errors=True)
        print(f" wall time of the benchmark: {time.perf_counter() - started:.0f} s; load "
              f"average {os.getloadavg()[0]:.1f}")
    finally:
        for proxy in proxies:
            proxy.close()
        for server in servers:
            server.stop()
        if bucket is not None:
            bucket.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
