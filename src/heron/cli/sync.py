"""``heron login`` and ``heron sync``."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("host", required=False)
@click.option("--key", help="API key (asked for when the host needs one and none is given).")
def login(host: str | None, key: str | None) -> None:
    """Remember HOST (a heron server URL) and its API key for later runs."""
    import httpx

    from heron.sdk.credentials import login as save_login

    if host is not None:
        try:
            health = httpx.get(host.rstrip("/") + "/api/v1/health", timeout=10)
            health.raise_for_status()
        except httpx.HTTPError as exc:
            raise click.ClickException(f"{host} does not answer as a heron server: {exc}")
    if key is None and host is not None:
        key = click.prompt("API key", hide_input=True, default="", show_default=False) or None
    try:
        save_login(key=key, host=host)
    except ValueError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"logged in{' to ' + host if host else ''}")


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--include-synced", is_flag=True, help="Sync runs that were synced before too.")
@click.option("--clean", is_flag=True, help="Delete the local folders of synced runs.")
@click.option("--host", help="Server to sync to (default: the configured host, else the local "
              "store).")
def sync(paths: tuple[Path, ...], include_synced: bool, clean: bool, host: str | None) -> None:
    """Upload offline runs and spooled batches (default: every run folder in HERON_DIR)."""
    from rich.progress import Progress

    from heron.sdk.sync import find_run_folders, sync_folder, target_sink

    folders = find_run_folders(list(paths), include_synced=include_synced)
    if not folders:
        click.echo("nothing to sync")
        return
    sink = target_sink(host)
    total_batches = 0
    with Progress(transient=False) as progress:
        task = progress.add_task("syncing", total=len(folders))
        for folder in folders:
            progress.update(task, description=f"syncing {folder.name}")
            try:
                total_batches += sync_folder(folder, sink, clean=clean)
            except Exception as exc:
                raise click.ClickException(f"{folder}: {exc}")
            progress.advance(task)
    click.echo(f"synced {len(folders)} run folder(s), {total_batches} batch(es) to {sink.url}")
