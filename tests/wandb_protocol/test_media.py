"""Media the official client logs (images, histograms, tables) read back from Heron like
media logged with Heron's SDK: the references point at the uploaded files."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import httpx

from tests.wandb_protocol.conftest import SCRIPTS, Heron, client_env, run_script


def test_images_histograms_and_tables_of_the_official_client(
        wandb_python: Path, heron_server: Heron, tmp_path: Path) -> None:
    done = run_script(wandb_python, ["media"], client_env(heron_server, tmp_path),
                      script=SCRIPTS / "log_media.py")
    assert done.returncode == 0, done.stderr
    run_id = re.search(r"run-id: (\S+)", done.stdout).group(1)  # type: ignore[union-attr]
    run = heron_server.api().run(f"media/{run_id}")
    rows = list(run.scan_history())
    assert [row["_step"] for row in rows] == [0, 1, 2, 3]
    auth = {"Authorization": f"Bearer {heron_server.key}"}

    for i, row in enumerate(rows[:3]):
        image = row["img"]
        assert image["_type"] == "image-file" and image["caption"] == f"step {i}"
        assert image["wandb_path"].startswith("media/images/img_")
        assert image["path"] == f"media/{image['sha256'][:2]}/{image['sha256']}.png"
        served = httpx.get(f"{heron_server.url}/api/v1/{image['path']}", headers=auth,
                           timeout=30)
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/png"
        assert hashlib.sha256(served.content).hexdigest() == image["sha256"]
        assert row["h"]["_type"] == "histogram" and sum(row["h"]["values"]) == 10

    table = rows[3]["tab"]
    assert table["path"].endswith(".table.json")
    served = httpx.get(f"{heron_server.url}/api/v1/{table['path']}", headers=auth, timeout=30)
    assert json.loads(served.content) == {"columns": ["a", "b"], "data": [[1, "x"], [2, "y"]]}
    assert run.summary["img"]["path"] == rows[2]["img"]["path"]
    assert any(f.name.startswith("media/images/") for f in run.files())


def test_a_custom_chart_keeps_its_spec_in_the_config(wandb_python: Path, heron_server: Heron,
                                                     tmp_path: Path) -> None:
    done = run_script(wandb_python, ["charts"], client_env(heron_server, tmp_path),
                      script=SCRIPTS / "log_plot.py")
    assert done.returncode == 0, done.stderr
    run_id = re.search(r"run-id: (\S+)", done.stdout).group(1)  # type: ignore[union-attr]
    run = heron_server.api().run(f"charts/{run_id}")
    chart = run.rawconfig["_wandb"]["visualize"]["curve"]
    assert chart["panel_type"] == "Vega2"
    assert chart["panel_config"]["panelDefId"] == "wandb/line/v0"
    assert chart["panel_config"]["fieldSettings"] == {"x": "x", "y": "y", "stroke": None}
    assert chart["panel_config"]["stringSettings"] == {"title": "Squares"}
    (row,) = list(run.scan_history(keys=["curve_table"]))
    assert row["curve_table"]["_type"] == "table-file"

    # The public API's run.update() sends the config back whole: the chart stays.
    edited = run_script(wandb_python, [f"{run.entity}/charts/{run_id}"],
                        client_env(heron_server, tmp_path), script=SCRIPTS / "edit_api.py")
    assert edited.returncode == 0, edited.stderr
    run = heron_server.api().run(f"charts/{run_id}")
    assert run.config["added"] == 7 and "_wandb" not in run.config
    assert run.rawconfig["_wandb"]["visualize"]["curve"] == chart
