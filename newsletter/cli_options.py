"""The options several commands share (`--root`, `--database`, the SMTP options), for
cli.py and cli_audience.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

ROOT_HELP = "The newsletter folder (default: the current folder)."


def root_option(command: Callable[..., None]) -> Callable[..., None]:
    """`--root` after the command name too: `newsletter check --root D`."""
    return click.option("--root", "root", type=click.Path(path_type=Path), help=ROOT_HELP)(command)


def root_of(root: Path | None) -> Path:
    """`--root` of the command, else of the group, else the current folder."""
    if root is not None:
        return root
    parent = click.get_current_context().find_root().params.get("root")
    return parent if parent is not None else Path(".")


DATABASE_HELP = (
    "The subscribers database: sqlite:///FILE or postgresql://USER@HOST:PORT/DB "
    "(default: subscribers.sqlite in the newsletter folder; or NEWSLETTER_DATABASE_URL)."
)


def database_option(command: Callable[..., None]) -> Callable[..., None]:
    """`--database URL` (or NEWSLETTER_DATABASE_URL)."""
    return click.option(
        "--database", metavar="URL", envvar="NEWSLETTER_DATABASE_URL", help=DATABASE_HELP
    )(command)


def warn(line: str) -> None:
    """A line on standard error."""
    click.echo(line, err=True)


FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
SMTP_OPTIONS = (
    click.option("--smtp", metavar="HOST:PORT", help="The SMTP server to hand the mail to."),
    click.option("--user", metavar="USER", help="Log in as USER (NEWSLETTER_SMTP_PASSWORD)."),
    click.option("--starttls", is_flag=True, help="Upgrade to TLS with STARTTLS (port 587)."),
    click.option("--ssl", is_flag=True, help="Connect over TLS (port 465)."),
    click.option("--cafile", type=FILE, help="Trust the CAs in this PEM file, not the system's."),
)


def smtp_options(command: Callable[..., None]) -> Callable[..., None]:
    """The SMTP options of `send`, which `subscribers serve` shares."""
    for option in reversed(SMTP_OPTIONS):
        command = option(command)
    return command
