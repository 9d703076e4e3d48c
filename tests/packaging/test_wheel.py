"""The packages users install carry the dashboard: an sdist built from the source tree holds
the web sources and the built bundle; a wheel built from that sdist, installed into a virtual
environment of its own, serves the dashboard from ``heron ui``."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.postgres import free_port

REPO = Path(__file__).resolve().parents[2]
CACHE = Path.home() / ".cache" / "heron-tests"
PYTHON = sys.executable


def _source_tree(target: Path) -> Path:
    """A copy of the working tree as git sees it (tracked and new files, nothing ignored), with
    a copy of the checkout's web/node_modules, so the web build installs nothing (a copy, not
    a link: were the lock newer, ``npm ci`` would empty the checkout's own)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=REPO,
        capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file() and not name.startswith("tests/"):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)  # keeps mtimes: the lock stays older
    if (REPO / "web" / "node_modules").is_dir():
        shutil.copytree(REPO / "web" / "node_modules", target / "web" / "node_modules",
                        symlinks=True)
    return target


def _build(kind: str, tree: Path, out: Path, env: dict[str, str] | None = None
           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "build", f"--{kind}", "--no-isolation", "--outdir", str(out), str(tree)],
        capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, **(env or {})})


def _no_npm_path(tmp_path: Path) -> str:
    """A PATH on which npm is not found (the build runs this interpreter by its full path)."""
    empty = tmp_path / "bin-without-npm"
    empty.mkdir(exist_ok=True)
    return str(empty)


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """``(sdist, wheel)``: the sdist built from the source tree (which builds the dashboard
    with npm), and the wheel built from the unpacked sdist without npm."""
    base = tmp_path_factory.mktemp("packaging")
    tree = _source_tree(base / "tree")
    sdist_done = _build("sdist", tree, base / "dist")
    assert sdist_done.returncode == 0, sdist_done.stdout[-3000:] + sdist_done.stderr[-3000:]
    (sdist,) = (base / "dist").glob("heron-*.tar.gz")
    with tarfile.open(sdist) as archive:
        archive.extractall(base / "unpacked", filter="data")
    (unpacked,) = (base / "unpacked").iterdir()
    wheel_done = _build("wheel", unpacked, base / "dist",
                        env={"PATH": _no_npm_path(base), "HERON_SKIP_WEB_BUILD": ""})
    assert wheel_done.returncode == 0, wheel_done.stdout[-3000:] + wheel_done.stderr[-3000:]
    (wheel,) = (base / "dist").glob("heron-*.whl")
    yield sdist, wheel


@pytest.mark.slow
@pytest.mark.timeout(900)  # builds the dashboard for the package
def test_the_sdist_holds_the_web_sources_and_the_built_dashboard(
        packages: tuple[Path, Path]) -> None:
    sdist, _ = packages
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for needed in ("web/package.json", "web/package-lock.json", "web/build.mjs",
                   "web/index.html", "web/src/main.tsx", "web/src/router.ts",
                   "scripts/build-web.sh", "hatch_build.py", "pyproject.toml",
                   "src/heron/server/static/app.js", "src/heron/server/static/index.html",
                   "src/heron/server/wandb/__init__.py"):
        assert needed in names, needed
    assert not any(name.startswith("web/node_modules") for name in names)


def test_a_wheel_without_npm_outside_an_sdist_fails_saying_what_to_install(
        tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    for name in ("pyproject.toml", "hatch_build.py", "README.md", "scripts/build-web.sh",
                 "web/package.json", "src/heron/__init__.py"):
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, tree / name)
    done = _build("wheel", tree, tmp_path / "dist",
                  env={"PATH": _no_npm_path(tmp_path), "HERON_SKIP_WEB_BUILD": ""})
    assert done.returncode != 0
    assert "needs Node.js 18+ and npm on PATH" in done.stdout + done.stderr
    assert not list(tmp_path.glob("dist/*.whl"))


def _wheel_venv(wheel: Path) -> Path:
    """A virtual environment holding the wheel and the dependencies it declares, from the
    package index. Kept under CACHE by the hash of those dependencies, so only a change of
    dependencies pays for installing them again; the wheel itself is always reinstalled."""
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        requires = sorted(line for line in archive.read(metadata).decode().splitlines()
                          if line.startswith("Requires-Dist:") and "extra ==" not in line)
    digest = hashlib.sha256("\n".join(requires).encode()).hexdigest()[:16]
    target = CACHE / f"heron-wheel-{digest}"
    python = target / "bin" / "python"
    if not python.exists():
        building = target.with_name(f"{target.name}.building-{os.getpid()}")
        shutil.rmtree(building, ignore_errors=True)
        subprocess.run([PYTHON, "-m", "venv", str(building)], check=True, timeout=300)
        pip = subprocess.run([str(building / "bin" / "python"), "-m", "pip", "install", "-q",
                              str(wheel)], capture_output=True, text=True, timeout=1200,
                             check=False)
        if pip.returncode != 0:
            shutil.rmtree(building, ignore_errors=True)
            pytest.skip(f"pip could not install the wheel's dependencies (is the package index "
                        f"reachable?): {pip.stderr[-800:]}")
        try:
            building.rename(target)
        except OSError:
            shutil.rmtree(building, ignore_errors=True)
    reinstall = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall",
         str(wheel)], capture_output=True, text=True, timeout=300, check=False)
    assert reinstall.returncode == 0, reinstall.stderr
    check = subprocess.run([str(python), "-m", "pip", "check"], capture_output=True, text=True,
                           timeout=120, check=False)
    assert check.returncode == 0, check.stdout  # every declared dependency is there
    return python


@pytest.mark.slow
@pytest.mark.timeout(1800)  # the first run installs the wheel's dependencies from the index
def test_the_installed_wheel_serves_the_dashboard_from_heron_ui(
        packages: tuple[Path, Path], tmp_path: Path) -> None:
    _, wheel = packages
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {"heron/server/static/index.html", "heron/server/static/app.js",
            "heron/server/static/app.css"} <= names
    python = _wheel_venv(wheel)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = subprocess.run([str(python), "-c", "import heron; print(heron.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, env=env, check=True)
    assert str(python.parent.parent) in where.stdout  # the wheel's heron, not the checkout's
    port = free_port()
    server = subprocess.Popen(
        [str(python.parent / "heron"), "ui", "--port", str(port), "--no-browser"],
        cwd=tmp_path, env={**env, "HERON_DIR": str(tmp_path / "store")},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        page = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                page = httpx.get(url + "/", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert page is not None, server.stderr.read() if server.stderr else ""
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert "<title>Heron</title>" in page.text and '"app.js"' in page.text
        script = httpx.get(url + "/app.js", timeout=10)
        assert script.status_code == 200
        assert "javascript" in script.headers["content-type"]
        assert len(script.content) > 50_000  # the bundled app, not a placeholder
        styles = httpx.get(url + "/app.css", timeout=10)
        assert styles.status_code == 200 and "text/css" in styles.headers["content-type"]
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)
