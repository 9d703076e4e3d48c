"""`import heron.media` stays light: no numpy, Pillow or torch until a value needs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def test_importing_heron_media_loads_no_heavy_library() -> None:
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import heron.media\n"
        "names = ('numpy', 'PIL', 'torch', 'matplotlib', 'pandas')\n"
        "heavy = [m for m in names if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(SRC)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


def test_public_names_are_exported() -> None:
    import heron.media as media

    for name in ("Media", "MediaWriter", "Image", "Histogram", "Table", "as_media_list"):
        assert name in media.__all__
        assert hasattr(media, name)
