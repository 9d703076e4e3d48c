"""Media, tables, histograms and saved files survive a dead server and a broken media folder:
each arrives exactly once, never as ``null``."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image as PILImage

import heron
from tests.sdk.helpers import run_script, start_script

from .conftest import Server

MEDIA_LOGGER = """
import heron, numpy as np, sys, time
n, pause = {n}, {pause}
run = heron.init(project="outage", id="{run_id}", settings=heron.Settings(flush_interval=0.05))
print("started", flush=True)
for i in range(n):
    row = {{"i": i, "picture": heron.Image(np.full((4, 4, 3), i, dtype=np.uint8)),
           "spread": heron.Histogram(np.arange(i + 1))}}
    if i % 5 == 0:
        cell = heron.Image(np.full((2, 2, 3), 255 - i, dtype=np.uint8))
        row["scores"] = heron.Table(columns=["step", "picture"], data=[[i, cell]])
        with open(f"notes_{{i}}.txt", "w") as handle:
            handle.write(f"note {{i}}")
        run.save(f"notes_{{i}}.txt")
    heron.log(row)
    time.sleep(pause)
heron.finish()
print("done", flush=True)
"""


def _use(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)


def _assert_everything_arrived(server: Server, run_id: str, n: int) -> None:
    run = heron.Api().run(f"outage/{run_id}")
    rows = list(run.scan_history(keys=["i", "picture", "spread"]))
    assert [r["i"] for r in rows] == list(range(n))  # every step, exactly once
    with server.client() as client:
        for row in rows:
            picture = row["picture"]
            assert picture is not None and picture["_type"] == "image-file", row
            image = client.get("/" + picture["path"])
            assert image.status_code == 200, picture
            pixels = PILImage.open(io.BytesIO(image.content)).convert("RGB")
            assert pixels.getpixel((0, 0)) == (row["i"],) * 3
            assert row["spread"]["_type"] == "histogram"
            assert sum(row["spread"]["values"]) == row["i"] + 1
        tables = list(run.scan_history(keys=["i", "scores"]))
        assert [t["i"] for t in tables] == list(range(0, n, 5))
        for table in tables:
            body = client.get("/" + table["scores"]["path"])
            assert body.status_code == 200
            [[step, cell]] = json.loads(body.content)["data"]
            assert step == table["i"]
            # An image inside a table cell is named only inside the table's own file.
            image = client.get("/" + cell["path"])
            assert image.status_code == 200, cell
            pixels = PILImage.open(io.BytesIO(image.content)).convert("RGB")
            assert pixels.getpixel((0, 0)) == (255 - step,) * 3
        saved = {f.name: f for f in run.files() if f.name.startswith("notes_")}
        assert sorted(saved) == sorted(f"notes_{i}.txt" for i in range(0, n, 5))
        for name, file in saved.items():
            body = client.get("/" + file.path)
            assert body.text == "note " + name[len("notes_"):-len(".txt")]


def test_media_logged_while_the_server_is_down_arrive_exactly_once(
        server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    n = 30
    proc = start_script(MEDIA_LOGGER.format(n=n, pause=0.2, run_id="killed01"), tmp_path,
                        env={**server.env(), "HERON_SILENT": "0"})
    assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
    time.sleep(1.0)
    key = server.key
    server.kill()  # about 15 steps are logged while it is down
    time.sleep(3.0)
    server.key = key
    server.start()
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0 and "done" in out, err
    assert "heron sync" not in err  # delivered on reconnect, nothing left behind
    assert not list(tmp_path.rglob("spool-*"))
    _use(server, monkeypatch)
    _assert_everything_arrived(server, "killed01", n)


def test_a_broken_media_folder_keeps_media_in_the_run_folder_until_sync(
        server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A regular file where the server keeps its media: every upload fails there, for root too.
    server.media.mkdir(parents=True, exist_ok=True)
    blocker = server.media / "media"
    blocker.write_text("not a folder")
    n = 10
    done = run_script(MEDIA_LOGGER.format(n=n, pause=0.0, run_id="readonly"), tmp_path,
                      env={**server.env(), "HERON_SILENT": "0", "HERON_FINISH_TIMEOUT": "2"},
                      timeout=120)
    assert done.returncode == 0 and "done" in done.stdout, done.stderr
    assert "retrying" in done.stderr and "heron sync" in done.stderr
    assert "nothing is lost" not in done.stderr
    blocker.unlink()  # the operator fixes the folder
    synced = run_script("from heron.cli import main\nimport sys\nsys.argv=['heron','sync']\n"
                        "main()\n", tmp_path, env=server.env(), timeout=120)
    assert synced.returncode == 0, synced.stderr
    _use(server, monkeypatch)
    _assert_everything_arrived(server, "readonly", n)
    again = run_script("from heron.cli import main\nimport sys\n"
                       "sys.argv=['heron','sync','--include-synced']\nmain()\n", tmp_path,
                       env=server.env(), timeout=120)
    assert again.returncode == 0, again.stderr
    _assert_everything_arrived(server, "readonly", n)  # syncing twice stores nothing twice



def test_media_refused_by_a_broken_media_folder_arrive_once_it_is_fixed(
        server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A regular file where the server keeps its media (for root too, as above).
    server.media.mkdir(parents=True, exist_ok=True)
    blocker = server.media / "media"
    blocker.write_text("not a folder")
    with server.client() as client:  # a 503 naming the folder and why, not a bare 500
        refused = client.post("/media", params={"suffix": ".png"}, content=b"picture",
                              headers={"Content-Type": "application/octet-stream"})
    assert refused.status_code == 503, refused.text
    assert str(blocker) in refused.json()["detail"]
    assert "Not a directory" in refused.json()["detail"]
    n = 20
    proc = start_script(MEDIA_LOGGER.format(n=n, pause=0.15, run_id="mended01"), tmp_path,
                        env={**server.env(), "HERON_SILENT": "0"})
    assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
    time.sleep(2.0)  # media refused meanwhile: the SDK keeps them and retries

    blocker.unlink()  # the operator fixes the folder; the server needs no restart
    out, err = proc.communicate(timeout=180)

    assert proc.returncode == 0 and "done" in out, err
    assert "retrying" in err and "503" in err and str(blocker) in err
    assert "heron sync" not in err  # delivered while the run went on, nothing left behind
    assert not list(tmp_path.rglob("spool-*"))
    _use(server, monkeypatch)
    _assert_everything_arrived(server, "mended01", n)

BURST = """
import heron, time
rows = [{{f"metric_{{j}}": (i * 31 + j) * 1e-3 for j in range(10)}} for i in range(1000)]
run = heron.init(project="burst", id="{run_id}", settings=heron.Settings(console="off"))
for i in range({n}):
    heron.log(rows[i % 1000])
heron.finish()
stored = heron.Api().run("burst/{run_id}")
print(json.dumps({{"last": stored.lastHistoryStep, "rows": len(stored.history(
    keys=["metric_3"], samples=10**9))}}))
"""


def _burst(tmp_path: Path, env: dict[str, str], run_id: str, n: int) -> tuple[Any, str]:
    done = run_script("import json\n" + BURST.format(run_id=run_id, n=n), tmp_path,
                      env={**env, "HERON_SILENT": "0"}, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def test_a_burst_logged_to_the_server_is_all_readable_when_finish_returns(
        server: Server, tmp_path: Path) -> None:
    n = 100_000
    result, err = _burst(tmp_path, server.env(), "burst001", n)
    assert result == {"last": n - 1, "rows": n}
    assert "spool" not in err and "could not" not in err and "retrying" not in err
    assert not list(tmp_path.rglob("spool-*"))
