"""The `newsletter` command: parse options, call one function, map errors to exit codes.

Imports of the heavy modules happen inside each command, so `newsletter --help` and
`check` start fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Literal

import click

from newsletter import __version__
from newsletter.errors import ContentErrors, NewsletterError, Problems

_ROOT_HELP = "The newsletter folder (default: the current folder)."


def _root_option(command: Callable[..., None]) -> Callable[..., None]:
    """`--root` after the command name too: `newsletter check --root D`."""
    return click.option("--root", "root", type=click.Path(path_type=Path), help=_ROOT_HELP)(command)


def _root(root: Path | None) -> Path:
    if root is not None:
        return root
    parent = click.get_current_context().find_root().params.get("root")
    return parent if parent is not None else Path(".")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--root", "root", type=click.Path(path_type=Path), help=_ROOT_HELP)
@click.version_option(__version__, prog_name="newsletter")
def cli(root: Path | None) -> None:
    """Publish a newsletter: web archive, HTML email, feeds and calendar."""


@cli.command()
@_root_option
def check(root: Path | None) -> None:
    """Validate everything and print every problem (path:line: message)."""
    from newsletter.site import check as check_folder

    problems = check_folder(_root(root))
    for problem in problems.sorted():
        click.echo(str(problem))
    click.echo(_summary(problems), err=True)
    if problems.errors:
        sys.exit(1)


@cli.command()
@click.argument("issues", nargs=-1, type=int)
@click.option(
    "--out", type=click.Path(path_type=Path), help="Output folder (default: ROOT/public)."
)
@_root_option
def build(issues: tuple[int, ...], out: Path | None, root: Path | None) -> None:
    """Build the web archive (and every other output) into the output folder.

    With ISSUE numbers, only those issues' email editions are rendered again; the
    archive, feeds and calendar always cover every issue.
    """
    from newsletter.site import build as build_site

    result = build_site(_root(root), out, issues)
    for problem in result.problems.sorted():
        click.echo(str(problem), err=True)
    write = result.write
    click.echo(
        f"Built {result.files} files into {result.out} "
        f"({write.written} written, {write.unchanged} unchanged, {write.removed} removed)"
    )


_ISSUE_HELP = "The issue's number (default: the latest issue)."


@cli.command()
@click.option(
    "--date",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The new issue's date, YYYY-MM-DD (default: today).",
)
@_root_option
def new(on: datetime | None, root: Path | None) -> None:
    """Start the next issue: its number, date, foreword and the schedule carried forward."""
    from newsletter.scaffold.new import new_issue

    for line in new_issue(_root(root), on.date() if on else None).describe():
        click.echo(line)


@cli.command()
@click.argument("kind", type=click.Choice(["article", "report"]))
@click.argument("title")
@click.option("--issue", type=click.IntRange(min=1), help=_ISSUE_HELP)
@_root_option
def add(
    kind: Literal["article", "report"], title: str, issue: int | None, root: Path | None
) -> None:
    """Create an article or a report titled TITLE in the issue and print its path."""
    from newsletter.scaffold.add import add_page

    click.echo(_root(root) / add_page(_root(root), kind, title, issue))


@cli.command("import-schedule")
@click.argument("source", metavar="FILE")
@click.option("--issue", type=click.IntRange(min=1), help=_ISSUE_HELP)
@_root_option
def import_schedule(source: str, issue: int | None, root: Path | None) -> None:
    """Merge a schedule table pasted from a document into the issue's schedule.yaml.

    FILE holds the rows (event, dates, venue), separated by tabs or |; - reads
    standard input.
    """
    from newsletter.scaffold.schedule import import_schedule as merge_table

    for line in merge_table(_root(root), source, issue).describe():
        click.echo(line)


@cli.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="The port on 127.0.0.1 (0: any free port).",
)
@_root_option
def serve(port: int, root: Path | None) -> None:
    """Preview the site on http://127.0.0.1:PORT/, rebuilt and reloaded on every change."""
    from newsletter.serve.server import serve as preview

    preview(_root(root), port, report=click.echo)


_DATABASE_HELP = (
    "The subscribers database: sqlite:///FILE or postgresql://USER@HOST:PORT/DB "
    "(default: subscribers.sqlite in the newsletter folder; or NEWSLETTER_DATABASE_URL)."
)


def _database_option(command: Callable[..., None]) -> Callable[..., None]:
    return click.option(
        "--database", metavar="URL", envvar="NEWSLETTER_DATABASE_URL", help=_DATABASE_HELP
    )(command)


def _warn(line: str) -> None:
    click.echo(line, err=True)


_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_SMTP_OPTIONS = (
    click.option("--smtp", metavar="HOST:PORT", help="The SMTP server to hand the mail to."),
    click.option("--user", metavar="USER", help="Log in as USER (NEWSLETTER_SMTP_PASSWORD)."),
    click.option("--starttls", is_flag=True, help="Upgrade to TLS with STARTTLS (port 587)."),
    click.option("--ssl", is_flag=True, help="Connect over TLS (port 465)."),
    click.option("--cafile", type=_FILE, help="Trust the CAs in this PEM file, not the system's."),
)


def _smtp_options(command: Callable[..., None]) -> Callable[..., None]:
    """The SMTP options of `send`, which `subscribers serve` shares."""
    for option in reversed(_SMTP_OPTIONS):
        command = option(command)
    return command


