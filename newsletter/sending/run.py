"""`newsletter send`, top to bottom: read the content, the list and the journal; report
every address skipped; then hand each pending recipient's copy to the server, one
connection for all of them, and record each outcome in the journal.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from newsletter.audience.bouncing import refusal_recorder
from newsletter.audience.database import Database
from newsletter.audience.migrations import opening_notes
from newsletter.audience.subscribers import find
from newsletter.errors import ContentError, UsageError
from newsletter.layout import SECRET_PATH, SETTINGS_PATH, check_root
from newsletter.model import Issue, Newsletter
from newsletter.render.email.budget import MAX_EMAIL_BYTES
from newsletter.sending.copies import Copies
from newsletter.sending.delivery import Delivery, deliver_test, first_connection
from newsletter.sending.dkim import signer
from newsletter.sending.journal import Journal, SendJournal, State, journal_path
from newsletter.sending.pacing import Policy
from newsletter.sending.recipients import Recipient, RecipientList
from newsletter.sending.recipients import read_recipients as read_list
from newsletter.sending.request import Request
from newsletter.sending.secret import Secret, load_secret, read_secret
from newsletter.sending.shared_journal import SharedJournal
from newsletter.sending.sources import Source, choose_source, open_for_send
from newsletter.sending.summary import (
    Summary,
    conclude,
    list_header,
    summary_of_dry_run,
    summary_of_test,
    tally,
    title,
)
from newsletter.site import load

Say = Callable[[str], None]
_TAKEN_OVER = "file journal taken over"  # the shared journal's setting: which file, once


def send(
    root: Path,
    request: Request,
    say: Say,
    stream: TextIO,
    policy: Policy | None = None,
) -> Summary:
    """Carry out `request` for the newsletter at `root`: lines for the reader go to `say`
    as they come, the progress to `stream`; the summary is returned."""
    request.check()
    root = check_root(root)
    newsletter, _ = load(root)
    issue = _issue(newsletter, request.issue)
    _require_unsubscribe(newsletter)
    listing = read_list(request.recipients) if request.recipients is not None else None
    for line in listing.problems() if listing else ():
        say(line)
    database = open_for_send(root, request)
    for note in opening_notes(database) if database is not None else ():
        say(note)
    try:
        secret = _secret(root, request.dry_run)
        if secret.shared:
            say(f"warning: {SECRET_PATH} can be read by others than you: chmod 600 it")
        copies = Copies(newsletter, root, issue, secret, signer(root, newsletter.settings))
        email = newsletter.settings.email
        if copies.untokenised_parts and "{token}" in (email.unsubscribe_url or ""):
            parts = " and ".join(copies.untokenised_parts)
            say(f"warning: the {parts} part has no unsubscribe link with {{token}} (templates?)")
        if request.test is not None:
            return _send_test(copies, request, listing, database)
        _refuse_clipped(copies)
        source = choose_source(database, listing, request)
        if request.dry_run:
            return _dry_run(copies, request, source, read_journal(root, issue, database))
        journal = _open_journal(root, issue, database, say)
        try:
            refused = refusal_recorder(database, issue.number) if database is not None else None
            return _send_list(copies, request, source, journal, say, stream, policy, refused)
        finally:
            journal.close()
    finally:
        if database is not None:
            database.close()


def _open_journal(root: Path, issue: Issue, database: Database | None, say: Say) -> SendJournal:
    """The issue's journal: in the database when it is PostgreSQL, shared by every
    process that sends the issue; else the SQLite file next to the issue's content."""
    path = journal_path(root, issue.source.path)
    if database is None or not database.location.postgresql:
        return Journal.open(path)
    journal = SharedJournal(database, issue.number)
    earlier = _unmoved(journal, path)
    if earlier is not None:
        # The send began with the list in SQLite: what it did must count here too, or
        # its readers would get a second copy.
        try:
            taken = journal.take_over(earlier)
        finally:
            earlier.close()
        name = path.relative_to(root).as_posix()
        journal.set_setting(_TAKEN_OVER, name)
        say(f"The send of this issue began with {name}: its {taken:,} records are the database's.")
    return journal


def read_journal(root: Path, issue: Issue, database: Database | None) -> SendJournal | None:
    """The issue's journal for a dry run (or a benchmark), or None when no send of it has
    begun."""
    path = journal_path(root, issue.source.path)
    if database is None or not database.location.postgresql:
        return Journal.read(path)
    journal = SharedJournal(database, issue.number)
    earlier = _unmoved(journal, path)
    if earlier is None:
        return journal
    journal.close()
    return earlier  # what the send will take over first


