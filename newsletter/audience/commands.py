"""The `newsletter subscribers` commands: each opens the database, does one thing and says
what it did (`say`: standard output; `warn`: standard error)."""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from newsletter.audience.addresses import address_problem
from newsletter.audience.database import Database, locate
from newsletter.audience.importing import read_list
from newsletter.audience.migrations import open_database, upgrade_note
from newsletter.audience.privacy import forget, held_about
from newsletter.audience.schema import Status
from newsletter.audience.subscribers import add, import_rows, remove, stats, subscribers
from newsletter.errors import RefusedError, UsageError
from newsletter.layout import check_root

Say = Callable[[str], None]
LIST_COLUMNS = ("email", "name", "status", "source", "created", "changed")


@contextlib.contextmanager
def opened(root: Path, url: str | None, warn: Say, create: bool = True) -> Iterator[Database]:
    """The database of the newsletter at `root` (or at `url`), closed after the block."""
    location = locate(check_root(root), url)
    if not create and not location.exists:
        raise UsageError(
            f"there is no subscribers database at {location.label} yet: "
            "`newsletter subscribers import FILE` makes it"
        )
    database = open_database(location, create)
    try:
        note = upgrade_note(database)
        if note is not None:
            warn(note)
        if database.shared:
            warn(f"warning: {database.label} can be read by others than you: chmod 600 it")
        yield database
    finally:
        database.close()


def import_file(root: Path, url: str | None, file: Path, say: Say, warn: Say) -> None:
    """`subscribers import FILE`: every new address of the list, active."""
    listing = read_list(file)
    for line in listing.problems():
        say(line)
    with opened(root, url, warn) as database:
        done = import_rows(database, listing.rows, f"import {file.name}")
        say(
            f"Imported {file} into {database.label}: {done.added:,} added, "
            f"{done.already:,} already there, {done.suppressed:,} suppressed, "
            f"{len(listing.skipped):,} skipped."
        )


def add_address(
    root: Path, url: str | None, address: str, name: str | None, say: Say, warn: Say
) -> None:
    """`subscribers add ADDRESS`: one address, active (`RefusedError` when suppressed)."""
    address = _checked(address)
    with opened(root, url, warn) as database:
        say(add(database, address, name or "", "add"))


def remove_address(root: Path, url: str | None, address: str, say: Say, warn: Say) -> None:
    """`subscribers remove ADDRESS`: unsubscribed."""
    address = _checked(address)
    with opened(root, url, warn) as database:
        say(remove(database, address, "remove"))


def list_addresses(root: Path, url: str | None, status: str | None, out: TextIO, warn: Say) -> None:
    """`subscribers list`: CSV on `out`, one row per subscriber (with `status`)."""
    wanted = Status(status) if status is not None else None
    with opened(root, url, warn, create=False) as database:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(LIST_COLUMNS)
        for found in subscribers(database, wanted):
            writer.writerow(
                (
                    found.email,
                    found.name,
                    found.status.value,
                    found.source,
                    found.created,
                    found.changed,
                )
            )


def show_address(root: Path, url: str | None, address: str, say: Say, warn: Say) -> None:
    """`subscribers show ADDRESS`: everything held about the person, as JSON."""
    address = _checked(address)
    with opened(root, url, warn, create=False) as database:
        held = held_about(check_root(root), database, address)
    if held is None:
        raise RefusedError(f"nothing is held about {address} in {database.label} or the journals")
    say(json.dumps(held, indent=2, ensure_ascii=False))


def forget_address(root: Path, url: str | None, address: str, say: Say, warn: Say) -> None:
    """`subscribers forget ADDRESS`: the person erased, a keyed hash kept."""
    address = _checked(address)
    with opened(root, url, warn) as database:
        erased = forget(check_root(root), database, address)
    where = (
        f"their address, name and history ({erased.history} entr"
        f"{'y' if erased.history == 1 else 'ies'}) left {database.label}"
        if erased.subscriber
        else f"they were not in {database.label}"
    )
    journals = len(erased.journals) + bool(erased.shared)
    if erased.shared:
        erased.journals.insert(0, f"the journal in {database.label}")
    sends = (
        f"their record left {journals} send journal{'s' * (journals != 1)} "
        f"({', '.join(erased.journals)})"
        if journals
        else "no send journal held them"
    )
    say(f"Forgot {address}: {where}; {sends}. A keyed hash keeps the address suppressed.")
    for name in erased.in_use:
        warn(
            f"warning: {name} is open in another process (a send?): the rows are deleted, "
            "but their bytes may stay in its write-ahead log until it ends; run forget again then"
        )


def show_stats(root: Path, url: str | None, say: Say, warn: Say) -> None:
    """`subscribers stats`: the counts by status and by source."""
    with opened(root, url, warn, create=False) as database:
        counts = stats(database)
    say(f"{counts.total:,} subscribers in {database.label}.")
    say("By status:")
    for status, count in counts.by_status.items():
        say(f"  {status}: {count:,}")
    say(f"  forgotten: {counts.forgotten:,} (only a keyed hash is left)")
    say("By source:")
    for source, count in counts.by_source.items():
        say(f"  {source}: {count:,}")


def _checked(address: str) -> str:
    address = address.strip()
    problem = address_problem(address)
    if problem is not None:
        raise UsageError(problem)
    return address
