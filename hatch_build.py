"""Hatch build hook: every wheel and sdist carries the dashboard, built from web/.

The dashboard's bundle (``src/heron/server/static/``: index.html, app.js, app.css) is a build
output, ignored by git; this hook builds it with ``scripts/build-web.sh`` (Node.js's ``npm``)
before hatch collects the files, and adds it to the archive. An sdist carries both the web
sources (without ``node_modules``) and the built bundle, so a wheel is built from it with
npm, or, where npm is missing, from the bundle it already holds.

An editable install (``pip install -e .``) builds nothing: the server reads the bundle from
the source tree. ``HERON_SKIP_WEB_BUILD=1`` packages the bundle already in
``src/heron/server/static`` instead of building it (it must be there).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

STATIC = Path("src") / "heron" / "server" / "static"
BUNDLE = ("index.html", "app.js", "app.css", "plotly.min.js", "plotly.css")


class WebBuildError(RuntimeError):
    """The dashboard could not be built into the package."""


class DashboardBuildHook(BuildHookInterface):
    """Builds web/ into ``src/heron/server/static`` and includes it in the archive."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return  # served from the source tree, which scripts/build-web.sh fills
        root = Path(self.root)
        static = root / STATIC
        if os.environ.get("HERON_SKIP_WEB_BUILD") == "1":
            self._require_bundle(static, "HERON_SKIP_WEB_BUILD=1 is set, but")
        elif (root / "PKG-INFO").is_file() and shutil.which("npm") is None:
            # An sdist without Node.js: the bundle it was made with.
            self._require_bundle(static, "npm is not installed and")
        else:
            self._build(root)
            self._require_bundle(static, "the web build finished, but")
        target = "heron/server/static" if self.target_name == "wheel" else STATIC.as_posix()
        for name in BUNDLE:
            build_data["force_include"][str(static / name)] = f"{target}/{name}"

    def _build(self, root: Path) -> None:
        script = root / "scripts" / "build-web.sh"
        if not (root / "web" / "package.json").is_file() or not script.is_file():
            raise WebBuildError(f"cannot build the dashboard: {root / 'web'} or {script} is "
                                "missing from the source tree")
        if shutil.which("npm") is None:
            raise WebBuildError(
                "building Heron's wheel builds its dashboard, which needs Node.js 18+ and npm "
                "on PATH: install them (https://nodejs.org), or set HERON_SKIP_WEB_BUILD=1 to "
                f"package the bundle already in {STATIC}")
        self.app.display_info("heron: building the dashboard (scripts/build-web.sh)")
        done = subprocess.run(["bash", str(script)], cwd=root, capture_output=True, text=True,
                              check=False)
        if done.returncode != 0:
            raise WebBuildError(f"the dashboard build failed (exit {done.returncode}):\n"
                                f"{done.stdout[-3000:]}{done.stderr[-3000:]}")

    @staticmethod
    def _require_bundle(static: Path, why: str) -> None:
        missing = [name for name in BUNDLE if not (static / name).is_file()]
        if missing:
            raise WebBuildError(f"{why} the dashboard bundle is missing from {static}: "
                                f"{', '.join(missing)} (run scripts/build-web.sh)")
