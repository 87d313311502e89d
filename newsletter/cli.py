"""The `newsletter` command: parse options, call one function, map errors to exit codes.

Imports of the heavy modules happen inside each command, so `newsletter --help` and
`check` start fast.
"""

from __future__ import annotations

import atexit
import gc
import sys
from datetime import datetime
from pathlib import Path
from typing import Literal

import click

from newsletter import __version__, interrupts
from newsletter.cli_audience import bounces, subscribers
from newsletter.cli_options import (
    FILE,
    ROOT_HELP,
    database_option,
    root_of,
    root_option,
    smtp_options,
)
from newsletter.errors import ContentErrors, NewsletterError, Problems

INTERRUPTED = 130  # 128 + SIGINT, what shells report for a program stopped by Ctrl-C


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--root", "root", type=click.Path(path_type=Path), help=ROOT_HELP)
@click.version_option(__version__, prog_name="newsletter")
def cli(root: Path | None) -> None:
    """Publish a newsletter: web archive, HTML email, feeds and calendar."""


@cli.command()
@root_option
def check(root: Path | None) -> None:
    """Validate everything and print every problem (path:line: message)."""
    from newsletter.site import check as check_folder

    problems = check_folder(root_of(root))
    _echo_problems(problems)
    click.echo(_summary(problems), err=True)
    if problems.errors:
        sys.exit(1)


@cli.command()
@click.argument("issues", nargs=-1, type=int)
@click.option(
    "--out", type=click.Path(path_type=Path), help="Output folder (default: ROOT/public)."
)
@root_option
def build(issues: tuple[int, ...], out: Path | None, root: Path | None) -> None:
    """Build the web archive (and every other output) into the output folder.

    With ISSUE numbers, only those issues' email editions are rendered again; the
    archive, feeds and calendar always cover every issue.
    """
    from newsletter.site import build as build_site

    result = build_site(root_of(root), out, issues)
    _echo_problems(result.problems, err=True)
    write = result.write
    click.echo(
        f"Built {result.files} files into {result.out} "
        f"({write.written} written, {write.unchanged} unchanged, {write.removed} removed)"
    )


def _echo_problems(problems: Problems, err: bool = False) -> None:
    """Every problem on its line, in order, in one write: a thousand warnings written
    line by line took 11 ms."""
    lines = [str(problem) for problem in problems.sorted()]
    if lines:
        click.echo("\n".join(lines), err=err)


_ISSUE_HELP = "The issue's number (default: the latest issue)."
_INIT_QUESTIONS = {
    "title": "The newsletter's title",
    "publisher": "The publisher (the organisation)",
    "base_url": "The https address where the site will be served",
}


@cli.command()
@click.option("--title", help="The newsletter's name.")
@click.option("--publisher", help="The organisation that publishes it.")
@click.option("--base-url", "base_url", metavar="URL", help="Where public/ will be served (https).")
@root_option
def init(title: str | None, publisher: str | None, base_url: str | None, root: Path | None) -> None:
    """Start a new newsletter in the folder: its settings, a first issue, the calendar's
    settings and a .gitignore. Asks for what is missing when a terminal is attached."""
    from newsletter.scaffold.init import OPTIONS, init_newsletter, refuse_taken, setting_problem

    folder = root_of(root)
    refuse_taken(folder)  # before asking anything
    values = {"title": title, "publisher": publisher, "base_url": base_url}
    for key, value in values.items():
        if value is not None:
            continue
        if sys.stdin is None or not sys.stdin.isatty():
            raise click.UsageError(f"Missing option {OPTIONS[key]} (no terminal to ask on).")

        def valid(answer: str, key: str = key) -> str:
            problem = setting_problem(folder, key, answer.strip())
            if problem is not None:
                raise click.BadParameter(problem)
            return answer.strip()

        values[key] = click.prompt(_INIT_QUESTIONS[key], value_proc=valid)
    made = init_newsletter(
        folder, values["title"] or "", values["publisher"] or "", values["base_url"] or ""
    )
    for line in made.describe():
        click.echo(line)


@cli.command()
@click.option(
    "--date",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The new issue's date, YYYY-MM-DD (default: today).",
)
@root_option
def new(on: datetime | None, root: Path | None) -> None:
    """Start the next issue: its number, date, foreword and the schedule carried forward."""
    from newsletter.scaffold.new import new_issue

    for line in new_issue(root_of(root), on.date() if on else None).describe():
        click.echo(line)


