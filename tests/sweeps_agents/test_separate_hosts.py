"""Agents on separate hosts: a ``heron server`` in one network namespace, three ``heron agent``
processes in three others (each with its own hostname and HERON_DIR), joined by veth pairs on a
bridge in a private test subnet. The sweep completes with every grid point run exactly once.

The namespaces are this project's own test hosts, on this machine only: nothing is added to the
machine's own namespace, and the test checks that the server cannot be reached from it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from heron.store import open_store
from heron.sweeps.controller import SweepController
from tests.sweeps_agents.conftest import (
    HERON,
    POLL,
    ROOT,
    assert_grid_ran_once,
    train_sweep,
)

SUBNET = "10.200.7"
SERVER_IP = f"{SUBNET}.1"
PORT = 8080
AGENTS = 3


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=20,
                          check=False)
    if done.returncode != 0:
        raise OSError(f"ip {' '.join(args)}: {done.stderr.strip()}")


def _routes(namespace: str) -> list[str]:
    """The destinations ``namespace`` has routes to (IPv4 and IPv6; no ``default``: no way
    out)."""
    out = []
    for family in ("-4", "-6"):
        done = subprocess.run(["ip", family, "-n", namespace, "route", "show"],
                              capture_output=True, text=True, check=True)
        out += [line.split()[0] for line in done.stdout.splitlines() if line.strip()]
    return out


@dataclass
class Hosts:
    server: str
    agents: list[str]

    def run(self, namespace: str, argv: list[str], hostname: str, **kwargs: object
            ) -> subprocess.Popen[str]:
        """Start ``argv`` on test host ``namespace``, under its own hostname."""
        wrapped = ["ip", "netns", "exec", namespace, "unshare", "--uts", "sh", "-c",
                   'hostname "$0" && exec "$@"', hostname, *argv]
        return subprocess.Popen(wrapped, text=True, **kwargs)  # type: ignore[call-overload]


def _wire(made: Hosts) -> None:
    """A bridge in the server's namespace holding SERVER_IP; a veth pair to each agent's."""
    server = ["-n", made.server]
    _ip(*server, "link", "set", "lo", "up")
    _ip(*server, "link", "add", "br0", "type", "bridge")
    _ip(*server, "addr", "add", f"{SERVER_IP}/24", "dev", "br0")
    _ip(*server, "link", "set", "br0", "up")
    for i, name in enumerate(made.agents):
        # Created inside the namespaces: the veth pair never exists in this machine's own.
        _ip(*server, "link", "add", f"h{i}", "type", "veth", "peer", "name", "eth0",
            "netns", name)
        _ip(*server, "link", "set", f"h{i}", "master", "br0")
        _ip(*server, "link", "set", f"h{i}", "up")
        _ip("-n", name, "link", "set", "lo", "up")
        _ip("-n", name, "addr", "add", f"{SUBNET}.{10 + i}/24", "dev", "eth0")
        _ip("-n", name, "link", "set", "eth0", "up")


@pytest.fixture
def hosts() -> Iterator[Hosts]:
    """Four namespaces: the server's (holding the bridge, SERVER_IP) and three agents'."""
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root (ip netns add)")
    if shutil.which("ip") is None or shutil.which("unshare") is None:
        pytest.skip("the ip (iproute2) and unshare commands are needed for namespaces")
    tag = f"hrn{os.getpid() % 100000}"
    made = Hosts(server=f"{tag}s", agents=[f"{tag}a{i}" for i in range(AGENTS)])
    created: list[str] = []
    try:
        try:
            for name in [made.server, *made.agents]:
                _ip("netns", "add", name)
                created.append(name)
            _wire(made)
        except OSError as exc:
            pytest.skip(f"network namespaces cannot be set up here: {exc}")
        yield made
    finally:
        for name in created:
            subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)


def test_agents_on_three_hosts_complete_a_grid_through_a_server(
        hosts: Hosts, tmp_path: Path, heron_dir: Path) -> None:
    db = f"sqlite:///{tmp_path / 'server' / 'heron.db'}"
    media = tmp_path / "server-media"
    key = subprocess.run([HERON, "server", "--db", db, "--media", str(media), "keys", "create"],
                         capture_output=True, text=True, check=True).stdout.strip()
    procs: list[subprocess.Popen[str]] = []
    log = (tmp_path / "server.log").open("w")
    try:
        procs.append(hosts.run(hosts.server, [HERON, "server", "--db", db, "--media", str(media),
                                              "--host", SERVER_IP, "--port", str(PORT)],
                               "heron-server", stdout=log, stderr=subprocess.STDOUT))
        work = tmp_path / "work"
        work.mkdir()
        config = train_sweep(work)
        url = f"http://{SERVER_IP}:{PORT}"

        def env(i: int) -> dict[str, str]:
            """Each host has its own HERON_DIR, as separate machines would."""
            return {**os.environ, "HERON_HOST": url, "HERON_API_KEY": key,
                    "HERON_DIR": str(tmp_path / f"host{i}"), "PYTHONPATH": str(ROOT),
                    "HERON_AGENT_POLL_SECONDS": POLL}

        ready = hosts.run(hosts.agents[0], [sys.executable, "-c", _WAIT_READY, url], "agent0",
                          env=env(0), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert ready.wait(timeout=60) == 0, ready.communicate()[0]
        # The test hosts have no route out: all their traffic stays on the bridge.
        for name in [hosts.server, *hosts.agents]:
            assert set(_routes(name)) <= {f"{SUBNET}.0/24", "fe80::/64"}, _routes(name)

        (work / "sweep.yaml").write_text(__import__("yaml").safe_dump(config))
        made = hosts.run(hosts.agents[0], [HERON, "sweep", "--project", "sweepproj",
                                           "sweep.yaml"], "agent0", env=env(0), cwd=work,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = made.communicate(timeout=60)
        assert made.returncode == 0, err
        sweep_id = out.strip().splitlines()[-1]

        agents = [hosts.run(name, [HERON, "agent", sweep_id], f"agent{i}", env=env(i),
                            cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                  for i, name in enumerate(hosts.agents)]
        procs += agents
        for agent in agents:
            output = agent.communicate(timeout=150)[0]
            assert agent.returncode == 0, output
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        log.close()

    store = open_store(db)
    runs = assert_grid_ran_once(store, sweep_id, config)
    described = SweepController(store).describe(sweep_id)
    assert described["state"] == "FINISHED"
    # Each run was executed (and recorded its host) on one of the three test hosts.
    assert {run.host for run in runs} <= {f"agent{i}" for i in range(AGENTS)}
    assert {r["agent"].split("-")[0] for r in described["runs"]} <= {
        f"agent{i}" for i in range(AGENTS)}
    assert len({run.host for run in runs}) >= 2, "the work was not shared between hosts"


_WAIT_READY = """
import sys, time, httpx
deadline = time.time() + 30
while True:
    try:
        if httpx.get(sys.argv[1] + "/api/v1/health", timeout=1).status_code == 200:
            break
    except httpx.HTTPError:
        pass
    if time.time() > deadline:
        sys.exit("the server did not answer")
    time.sleep(0.1)
"""
