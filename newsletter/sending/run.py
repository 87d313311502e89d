"""`newsletter send`, top to bottom: read the content, the list and the journal; report
every address skipped; then hand each pending recipient's copy to the server, one
connection for all of them, and record each outcome in the journal.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from newsletter.errors import ContentError, UsageError
from newsletter.layout import SECRET_PATH, SETTINGS_PATH, check_root
from newsletter.model import Issue, Newsletter
from newsletter.render.email.budget import MAX_EMAIL_BYTES
from newsletter.sending.copies import Copies
from newsletter.sending.delivery import Delivery, deliver_test, first_connection
from newsletter.sending.dkim import signer
from newsletter.sending.journal import Journal, State, journal_path
from newsletter.sending.pacing import Policy
from newsletter.sending.recipients import Recipient, RecipientList
from newsletter.sending.recipients import read_recipients as read_list
from newsletter.sending.request import Request, in_part
from newsletter.sending.secret import Secret, load_secret, read_secret
from newsletter.sending.summary import (
    Summary,
    conclude,
    list_header,
    summary_of_dry_run,
    summary_of_test,
    title,
)
from newsletter.site import load

Say = Callable[[str], None]


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
    people = _part(listing.recipients if listing else [], request.part)
    secret = _secret(root, request.dry_run)
    if secret.shared:
        say(f"warning: {SECRET_PATH} can be read by others than you: chmod 600 it")
    copies = Copies(newsletter, root, issue, secret, signer(root, newsletter.settings))
    if copies.untokenised_parts and "{token}" in (newsletter.settings.email.unsubscribe_url or ""):
        parts = " and ".join(copies.untokenised_parts)
        say(f"warning: the {parts} part has no unsubscribe link with {{token}} (templates?)")
    if request.test is not None:
        return _send_test(copies, request, listing)
    _refuse_clipped(copies)
    path = journal_path(root, issue.source.path)
    if request.dry_run:
        return _dry_run(copies, request, listing, people, Journal.read(path))
    journal = Journal.open(path)
    try:
        return _send_list(copies, request, listing, people, journal, say, stream, policy)
    finally:
        journal.close()


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


def _part(people: list[Recipient], part: tuple[int, int] | None) -> list[Recipient]:
    return people if part is None else [r for r in people if in_part(r.key, part)]


def _secret(root: Path, dry_run: bool) -> Secret:
    if not dry_run:
        return load_secret(root)
    # A dry run writes nothing: without a secret yet, a throwaway one renders the same.
    return read_secret(root) or Secret(secrets.token_hex(32).encode("ascii"))


def _send_test(copies: Copies, request: Request, listing: RecipientList | None) -> Summary:
    address = (request.test or "").strip()
    server = request.smtp_server()
    known = {r.key: r for r in listing.recipients} if listing else {}
    recipient = known.get(address.lower(), Recipient(address))
    copy = copies.copy(Recipient(address, recipient.name), test=True)
    outcome = deliver_test(server, copies.sender, address, copy.data)
    return summary_of_test(copies, address, server, outcome)


def _dry_run(
    copies: Copies,
    request: Request,
    listing: RecipientList | None,
    people: list[Recipient],
    journal: Journal | None,
) -> Summary:
    try:
        states = journal.states() if journal else {}
    finally:
        if journal:
            journal.close()
    return summary_of_dry_run(copies, request, listing, people, states)


def _send_list(
    copies: Copies,
    request: Request,
    listing: RecipientList | None,
    people: list[Recipient],
    journal: Journal,
    say: Say,
    stream: TextIO,
    policy: Policy | None,
) -> Summary:
    earlier = journal.setting("message")
    journal.add(r.key for r in people)
    states = journal.states()
    if earlier is not None and earlier != copies.digest:
        delivered = sum(1 for state in states.values() if state is State.DELIVERED)
        say(
            f"warning: {title(copies)} changed since this send began: the {delivered:,} "
            "copies delivered so far had the earlier version"
        )
    journal.set_setting("message", copies.digest)
    todo = [r for r in people if states[r.key] is State.PENDING]
    unknown = [r for r in people if states[r.key] is State.HANDED_OVER]
    if unknown and request.resend_unknown:
        journal.reopen(r.key for r in unknown)
        say(f"Sending again to {len(unknown):,} recipients whose outcome was unknown.")
        todo += unknown
    header = list_header(copies, listing, request, people)
    if not people:
        return Summary([header + ".", "Nothing to send."], exit_code=1)
    if not todo:
        summary = conclude(copies, journal, people, header)
        summary.lines.insert(1, "Nothing to send: every recipient of the list was handled before.")
        return summary
    connection = first_connection(request.smtp_server())
    delivery = Delivery(copies, journal, connection, policy or Policy(), request.rate, stream)
    delivery.run(todo)
    return conclude(copies, journal, people, header, delivery)