def _unmoved(journal: SharedJournal, path: Path) -> Journal | None:
    """The issue's SQLite journal (read-only) when the shared one has not taken it over."""
    if journal.setting(_TAKEN_OVER) is not None:
        return None
    return Journal.read(path)


def _refuse_clipped(copies: Copies) -> None:
    """An email over the budget is not sent to the list: Gmail would clip it and hide
    its end, the unsubscribe link with it. `--test` still sends one to look at."""
    budget = copies.budget
    if budget.over:
        raise ContentError(
            copies.issue.source.path,
            None,
            f"not sent: the email of issue {budget.issue} is {budget.size:,} bytes as sent "
            f"(quoted-printable), over the {MAX_EMAIL_BYTES:,}-byte budget; Gmail clips an "
            "email past ~102 KB and hides its end, the unsubscribe link with it. The "
            "foreword and the schedule are never shortened: shorten them (`newsletter "
            "check` shows the sizes; `send --test` still sends a copy to look at)",
        )


def _issue(newsletter: Newsletter, number: int) -> Issue:
    issue = newsletter.issue(number)
    if issue is None:
        known = ", ".join(str(i.number) for i in newsletter.issues) or "none yet"
        raise UsageError(f"no issue {number}; the issues are {known}")
    return issue


def _require_unsubscribe(newsletter: Newsletter) -> None:
    email = newsletter.settings.email
    if not email.unsubscribe_url and not email.unsubscribe_mailto:
        raise ContentError(
            SETTINGS_PATH,
            None,
            "email.unsubscribe_url (https, with {token}) or email.unsubscribe_mailto must be "
            "set before sending: every copy carries an unsubscribe link and List-Unsubscribe",
            field="email",
        )


def _secret(root: Path, dry_run: bool) -> Secret:
    if not dry_run:
        return load_secret(root)
    # A dry run writes nothing: without a secret yet, a throwaway one renders the same.
    return read_secret(root) or Secret(secrets.token_hex(32).encode("ascii"))


def _send_test(
    copies: Copies, request: Request, listing: RecipientList | None, database: Database | None
) -> Summary:
    address = (request.test or "").strip()
    server = request.smtp_server()
    known = {r.key: r.name for r in listing.recipients} if listing else {}
    name = known.get(address.lower(), "")
    if listing is None and database is not None:
        with database.reading() as connection:
            found = find(connection, address)
        name = found.name if found is not None else ""
    copy = copies.copy(Recipient(address, name), test=True)
    outcome = deliver_test(server, copy.sender, address, copy.data)
    return summary_of_test(copies, address, server, outcome)


def _dry_run(
    copies: Copies, request: Request, source: Source, journal: SendJournal | None
) -> Summary:
    try:
        return summary_of_dry_run(copies, request, source, tally(source, journal))
    finally:
        if journal is not None:
            journal.close()


def _send_list(
    copies: Copies,
    request: Request,
    source: Source,
    journal: SendJournal,
    say: Say,
    stream: TextIO,
    policy: Policy | None,
    refused: Callable[[str, str], None] | None = None,
) -> Summary:
    earlier = journal.setting("message")
    journal.add(r.key for batch in source.batches() for r in batch)
    before = tally(source, journal)
    if earlier is not None and earlier != copies.digest:
        say(
            f"warning: {title(copies)} changed since this send began: the "
            f"{before.states[State.DELIVERED]:,} copies delivered so far had the earlier version"
        )
    journal.set_setting("message", copies.digest)
    todo = before.states[State.PENDING]
    if before.unknown and request.resend_unknown:
        journal.reopen(r.key for r in before.unknown)
        say(f"Sending again to {len(before.unknown):,} recipients whose outcome was unknown.")
        todo += len(before.unknown)
    header = list_header(copies, source, before.people)
    if not before.people:
        return Summary([header + ".", "Nothing to send."], exit_code=1)
    if not todo:
        summary = conclude(copies, before, header)
        summary.lines.insert(1, "Nothing to send: every recipient of the list was handled before.")
        return summary
    connection = first_connection(request.smtp_server())
    delivery = Delivery(
        copies, journal, connection, policy or Policy(), request.rate, stream, refused
    )
    delivery.run(_pending(source, journal), todo)
    return conclude(copies, tally(source, journal), header, delivery)


def _pending(source: Source, journal: SendJournal) -> Iterator[Recipient]:
    """The recipients of the list still pending, each looked up as the send reaches its
    batch: what another process sent meanwhile is not tried again."""
    for batch in source.batches():
        entries = journal.entries([r.key for r in batch])
        for recipient in batch:
            entry = entries.get(recipient.key)
            if entry is not None and entry.state is State.PENDING:
                yield recipient
