"""``heron sweep`` and ``heron agent``: W&B's sweep commands."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from heron.term import termlog

EXIT_GAVE_UP = 1
"""``heron agent`` exit status when the failure policy stopped it (0: done or count reached)."""


def _load(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise click.ClickException(f"{path} is not valid YAML: {exc}")
    if not isinstance(data, dict):
        raise click.ClickException(f"{path} must hold a mapping (the sweep configuration)")
    return data


@click.command()
@click.argument("config_or_id")
@click.option("--project", "-p", help="Project of the sweep (default: the file's, "
              "HERON_PROJECT, or uncategorized).")
@click.option("--entity", "-e", help="Entity of the sweep.")
@click.option("--name", help="Name of the sweep (overrides the file's).")
@click.option("--pause", "action", flag_value="pause", help="Pause sweep ID: no new runs.")
@click.option("--resume", "action", flag_value="resume", help="Resume a paused sweep ID.")
@click.option("--stop", "action", flag_value="stop",
              help="Stop sweep ID: no new runs; running runs finish.")
@click.option("--cancel", "action", flag_value="cancel",
              help="Cancel sweep ID: no new runs; running runs are killed.")
def sweep(config_or_id: str, project: str | None, entity: str | None, name: str | None,
          action: str | None) -> None:
    """Create a sweep from CONFIG.yaml (prints its id and the agent command), or change the
    state of sweep ID with --pause, --resume, --stop or --cancel."""
    from heron.errors import Error
    from heron.sweeps.agent import controller_for

    try:
        if action is not None:
            state = controller_for().set_state(config_or_id, action)
            click.echo(f"sweep {config_or_id} is now {state}")
            return
        path = Path(config_or_id)
        if not path.is_file():
            raise click.ClickException(f"{config_or_id} is not a file (pass a sweep YAML, or "
                                       "an id with --pause/--resume/--stop/--cancel)")
        config = _load(path)
        if name:
            config["name"] = name
        from heron.sdk.settings import resolve

        settings = resolve(None, project=project or config.get("project"),
                           entity=entity or config.get("entity"))
        chosen = settings.project or "uncategorized"
        sweep_id = controller_for().create(config, chosen, settings.entity or "")
    except Error as exc:
        raise click.ClickException(str(exc))
    click.echo(f"created sweep {sweep_id} in project {chosen}", err=True)
    click.echo(f"run agents with:  heron agent --project {chosen} {sweep_id}", err=True)
    click.echo(sweep_id)


@click.command()
@click.argument("sweep_id")
@click.option("--count", type=click.IntRange(min=1), help="Runs this agent executes at most.")
@click.option("--project", "-p", help="Accepted for W&B compatibility (the sweep knows it).")
@click.option("--entity", "-e", help="Accepted for W&B compatibility.")
def agent(sweep_id: str, count: int | None, project: str | None, entity: str | None) -> None:
    """Run SWEEP_ID's command for each run the controller hands this agent.

    Exit status: 0 when the sweep is done (finished, stopped or cancelled) or COUNT runs ran;
    1 when the agent gave up after repeated failures (3 in its first minute, or 5 without a
    success) or the sweep cannot be reached; 128+N when signal N (SIGINT, SIGTERM) stopped the
    agent, after it stopped its run.
    """
    from heron.errors import Error
    from heron.sweeps.agent import Agent, AgentGaveUp, AgentInterrupted, stop_on_sigterm

    stop_on_sigterm()
    try:
        executed = Agent(sweep_id, count=count).run()
    except AgentGaveUp as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_GAVE_UP)
    except AgentInterrupted as exc:
        click.echo(f"heron: agent stopped by signal {exc.signum}", err=True)
        sys.exit(128 + exc.signum)
    except KeyboardInterrupt:
        click.echo("heron: agent interrupted", err=True)
        sys.exit(130)
    except Error as exc:
        raise click.ClickException(str(exc))
    termlog(f"agent ran {executed} run(s)")