@cli.command()
@click.argument("kind", type=click.Choice(["article", "report"]))
@click.argument("title")
@click.option("--issue", type=click.IntRange(min=1), help=_ISSUE_HELP)
@root_option
def add(
    kind: Literal["article", "report"], title: str, issue: int | None, root: Path | None
) -> None:
    """Create an article or a report titled TITLE in the issue and print its path."""
    from newsletter.scaffold.add import add_page

    click.echo(root_of(root) / add_page(root_of(root), kind, title, issue))


@cli.command("import-schedule")
@click.argument("source", metavar="FILE")
@click.option("--issue", type=click.IntRange(min=1), help=_ISSUE_HELP)
@root_option
def import_schedule(source: str, issue: int | None, root: Path | None) -> None:
    """Merge a schedule table pasted from a document into the issue's schedule.yaml.

    FILE holds the rows (event, dates, venue, and other columns such as Remarks),
    separated by tabs or |, with the table's title lines above them if you like; - reads
    standard input.
    """
    from newsletter.scaffold.schedule import import_schedule as merge_table

    for line in merge_table(root_of(root), source, issue).describe():
        click.echo(line)


@cli.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="The port on 127.0.0.1 (0: any free port).",
)
@root_option
def serve(port: int, root: Path | None) -> None:
    """Preview the site on http://127.0.0.1:PORT/, rebuilt and reloaded on every change."""
    from newsletter.serve.server import serve as preview

    preview(root_of(root), port, report=click.echo)


@cli.command()
@click.argument("issue", type=click.IntRange(min=1))
@click.option(
    "--recipients",
    type=FILE,
    help="A list file (CSV with an email column), less the suppressed addresses "
    "(default: the database's active subscribers).",
)
@smtp_options
@click.option("--rate", type=click.IntRange(min=1), metavar="N", help="At most N messages/minute.")
@click.option("--dry-run", is_flag=True, help="Send nothing; say how many would be sent.")
@click.option("--test", metavar="ADDRESS", help="Send one copy to ADDRESS; record nothing.")
@click.option("--resend-unknown", is_flag=True, help="Send again where the outcome is unknown.")
@click.option("--part", metavar="K/N", help="Send to part K of N of the list (one per process).")
@database_option
@root_option
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
    summary = send_issue(root_of(root), request, click.echo, sys.stderr)
    for line in summary.lines:
        click.echo(line)
    sys.exit(summary.exit_code)


cli.add_command(subscribers)
cli.add_command(bounces)


def _summary(problems: Problems) -> str:
    errors, warnings, notes = len(problems.errors), len(problems.warnings), len(problems.notes)
    counted = f"{notes} note{'s' * (notes != 1)}"
    if not errors and not warnings:
        return f"No problems found; {counted}." if notes else "No problems found."
    summary = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    return f"{summary}, {counted}." if notes else f"{summary}."


def _exit_quickly() -> None:
    """At the process's exit, what it made is out of the garbage collector's reach:
    Python's last collections would otherwise go through a build's whole model and
    output (0.15 s of a 200-issue build) only to free what the exit frees anyway."""
    gc.freeze()


def _interrupted() -> None:
    """Ctrl-C: one line and the shell's code for SIGINT. A build changes the output folder
    only once it has rendered everything, and finishes writing once it has begun."""
    click.echo("newsletter: interrupted; run the command again to finish", err=True)
    sys.exit(INTERRUPTED)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `newsletter` console script and `python -m newsletter`."""
    interrupts.watch()
    atexit.unregister(_exit_quickly)  # registered once, however often this runs
    atexit.register(_exit_quickly)
    try:
        code = cli.main(args=argv, prog_name="newsletter", standalone_mode=False)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.Abort as error:
        if isinstance(error.__cause__, KeyboardInterrupt):
            _interrupted()
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except KeyboardInterrupt:  # outside click's own handling (click has echoed no newline)
        click.echo(err=True)
        _interrupted()
    except ContentErrors as error:
        _echo_problems(error.problems, err=True)
        click.echo(_summary(error.problems), err=True)
        sys.exit(error.exit_code)
    except NewsletterError as error:
        click.echo(f"newsletter: {error}", err=True)
        sys.exit(error.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