@cli.command()
@click.argument("issue", type=click.IntRange(min=1))
@click.option(
    "--recipients",
    type=_FILE,
    help="A list file (CSV with an email column), less the suppressed addresses "
    "(default: the database's active subscribers).",
)
@_smtp_options
@click.option("--rate", type=click.IntRange(min=1), metavar="N", help="At most N messages/minute.")
@click.option("--dry-run", is_flag=True, help="Send nothing; say how many would be sent.")
@click.option("--test", metavar="ADDRESS", help="Send one copy to ADDRESS; record nothing.")
@click.option("--resend-unknown", is_flag=True, help="Send again where the outcome is unknown.")
@click.option("--part", metavar="K/N", help="Send to part K of N of the list (one per process).")
@_database_option
@_root_option
def send(
    issue: int,
    recipients: Path | None,
    smtp: str | None,
    user: str | None,
    starttls: bool,
    ssl: bool,
    cafile: Path | None,
    rate: int | None,
    dry_run: bool,
    test: str | None,
    resend_unknown: bool,
    part: str | None,
    database: str | None,
    root: Path | None,
) -> None:
    """Send issue ISSUE's email to every active subscriber (or the list of --recipients),
    exactly once each.

    A journal records each recipient (next to the issue's content, or in a PostgreSQL
    database): run the same command again after an interruption and it carries on. See
    docs/sending.md and docs/audience.md.
    """
    import os

    from newsletter.sending.options import make_request
    from newsletter.sending.run import send as send_issue

    request = make_request(
        issue,
        recipients=recipients,
        smtp=smtp,
        user=user,
        starttls=starttls,
        ssl=ssl,
        cafile=cafile,
        rate=rate,
        dry_run=dry_run,
        test=test,
        resend_unknown=resend_unknown,
        part=part,
        environ=os.environ,
        database=database,
    )
    summary = send_issue(_root(root), request, click.echo, sys.stderr)
    for line in summary.lines:
        click.echo(line)
    sys.exit(summary.exit_code)


@cli.group()
def subscribers() -> None:
    """The list of subscribers, in a database that send obeys. See docs/audience.md."""


@subscribers.command("import")
@click.argument("file", type=_FILE)
@_database_option
@_root_option
def import_subscribers(file: Path, database: str | None, root: Path | None) -> None:
    """Add every new address of FILE (CSV with an email column) as active.

    Addresses that left, bounced, complained or were forgotten are not added back.
    """
    from newsletter.audience.commands import import_file

    import_file(_root(root), database, file, click.echo, _warn)


@subscribers.command("add")
@click.argument("address")
@click.option("--name", help="The subscriber's name (the display name in To).")
@_database_option
@_root_option
def add_subscriber(address: str, name: str | None, database: str | None, root: Path | None) -> None:
    """Add ADDRESS as active (refused for an address that left)."""
    from newsletter.audience.commands import add_address

    add_address(_root(root), database, address, name, click.echo, _warn)


@subscribers.command("remove")
@click.argument("address")
@_database_option
@_root_option
def remove_subscriber(address: str, database: str | None, root: Path | None) -> None:
    """Unsubscribe ADDRESS: it is never mailed again."""
    from newsletter.audience.commands import remove_address

    remove_address(_root(root), database, address, click.echo, _warn)


_STATUSES = ["pending", "active", "unsubscribed", "bounced", "complained"]


@subscribers.command("list")
@click.option("--status", type=click.Choice(_STATUSES), help="Only the subscribers in STATUS.")
@_database_option
@_root_option
def list_subscribers(status: str | None, database: str | None, root: Path | None) -> None:
    """Print the subscribers as CSV (email,name,status,...)."""
    from newsletter.audience.commands import list_addresses

    list_addresses(_root(root), database, status, sys.stdout, _warn)


@subscribers.command("show")
@click.argument("address")
@_database_option
@_root_option
def show_subscriber(address: str, database: str | None, root: Path | None) -> None:
    """Print everything held about ADDRESS as JSON (an access request)."""
    from newsletter.audience.commands import show_address

    show_address(_root(root), database, address, click.echo, _warn)


@subscribers.command("forget")
@click.argument("address")
@_database_option
@_root_option
def forget_subscriber(address: str, database: str | None, root: Path | None) -> None:
    """Erase ADDRESS from the database and the send journals; it stays suppressed."""
    from newsletter.audience.commands import forget_address

    forget_address(_root(root), database, address, click.echo, _warn)


@subscribers.command("stats")
@_database_option
@_root_option
def subscriber_stats(database: str | None, root: Path | None) -> None:
    """Count the subscribers by status and by source."""
    from newsletter.audience.commands import show_stats

    show_stats(_root(root), database, click.echo, _warn)


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
@_smtp_options
@_database_option
@_root_option
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
    run_service(_root(root), database, host, port, server, limit, click.echo, _warn)


def _summary(problems: Problems) -> str:
    errors, warnings = len(problems.errors), len(problems.warnings)
    if not errors and not warnings:
        return "No problems found."
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}."


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `newsletter` console script and `python -m newsletter`."""
    try:
        code = cli.main(args=argv, prog_name="newsletter", standalone_mode=False)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except ContentErrors as error:
        for problem in error.problems.sorted():
            click.echo(str(problem), err=True)
        click.echo(_summary(error.problems), err=True)
        sys.exit(error.exit_code)
    except NewsletterError as error:
        click.echo(f"newsletter: {error}", err=True)
        sys.exit(error.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
