"""``heron server``, ``heron server keys`` and ``heron ui``."""

from __future__ import annotations

import threading
import webbrowser
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from heron.store import SqlStore


def _default_db() -> str:
    from heron.sdk.settings import default_root

    return f"sqlite:///{default_root() / 'heron.db'}"


@click.group(invoke_without_command=True)
@click.option("--db", default=None, help="Store URL: sqlite:///PATH or postgresql://... "
              "(default: the local store in HERON_DIR).")
@click.option("--media", default=None,
              help="Where media and artifact files live: a folder (default: beside SQLite) or "
                   "s3://bucket/prefix (boto3's usual AWS_* environment gives the endpoint, "
                   "region and credentials).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option("--public-read", is_flag=True, help="Let anyone read without an API key.")
@click.option("--forwarded-allow-ips", default=None, metavar="IPS",
              help="Comma-separated addresses of the reverse proxies whose X-Forwarded-For "
              "and X-Forwarded-Proto are believed ('*': any). Default: none; every client is "
              "the address it connects from.")
@click.pass_context
def server(ctx: click.Context, db: str | None, media: str | None, host: str, port: int,
           workers: int, public_read: bool, forwarded_allow_ips: str | None) -> None:
    """Run the tracking server (REST API, live feed and dashboard)."""
    ctx.obj = {"db": db or _default_db(), "media": media}
    if ctx.invoked_subcommand is None:
        from heron.errors import StoreError
        from heron.server import serve

        try:
            serve(ctx.obj["db"], media=media, host=host, port=port, workers=workers,
                  access="public-read" if public_read else "keys",
                  forwarded_allow_ips=forwarded_allow_ips)
        except StoreError as exc:  # the store cannot be opened: say which and why, no trace
            raise click.ClickException(str(exc)) from exc


@server.group()
def keys() -> None:
    """Create, list and revoke API keys (stored hashed in the database)."""


def _store_options(command: Callable[..., None]) -> Callable[..., None]:
    """``--db``/``--media`` on a keys command too: ``heron server keys create --db URL`` and
    ``heron server --db URL keys create`` mean the same."""
    def set_db(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
        if value:
            ctx.obj[str(param.name)] = value

    command = click.option("--db", default=None, expose_value=False, callback=set_db,
                           help="Store URL (as `heron server --db`).")(command)
    return click.option("--media", default=None, expose_value=False, callback=set_db,
                        help="Media folder or bucket (as `heron server --media`).")(command)


def _store(ctx: click.Context) -> SqlStore:
    """The store named by ``--db/--media`` (click hands ``obj`` down)."""
    from pathlib import Path

    from heron.store import open_store

    media = ctx.obj.get("media")
    # Keys never touch media, so a PostgreSQL store needs no --media here.
    return open_store(ctx.obj["db"], media_root=media or (
        None if ctx.obj["db"].startswith("sqlite") else Path.cwd()))


@keys.command("create")
@_store_options
@click.option("--user", default="admin", show_default=True, help="Who the key belongs to.")
@click.option("--role", type=click.Choice(["admin", "member", "viewer"]), default=None,
              help="The role of a new user (default: member; an existing user keeps theirs).")
@click.option("--admin", is_flag=True, help="Same as --role admin.")
@click.pass_context
def keys_create(ctx: click.Context, user: str, role: str | None, admin: bool) -> None:
    """Create a key and print it (it is not stored, only its hash)."""
    key, info = _store(ctx).create_key(user, admin=admin, role=role)
    click.echo(key)
    click.echo(f"key {info.id} for user {info.user!r} created", err=True)


@keys.command("list")
@_store_options
@click.pass_context
def keys_list(ctx: click.Context) -> None:
    """List keys (id, user, first characters, state)."""
    for info in _store(ctx).list_keys():
        state = "revoked" if info.revoked_at else "active"
        click.echo(f"{info.id}\t{info.user}\t{info.hint}...\t{state}")


@keys.command("revoke")
@_store_options
@click.argument("key_id", type=int)
@click.pass_context
def keys_revoke(ctx: click.Context, key_id: int) -> None:
    """Revoke key KEY_ID (see `keys list`)."""
    if not _store(ctx).revoke_key(key_id):
        raise click.ClickException(f"no active key with id {key_id}")
    click.echo(f"key {key_id} revoked")


LOCAL_WANDB_KEY = "local-" + "0" * 40
"""Any key does on ``heron ui`` (it has no users), but the wandb client wants one of 40+
characters."""


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
def ui(host: str, port: int, no_browser: bool) -> None:
    """Open the dashboard on the local store (reads open, bound to 127.0.0.1 by default)."""
    from heron.server import serve

    url = f"http://{host}:{port}/"
    if not no_browser:
        threading.Timer(1.0, lambda: _open(url)).start()
    click.echo(f"heron: dashboard at {url}", err=True)
    click.echo(f"heron: to log here with the official wandb client, set "
               f"WANDB_BASE_URL=http://{host}:{port} WANDB_API_KEY={LOCAL_WANDB_KEY}", err=True)
    serve(_default_db(), host=host, port=port, access="open", quiet=True)


def _open(url: str) -> None:
    try:
        webbrowser.open(url)
    except Exception:
        pass
