"""The audience's commands: `newsletter subscribers ...` and `newsletter bounces`.
Like cli.py: parse options, call one function (imported inside the command)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from newsletter.cli_options import FILE, database_option, root_of, root_option, smtp_options, warn


@click.group()
def subscribers() -> None:
    """The list of subscribers, in a database that send obeys. See docs/audience.md."""


@subscribers.command("import")
@click.argument("file", type=FILE)
@database_option
@root_option
def import_subscribers(file: Path, database: str | None, root: Path | None) -> None:
    """Add every new address of FILE (CSV with an email column) as active.

    Addresses that left, bounced, complained or were forgotten are not added back.
    """
    from newsletter.audience.commands import import_file

    import_file(root_of(root), database, file, click.echo, warn)


@subscribers.command("add")
@click.argument("address")
@click.option("--name", help="The subscriber's name (the display name in To).")
@database_option
@root_option
def add_subscriber(address: str, name: str | None, database: str | None, root: Path | None) -> None:
    """Add ADDRESS as active (refused for an address that left)."""
    from newsletter.audience.commands import add_address

    add_address(root_of(root), database, address, name, click.echo, warn)


@subscribers.command("remove")
@click.argument("address")
@database_option
@root_option
def remove_subscriber(address: str, database: str | None, root: Path | None) -> None:
    """Unsubscribe ADDRESS: it is never mailed again."""
    from newsletter.audience.commands import remove_address

    remove_address(root_of(root), database, address, click.echo, warn)


# audience.schema.Status, not imported here: that would load SQLAlchemy for every command.
_STATUSES = ["pending", "active", "unsubscribed", "bounced", "complained"]


@subscribers.command("list")
@click.option("--status", type=click.Choice(_STATUSES), help="Only the subscribers in STATUS.")
@database_option
@root_option
def list_subscribers(status: str | None, database: str | None, root: Path | None) -> None:
    """Print the subscribers as CSV (email,name,status,...)."""
    from newsletter.audience.commands import list_addresses

    list_addresses(root_of(root), database, status, sys.stdout, warn)


@subscribers.command("show")
@click.argument("address")
@database_option
@root_option
def show_subscriber(address: str, database: str | None, root: Path | None) -> None:
    """Print everything held about ADDRESS as JSON (an access request)."""
    from newsletter.audience.commands import show_address

    show_address(root_of(root), database, address, click.echo, warn)


@subscribers.command("forget")
@click.argument("address")
@database_option
@root_option
def forget_subscriber(address: str, database: str | None, root: Path | None) -> None:
    """Erase ADDRESS from the database and the send journals; it stays suppressed."""
    from newsletter.audience.commands import forget_address

    forget_address(root_of(root), database, address, click.echo, warn)


@subscribers.command("stats")
@database_option
@root_option
def subscriber_stats(database: str | None, root: Path | None) -> None:
    """Count the subscribers by status and by source."""
    from newsletter.audience.commands import show_stats

    show_stats(root_of(root), database, click.echo, warn)


@subscribers.command("copy")
@click.argument("target", metavar="URL")
@database_option
@root_option
def copy_subscribers(target: str, database: str | None, root: Path | None) -> None:
    """Copy the whole database into the new, empty one at URL (to move to PostgreSQL)."""
    from newsletter.audience.commands import copy_to

    copy_to(root_of(root), database, target, click.echo, warn)


@click.command()
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE...")
@click.option("--dry-run", is_flag=True, help="Decide and print, but write and delete nothing.")
@click.option("--delete", is_flag=True, help="Delete each bounce, complaint and auto-reply read.")
@click.option("--cafile", type=FILE, help="Trust the CAs in this PEM file (imaps:// sources).")
@database_option
@root_option
def bounces(
    sources: tuple[str, ...],
    dry_run: bool,
    delete: bool,
    cafile: Path | None,
    database: str | None,
    root: Path | None,
) -> None:
    """Apply the bounces and complaints in each SOURCE: an mbox file, a Maildir folder or
    imaps://user@host[:port]/FOLDER (password: NEWSLETTER_IMAP_PASSWORD).

    Hard bounces make an address bounced, the third soft bounce from a third issue too,
    spam complaints complained; auto-replies are ignored. A message is never counted
    twice. See docs/audience.md.
    """
    import os

    from newsletter.audience.bounces import read_bounces

    read_bounces(
        root_of(root), database, sources, click.echo, warn, os.environ, dry_run, delete, cafile
    )


@subscribers.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Subscriptions a client may make a minute (then 429).",
)
@smtp_options
@database_option
@root_option
def serve_subscribers(
    host: str, port: int, limit: int, smtp: str | None, user: str | None, starttls: bool,
    ssl: bool, cafile: Path | None, database: str | None, root: Path | None,
) -> None:  # fmt: skip
    """Run the subscription service (subscribe, confirm, unsubscribe) behind
    audience.service_url; confirmations go out over SMTP like send's mail."""
    import os

    from newsletter.audience.service.run import serve as run_service
    from newsletter.sending.options import smtp_server

    server = smtp_server(smtp, user, starttls, ssl, cafile, os.environ)
    run_service(root_of(root), database, host, port, server, limit, click.echo, warn)
